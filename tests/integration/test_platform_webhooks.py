"""Real platform deliveries (the sample events in events/, signed the way the platform signs) through the local
cloud's webhook route, the queue and ingest, into cases."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re

from socialcare.config import settings
from tests.integration.helpers import act, show, wait_until_waiting
from tests.integration.test_ingest import queued

BRAND_X_ID = "1605800000000000000"


def x_delivery(cloud, load_event, name: str, secret: str | None = None):
    body = load_event(f"receive_webhook.{name}")["body"].encode()
    key = (secret or os.environ["X_CONSUMER_SECRET"]).encode()
    signature = "sha256=" + base64.b64encode(hmac.new(key, body, hashlib.sha256).digest()).decode()
    return cloud.http("POST", "/webhooks/x", body, {"x-twitter-webhooks-signature": signature,
                                                   "content-type": "application/json"})


def test_the_x_crc_challenge_is_answered_with_the_consumer_secret(cloud, load_event):
    token = load_event("receive_webhook.x_crc")["queryStringParameters"]["crc_token"]
    response = cloud.http("GET", f"/webhooks/x?crc_token={token}")
    digest = hmac.new(os.environ["X_CONSUMER_SECRET"].encode(), token.encode(), hashlib.sha256).digest()
    assert response.status == 200
    assert response.json() == {"response_token": "sha256=" + base64.b64encode(digest).decode()}


def test_an_x_mention_opens_a_case_and_the_authors_dm_resumes_its_dm_wait(cloud, load_event):
    # Given an @mention delivered by X's Account Activity webhook
    assert x_delivery(cloud, load_event, "x_aaa_tweet_mention").status == 200
    cloud.deliver_queue()
    tweet = json.loads(load_event("receive_webhook.x_aaa_tweet_mention")["body"])["tweet_create_events"][0]
    case_id = f"x-{tweet['id_str']}"
    case = wait_until_waiting(cloud, case_id, "acknowledge")
    assert (case["platform"], case["author"]) == ("x", f"@{tweet['user']['screen_name']}")
    assert [e["kind"] for e in case["timeline"] if e["event"] == "case opened"] == ["mention"]
    # When an agent acknowledges and the author then DMs the brand
    assert act(cloud, case_id, "acknowledge", replyText="Sorry about order A-48213, we're checking now.").status == 200
    wait_until_waiting(cloud, case_id, "customer-dm")
    assert x_delivery(cloud, load_event, "x_aaa_dm").status == 200
    cloud.deliver_queue()
    # Then the DM resumes the case, which goes to triage with the DM kept private
    case = wait_until_waiting(cloud, case_id, "claim")
    assert case["dmReceived"] is True
    dm_text = json.loads(load_event("receive_webhook.x_aaa_dm")["body"])["direct_message_events"][0][
        "message_create"]["message_data"]["text"]
    assert dm_text not in json.dumps(cloud.history(case_id), default=str)


def test_the_brands_own_tweet_is_dropped_and_a_bad_signature_stores_nothing(cloud, load_event):
    assert x_delivery(cloud, load_event, "x_aaa_own_tweet_echo").status == 200
    cloud.deliver_queue()
    assert x_delivery(cloud, load_event, "x_aaa_tweet_reply", secret="not-the-consumer-secret").status == 401
    cloud.deliver_queue()
    assert cloud.executions() == []
    assert cloud.http("GET", "/cases", headers=cloud.signed_in()).json() == {
        "cases": []}


def test_every_x_delivery_kind_opens_or_updates_the_right_case(cloud, load_event):
    for name in ("x_aaa_tweet_reply", "x_aaa_quote", "x_xaa_post_mention", "x_xaa_post_reply", "x_xaa_post_quote"):
        assert x_delivery(cloud, load_event, name).status == 200, name
    cloud.deliver_queue()
    agent = cloud.signed_in()
    cases = cloud.http("GET", "/cases", headers=agent).json()["cases"]
    kinds = {e["kind"] for c in cases for e in show(cloud, c["caseId"])["timeline"] if e.get("kind")}
    assert {"reply", "quote", "mention"} <= kinds
    assert all(c["platform"] == "x" for c in cases)


def meta_delivery(cloud, load_event, name: str, secret: str | None = None):
    body = load_event(f"receive_webhook.{name}")["body"].encode()
    key = (secret or os.environ["META_APP_SECRET"]).encode()
    signature = "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()
    return cloud.http("POST", "/webhooks/meta", body, {"x-hub-signature-256": signature,
                                                      "content-type": "application/json"})


def test_the_meta_verification_echoes_the_challenge_only_for_our_verify_token(cloud):
    query = "hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token="
    answer = cloud.http("GET", f"/webhooks/meta?{query}{os.environ['META_VERIFY_TOKEN']}")
    assert (answer.status, answer.body) == (200, "1158201444")
    assert cloud.http("GET", f"/webhooks/meta?{query}meatyhamhock").status == 403


def test_a_batched_meta_delivery_opens_a_case_per_author_and_a_bad_signature_stores_nothing(cloud, load_event):
    assert meta_delivery(cloud, load_event, "meta_batched", secret="wrong").status == 401
    assert meta_delivery(cloud, load_event, "meta_batched").status == 200
    cloud.deliver_queue()
    agent = cloud.signed_in()
    cases = cloud.http("GET", "/cases", headers=agent).json()["cases"]
    assert cases and all(c["platform"] == "meta" for c in cases)
    body = json.loads(load_event("receive_webhook.meta_batched")["body"])
    comment_id = body["entry"][0]["changes"][0]["value"]["comment_id"]
    assert f"meta-{comment_id}" in {c["caseId"] for c in cases}


def test_an_instagram_comment_is_acknowledged_on_instagrams_reply_endpoint(make_cloud, load_event, monkeypatch):
    import responses

    from socialcare.platforms.meta import GRAPH_URL
    monkeypatch.setenv("OUTBOUND_MODE", "live")
    cloud = make_cloud()
    body = json.loads(load_event("receive_webhook.meta_instagram_comment")["body"])
    comment_id = body["entry"][0]["changes"][0]["value"]["id"]
    with responses.RequestsMock(assert_all_requests_are_fired=True) as graph:
        reply = graph.post(f"{GRAPH_URL}/{comment_id}/replies", json={"id": "17999999999999999"})
        private = graph.post(re.compile(f"{GRAPH_URL}/[^/]+/messages"),
                             json={"recipient_id": "1780000000000777", "message_id": "aWdfZAG1fake"})
        assert meta_delivery(cloud, load_event, "meta_instagram_comment").status == 200
        cloud.deliver_queue()
        case_id = f"meta-{comment_id}"
        wait_until_waiting(cloud, case_id, "acknowledge")
        assert act(cloud, case_id, "acknowledge", replyText="Das tut uns leid, Dana. Wir kümmern uns.").status == 200
        wait_until_waiting(cloud, case_id, "customer-dm")
        # the acknowledgement in the Instagram comment's thread, then the DM invitation as a private reply, once each
        assert reply.call_count == 1
        assert json.loads(reply.calls[0].request.body)["message"] == "Das tut uns leid, Dana. Wir kümmern uns."
        assert private.call_count == 1
        invitation = json.loads(private.calls[0].request.body)
        assert invitation["recipient"] == {"comment_id": comment_id}
        assert "direct message" in invitation["message"]["text"]


def test_x_refusing_our_reply_is_recorded_on_the_case_and_escalated_not_a_crash(make_cloud, load_event, monkeypatch):
    import responses
    # Given a live stack on a self-serve X plan, where X refuses replies to posts that did not summon the brand
    monkeypatch.setenv("OUTBOUND_MODE", "live")
    cloud = make_cloud()
    refusal = {"detail": "You attempted to reply to a Tweet that is deleted or not visible to you.",
               "title": "Forbidden", "status": 403, "type": "about:blank"}
    with responses.RequestsMock(assert_all_requests_are_fired=False) as x_api:
        tweets = x_api.post("https://api.x.com/2/tweets", json=refusal, status=403)
        assert x_delivery(cloud, load_event, "x_aaa_tweet_mention").status == 200
        cloud.deliver_queue()
        tweet = json.loads(load_event("receive_webhook.x_aaa_tweet_mention")["body"])["tweet_create_events"][0]
        case_id = f"x-{tweet['id_str']}"
        wait_until_waiting(cloud, case_id, "acknowledge")
        # When the agent's acknowledgement is posted
        assert act(cloud, case_id, "acknowledge", replyText="Sorry about A-48213, checking now.").status == 200
        # Then the case goes on to the DM wait, with the refusal on its timeline and the first tier told
        case = wait_until_waiting(cloud, case_id, "customer-dm")
        refused = [e for e in case["timeline"] if e["event"] == "post refused"]
        assert [e["kind"] for e in refused][:1] == ["acknowledgement"] and "403" in refused[0]["reason"]
        assert tweets.call_count >= 1
    told = [n for n in cloud.notifications("EscalationsTopic-inbox") if n["attributes"].get("refused") == "true"]
    assert told and told[0]["attributes"]["level"] == "1" and told[0]["message"]["refusedPost"] == "acknowledgement"
    assert [e["status"] for e in cloud.executions() if e["name"] == case_id] == ["RUNNING"]


def test_a_meta_batch_of_a_thousand_comments_over_256_kib_is_taken_whole(cloud, load_event):
    # Given Meta batching 1000 comment updates in one POST (platforms.md §2.4), far over 256 KiB
    one = json.loads(load_event("receive_webhook.meta_page_comment")["body"])
    change = one["entry"][0]["changes"][0]
    changes = []
    for n in range(1000):
        value = {**change["value"], "comment_id": f"200000000000001_{310000000000000 + n}",
                 "from": {"id": f"70020000{n:08d}", "name": f"Customer {n}"},
                 "message": f"Order #{n} arrived broken, the box was crushed and the glass shattered. " * 3}
        changes.append({"field": "feed", "value": value})
    body = json.dumps({"object": "page", "entry": [{**one["entry"][0], "changes": changes}]}).encode()
    assert len(body) > 256 * 1024
    signature = "sha256=" + hmac.new(os.environ["META_APP_SECRET"].encode(), body, hashlib.sha256).hexdigest()
    # When it is delivered
    response = cloud.http("POST", "/webhooks/meta", body, {"x-hub-signature-256": signature})
    # Then every comment is accepted and enqueued, each as its own message
    assert response.status == 200 and response.json() == {"accepted": 1000}
    assert queued(cloud) == 1000


def test_an_instagram_mention_without_words_or_author_opens_no_case(cloud, load_event):
    # Given the `mentions` webhook, which names only the media and the comment (platforms.md §2.3)
    # When it is delivered, signed
    response = meta_delivery(cloud, load_event, "meta_instagram_mention")
    # Then Meta is answered 200 (a refusal is redelivered for 36 hours), and no case is opened with empty words
    assert (response.status, response.json()) == (200, {"accepted": 0})
    assert queued(cloud) == 0
    cloud.deliver_queue()
    assert cloud.executions() == []


def test_a_facebook_commenters_messenger_answer_joins_their_comment_case(make_cloud, load_event, monkeypatch):
    import responses

    from socialcare.platforms.meta import GRAPH_URL
    monkeypatch.setenv("OUTBOUND_MODE", "live")
    monkeypatch.setenv("META_PAGE_ID", "104000000000001")
    settings.cache_clear()
    cloud = make_cloud()
    comment = json.loads(load_event("receive_webhook.meta_page_comment")["body"])["entry"][0]["changes"][0]["value"]
    psid = "6009990000000042"  # not the commenter's id on the page (7001000000000001): Messenger has its own
    case_id = f"meta-{comment['comment_id']}"
    try:
        with responses.RequestsMock(assert_all_requests_are_fired=True) as graph:
            reply = graph.post(f"{GRAPH_URL}/{comment['comment_id']}/comments", json={"id": "300000000000009"})
            messages = graph.post(f"{GRAPH_URL}/104000000000001/messages",
                                  json={"recipient_id": psid, "message_id": "m_private_42"})
            # Given a comment case acknowledged in public
            assert meta_delivery(cloud, load_event, "meta_page_comment").status == 200
            cloud.deliver_queue()
            wait_until_waiting(cloud, case_id, "acknowledge")
            assert act(cloud, case_id, "acknowledge", replyText="Sorry about order A1, Ann.").status == 200
            # When the DM invitation goes as a private reply to the comment
            wait_until_waiting(cloud, case_id, "customer-dm")
            assert json.loads(messages.calls[0].request.body)["recipient"] == {"comment_id": comment["comment_id"]}
            # and the customer answers in Messenger, under their PSID
            answer = json.loads(load_event("receive_webhook.meta_messenger_message")["body"])
            answer["entry"][0]["messaging"][0]["sender"]["id"] = psid
            body = json.dumps(answer).encode()
            signature = "sha256=" + hmac.new(os.environ["META_APP_SECRET"].encode(), body, hashlib.sha256).hexdigest()
            assert cloud.http("POST", "/webhooks/meta", body, {"x-hub-signature-256": signature}).status == 200
            cloud.deliver_queue()
            # Then their answer ends the DM wait of the comment's case: it goes to triage, no second case opens
            case = wait_until_waiting(cloud, case_id, "claim")
            assert case["dmReceived"] is True
            assert [e["name"] for e in cloud.executions()] == [case_id]
            assert reply.call_count == 1
            # and the hand-off confirmation goes to the PSID they wrote from, through the Send API
            confirmation = json.loads(messages.calls[1].request.body)
            assert confirmation["recipient"] == {"id": psid} and confirmation["messaging_type"] == "RESPONSE"
    finally:
        settings.cache_clear()

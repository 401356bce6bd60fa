"""Pile-ons followed through, on the local cloud with the real state machine: an incident growing tells each tier once
at its threshold; the leads post its holding statement at most once per channel; resolving it gives each open case
its follow-up (drafted, or posted once with the policy's switch) while the cases stay in their steps. Every function
runs as its own role: an IAM denial fails the test."""
from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import os

import pytest

from socialcare.platforms import sandbox
from tests.conftest import mention
from tests.integration.helpers import act, deliver, show, wait_until_waiting

APP_DOWN = ["@brand the app is down, can't log in", "@brand app crash every time I open it",
            "@brand the website is down again", "@brand login error for an hour now, useless",
            "@brand still can't log in, the app keeps crashing", "@brand your app is down AGAIN",
            "@brand app error at login, can't get in", "@brand outage? the app won't load"]


def complain(cloud, n: int, run: str, text: str | None = None) -> str:
    """The n-th person (author run-n) complains that the app is down; the id of their case."""
    mention_id = f"{run}{n:02d}"
    deliver(cloud, mention(mention_id, f"{run}{n:02d}", text=text or APP_DOWN[(n - 1) % len(APP_DOWN)]),
            delivery_id=f"d-{mention_id}")
    return f"generic-{mention_id}"


def incident_alerts(cloud) -> list[dict]:
    return [n for n in cloud.notifications("EscalationsTopic-inbox") if n["attributes"].get("incident") == "true"]


def the_incident(cloud, case_id: str) -> dict:
    incident_id = cloud.wait_for(lambda: show(cloud, case_id)["incident"], what=f"{case_id} in an incident")
    response = cloud.http("GET", f"/incidents/{incident_id}", headers=cloud.signed_in())
    assert response.status == 200, response
    return response.json()


def incident_call(cloud, incident_id: str, action: str, agent: str = "lead", **body):
    return cloud.http("POST", f"/incidents/{incident_id}/{action}", json.dumps(body), cloud.signed_in(agent, "leads"))


def sent_for(keys: set[str]) -> list[dict]:
    return [post for post in sandbox.SENT if post["key"] in keys]


def policy_file(monkeypatch, tmp_path, text: str) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(text)
    monkeypatch.setenv("POLICY_FILE", str(path))


# -- growth ------------------------------------------------------------------------------------------------------------
def test_a_growing_incident_tells_each_tier_once_at_its_threshold(make_cloud, monkeypatch, tmp_path):
    # Given a policy that climbs the ladder at 3, 5 and 7 people
    policy_file(monkeypatch, tmp_path, "pile_on: {growth_alerts: {1: 3, 2: 5, 3: 7}}\n")
    cloud = make_cloud()
    told = []
    # When eight people say the app is down, one after the other (the sixth twice, and one delivery twice)
    for n in range(1, 9):
        case_id = complain(cloud, n, "81")
        if n == 6:
            complain(cloud, 6, "81")  # the same delivery again: a duplicate
            deliver(cloud, mention("8196", "8106", text="@brand STILL down"), delivery_id="d-8196")
        wait_until_waiting(cloud, case_id, "acknowledge")
        told.append([(a["attributes"]["level"], a["message"]["authors"]) for a in incident_alerts(cloud)])
    # Then each tier hears once, as the incident reaches its threshold, and nobody hears twice
    assert told[1] == [] and told[2] == told[3] == [("1", 3)]
    assert told[4] == told[5] == [("1", 3), ("2", 5)]
    assert told[6] == told[7] == [("1", 3), ("2", 5), ("3", 7)]
    subjects = [a["subject"] for a in incident_alerts(cloud)]
    assert subjects == ["Incident: 3 people about app", "Incident growing: 5 people about app",
                        "Incident growing: 7 people about app"]
    # and the incident shows who joined when, its reach, the tiers told, and all eight cases
    incident = the_incident(cloud, "generic-8101")
    assert (incident["authors"], incident["reach"], incident["caseCount"]) == (8, 8 * 250, 8)
    assert [point["authors"] for point in incident["growth"]] == list(range(1, 9))
    assert [(t["level"], t["authors"]) for t in incident["tiersTold"]] == [(1, 3), (2, 5), (3, 7)]
    assert {c["caseId"] for c in incident["cases"]} == {f"generic-81{n:02d}" for n in range(1, 9)}
    assert all((c["status"], c["step"]) == ("OPEN", "ACKNOWLEDGE") for c in incident["cases"])
    listed = cloud.http("GET", "/incidents?status=OPEN", headers=cloud.signed_in()).json()["incidents"]
    assert [(i["incidentId"], i["authors"], i["levelTold"]) for i in listed] == [(incident["incidentId"], 8, 3)]


# -- the holding statement ---------------------------------------------------------------------------------------------
def test_the_holding_statement_is_posted_once_per_target_and_a_second_post_posts_nothing_more(cloud):
    cases = [complain(cloud, n, "82") for n in (1, 2, 3)]
    for case_id in cases:
        wait_until_waiting(cloud, case_id, "acknowledge")
    incident_id = the_incident(cloud, cases[0])["incidentId"]
    # A statement the guardrails refuse is a 422 naming the rule, and posts nothing anywhere
    refused = incident_call(cloud, incident_id, "statement", target="replies",
                            text="We know the app is down. Call our helpline on 0800 123 4567.")
    assert refused.status == 422 and {r["rule"] for r in refused.json()["rejections"]} == {"phone redirect"}
    # The drafted statement on the brand's own channel: once per platform the incident spans (here the listening
    # tool's, recorded for someone to copy)
    brand = incident_call(cloud, incident_id, "statement", target="brand")
    assert brand.status == 200
    assert [(r["platform"], r["state"], r["alreadyPosted"]) for r in brand.json()["results"]] == [
        ("generic", "posted", False)]
    assert brand.json()["text"].startswith("We know some of you are having trouble with app right now.")
    # As replies: once on each case's thread, on its timeline
    text = "Sorry, we know the app is down for some of you. We're on it and will update you here."
    replies = incident_call(cloud, incident_id, "statement", target="replies", text=text)
    assert [(r["caseId"], r["state"]) for r in replies.json()["results"]] == [(c, "posted") for c in cases]
    # A second post of each posts nothing more
    for target in ("brand", "replies"):
        again = incident_call(cloud, incident_id, "statement", target=target, text=text)
        assert again.status == 200 and all(r["alreadyPosted"] for r in again.json()["results"]), target
    keys = {f"{incident_id}:statement:generic", *(f"{c}:incident-statement" for c in cases)}
    assert sorted(post["key"] for post in sent_for(keys)) == sorted(keys)
    for case_id in cases:
        case = show(cloud, case_id)
        [posted] = [e for e in case["timeline"] if e["event"] == "posted publicly"]
        assert (posted["kind"], posted["text"]) == ("incident-statement", text)
        assert case["waitingFor"] == "acknowledge"  # the case waits for its own acknowledgement still
    shown = the_incident(cloud, cases[0])["statements"]
    assert sorted((s["target"], s.get("platform") or s.get("caseId")) for s in shown) == sorted(
        [("brand", "generic"), *(("replies", c) for c in cases)])


# -- resolving -----------------------------------------------------------------------------------------------------
def test_resolving_an_incident_drafts_a_follow_up_on_each_open_case_which_stays_in_its_step(cloud):
    cases = [complain(cloud, n, "83") for n in (1, 2, 3, 4)]
    for case_id in cases:
        wait_until_waiting(cloud, case_id, "acknowledge")
    incident_id = the_incident(cloud, cases[0])["incidentId"]
    # Given one case acknowledged (it waits for the customer's DM) and one dismissed
    assert act(cloud, cases[0], "acknowledge", replyText="Sorry the app is down for you! We're on it.").status == 200
    wait_until_waiting(cloud, cases[0], "customer-dm")
    assert act(cloud, cases[1], "dismiss", reason="duplicate").status == 200
    cloud.wait_for_status(cases[1])
    # When a lead resolves the incident with its outcome
    resolved = incident_call(cloud, incident_id, "resolve", outcome="the app is back up for everyone since 11:20")
    assert resolved.status == 200
    assert [(f["caseId"], f["state"]) for f in resolved.json()["followUps"]] == [
        (cases[0], "drafted"), (cases[2], "drafted"), (cases[3], "drafted")]
    # Then each open case shows its personalised follow-up, and stays where it was for its agent to close
    for case_id, waiting in ((cases[0], "customer-dm"), (cases[2], "acknowledge"), (cases[3], "acknowledge")):
        case = show(cloud, case_id)
        assert case["waitingFor"] == waiting and case["status"] == "OPEN"
        assert case["followUpDraft"].startswith("Hi Ann, an update on the trouble with app you told us about (")
        assert "the app is back up for everyone since 11:20." in case["followUpDraft"]
        assert [e["outcome"] for e in case["timeline"] if e["event"] == "incident resolved"] == [
            "the app is back up for everyone since 11:20"]
    assert "followUpDraft" not in show(cloud, cases[1])
    assert sent_for({f"{c}:incident-follow-up" for c in cases}) == []
    # and the incident is resolved: listed so, and a second resolution or a statement is a conflict
    incident = the_incident(cloud, cases[0])
    assert (incident["status"], incident["outcome"]) == ("RESOLVED", "the app is back up for everyone since 11:20")
    assert incident["resolvedBy"] == "lead"
    assert [i["incidentId"] for i in cloud.http("GET", "/incidents?status=RESOLVED", headers=cloud.signed_in()).json()[
        "incidents"]] == [incident_id]
    assert incident_call(cloud, incident_id, "resolve", outcome="fixed").status == 409
    assert incident_call(cloud, incident_id, "statement", target="brand").status == 409
    # A complaint after the resolution joins no resolved incident
    later = complain(cloud, 5, "83")
    assert wait_until_waiting(cloud, later, "acknowledge")["incident"] is None


def test_with_the_policy_switch_resolving_posts_each_follow_up_once(make_cloud, monkeypatch, tmp_path):
    policy_file(monkeypatch, tmp_path, "pile_on: {resolve_follow_ups: post}\n")
    cloud = make_cloud()
    cases = [complain(cloud, n, "84") for n in (1, 2, 3)]
    for case_id in cases:
        wait_until_waiting(cloud, case_id, "acknowledge")
    incident_id = the_incident(cloud, cases[0])["incidentId"]
    resolved = incident_call(cloud, incident_id, "resolve", outcome="the app is back up")
    assert [(f["caseId"], f["state"]) for f in resolved.json()["followUps"]] == [(c, "posted") for c in cases]
    assert incident_call(cloud, incident_id, "resolve", outcome="the app is back up").status == 409
    keys = {f"{c}:incident-follow-up" for c in cases}
    assert sorted(post["key"] for post in sent_for(keys)) == sorted(keys)  # once each
    for case_id in cases:
        case = show(cloud, case_id)
        [posted] = [e for e in case["timeline"] if e["event"] == "posted publicly"]
        assert posted["kind"] == "incident-follow-up" and posted["text"].startswith("Hi Ann, an update on the")
        assert "followUpDraft" not in case and case["waitingFor"] == "acknowledge"
        # our public response to them: the wall-clock promise is met, so no holding reply will follow
        assert case["promiseSince"] is None
        assert [e["response"] for e in case["timeline"] if e["event"] == "promise met"] == ["incident-follow-up"]


# -- live, on X ----------------------------------------------------------------------------------------------------
X_SAMPLE = "receive_webhook.x_aaa_tweet_mention"


def x_complaint(cloud, load_event, n: int, text: str) -> str:
    """An @mention of the brand on X by the n-th person, signed as X signs; the id of its case."""
    body = json.loads(load_event(X_SAMPLE)["body"])
    tweet = copy.deepcopy(body["tweet_create_events"][0])
    tweet_id, user_id = f"21244351352643461{n:02d}", f"15238477102934712{n:02d}"
    tweet.update(id=int(tweet_id), id_str=tweet_id, text=text, truncated=False)
    tweet["extended_tweet"]["full_text"] = text
    tweet["user"].update(id=int(user_id), id_str=user_id, screen_name=f"person_{n}", name=f"Person{'abc'[n - 1]}")
    raw = json.dumps({**body, "tweet_create_events": [tweet]}).encode()
    key = os.environ["X_CONSUMER_SECRET"].encode()
    signature = "sha256=" + base64.b64encode(hmac.new(key, raw, hashlib.sha256).digest()).decode()
    assert cloud.http("POST", "/webhooks/x", raw, {"x-twitter-webhooks-signature": signature}).status == 200
    cloud.deliver_queue()
    return f"x-{tweet_id}"


def test_live_on_x_the_statement_is_a_post_of_the_brand_and_a_reply_to_each_person(make_cloud, load_event,
                                                                                    monkeypatch):
    import responses
    monkeypatch.setenv("OUTBOUND_MODE", "live")
    cloud = make_cloud()
    cases = [x_complaint(cloud, load_event, n, f"@acme_support the app is down, can't log in ({n})")
             for n in (1, 2, 3)]
    for case_id in cases:
        wait_until_waiting(cloud, case_id, "acknowledge")
    incident_id = the_incident(cloud, cases[0])["incidentId"]
    posted = []

    def created(request):
        posted.append(json.loads(request.body))
        return 201, {}, json.dumps({"data": {"id": f"21245000000000000{len(posted):02d}", "text": "ok"}})
    with responses.RequestsMock(assert_all_requests_are_fired=True) as x_api:
        x_api.add_callback("POST", "https://api.x.com/2/tweets", callback=created)
        brand = incident_call(cloud, incident_id, "statement", target="brand")
        replies = incident_call(cloud, incident_id, "statement", target="replies")
    # The brand's post replies to nobody; each person gets the statement in reply to their own post
    text = brand.json()["text"]
    assert posted[0] == {"text": text}
    assert sorted(p["reply"]["in_reply_to_tweet_id"] for p in posted[1:]) == sorted(c.removeprefix("x-") for c in cases)
    assert [r["platformPostId"] for r in brand.json()["results"]] == ["2124500000000000001"]
    assert {r["state"] for r in replies.json()["results"]} == {"posted"} and len(posted) == 4


# -- flagged authors -----------------------------------------------------------------------------------------------
def test_a_flagged_authors_complaint_neither_opens_nor_grows_an_incident(cloud):
    from tests.integration.test_flagged_authors import dismissed_as_troll
    # Given an author with two cases dismissed as troll, and two people who say the app is down
    dismissed_as_troll(cloud, "8591", "8590", "8589")
    first = [complain(cloud, n, "85") for n in (1, 2)]
    # When the flagged author says so too, the third voice
    deliver(cloud, mention("8592", "8591", text="@brand the app is down lol, can't log in"), delivery_id="d-8592")
    # Then theirs is their own flagged case, and no incident opens: three people, but one does not count
    flagged = wait_until_waiting(cloud, "generic-8592", "acknowledge")
    assert flagged["flagged"] and flagged["incident"] is None
    assert [show(cloud, c)["incident"] for c in first] == [None, None] and incident_alerts(cloud) == []
    # and a third real person makes the incident, of the three who count
    third = complain(cloud, 3, "85")
    incident = the_incident(cloud, third)
    assert incident["authors"] == 3 and "generic-8592" not in {c["caseId"] for c in incident["cases"]}

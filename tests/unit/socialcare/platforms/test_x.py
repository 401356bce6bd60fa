"""Mirrors layers/domain/socialcare/platforms/x.py: X's CRC, signed deliveries (AAA and XAA), replies and DMs."""
import base64
import hashlib
import hmac
import json
import re
import time

import oauthlib.oauth1
import pytest
import requests
import responses

from socialcare.config import settings
from socialcare.errors import (
    ChannelRejectedError,
    ChannelUnavailableError,
    InvalidMentionError,
    SignatureMismatchError,
)
from socialcare.platforms.base import ChallengeAnswer, PostReceipt
from socialcare.platforms import x
from socialcare.platforms.x import XPlatform

CONSUMER_SECRET = "test"  # the secret of the official autohook test vectors
CONSUMER_KEY, ACCESS_TOKEN, ACCESS_TOKEN_SECRET = "app-api-key", "1605800000000000000-brandtoken", "brand-token-secret"
BRAND = "1605800000000000000"
TWEETS_URL = "https://api.x.com/2/tweets"


@pytest.fixture(autouse=True)
def x_account(monkeypatch):
    monkeypatch.setenv("X_CONSUMER_SECRET", CONSUMER_SECRET)
    monkeypatch.setenv("X_CONSUMER_KEY", CONSUMER_KEY)
    monkeypatch.setenv("X_ACCESS_TOKEN", ACCESS_TOKEN)
    monkeypatch.setenv("X_ACCESS_TOKEN_SECRET", ACCESS_TOKEN_SECRET)
    monkeypatch.setenv("X_BRAND_USER_ID", BRAND)
    settings.cache_clear()
    yield
    settings.cache_clear()  # before monkeypatch restores the environment, so the next settings() reads it afresh


@pytest.fixture
def waits() -> list[float]:
    return []


@pytest.fixture
def platform(waits) -> XPlatform:
    return XPlatform(sleep=waits.append)  # retries record their wait instead of sleeping


def x_signature(body: bytes, secret: str = CONSUMER_SECRET) -> str:
    """Computed here independently of the adapter, the way X's docs show it."""
    return "sha256=" + base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def body_of(load_event, name: str) -> bytes:
    return load_event(f"receive_webhook.{name}")["body"].encode()


@pytest.fixture
def drops(caplog):
    """What the adapter logged as dropped, as (reason, id). The local environment logs only warnings and up."""
    caplog.set_level("INFO", logger=x.logger.service)
    return lambda: [(r.reason, r.id) for r in caplog.records if r.getMessage() == "x event dropped"]


# -- answer_challenge (platforms.md §1.2) ------------------------------------------------------------------------------
def test_the_crc_is_answered_with_the_hmac_of_the_token_as_json(platform, load_event):
    token = load_event("receive_webhook.x_crc")["queryStringParameters"]["crc_token"]
    answer = platform.answer_challenge({"crc_token": token})
    digest = hmac.new(CONSUMER_SECRET.encode(), token.encode(), hashlib.sha256).digest()
    assert answer == ChallengeAnswer(
        200, json.dumps({"response_token": "sha256=" + base64.b64encode(digest).decode()}), "application/json")


@pytest.mark.parametrize("query", [{}, {"crc_token": ""}, {"challenge": "c-42"}])
def test_a_get_without_a_crc_token_is_not_answered(platform, query):
    assert platform.answer_challenge(query) is None


def test_a_crc_token_shaped_like_a_delivery_is_not_signed(platform, load_event):
    # the CRC answer is a delivery signature: signing a body chosen by anyone would let them forge a delivery
    assert platform.answer_challenge({"crc_token": load_event("receive_webhook.x_aaa_dm")["body"]}) is None


# -- verify (platforms.md §1.3) ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("body", "signature"), [
    (b"test=1&other_test=2", "sha256=25Cu3iwbbiqBTwQRzcKJZwisjf736V2Q8UaTlkfLSoc="),
    (b'{"test_number":1,"test_string":"two"}', "sha256=YWHphPn/JFq43jkF0y4/w8R/SelmLjvpunhVFY8JhlI="),
])
def test_the_official_autohook_signature_vectors_verify(platform, body, signature):
    platform.verify({"x-twitter-webhooks-signature": signature}, body)  # no SignatureMismatchError


def test_a_real_shaped_delivery_signed_with_the_consumer_secret_verifies(platform, load_event):
    body = body_of(load_event, "x_xaa_post_mention")
    platform.verify({"x-twitter-webhooks-signature": x_signature(body)}, body)


@pytest.mark.parametrize("signature", [
    x_signature(b'{"test_number":1,"test_string":"two"}', secret="another-app"),
    x_signature(b'{"test_number":1,"test_string":"three"}'),
    "sha256=" + hmac.new(b"test", b'{"test_number":1,"test_string":"two"}', hashlib.sha256).hexdigest(),  # hex
    "sha256=ÿÿÿ",
    "sha256=replace-with-a-real-signature",
])
def test_a_wrong_signature_is_refused(platform, signature):
    with pytest.raises(SignatureMismatchError, match="does not match"):
        platform.verify({"x-twitter-webhooks-signature": signature}, b'{"test_number":1,"test_string":"two"}')


@pytest.mark.parametrize("headers", [{}, {"x-twitter-webhooks-signature": ""}, {"x-hub-signature-256": "sha256=x"}])
def test_a_delivery_without_the_signature_header_is_refused(platform, headers):
    with pytest.raises(SignatureMismatchError, match="missing x-twitter-webhooks-signature"):
        platform.verify(headers, b"{}")


# -- parse: one file per delivery type ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "kind", "mention_id", "author", "followers", "created_at", "delivery_id"), [
    ("x_aaa_tweet_mention", "mention", "2124435135264346114", ("1523847710293471232", "@dana_reyes", "Dana Reyes"),
     1843, "2026-11-22T09:29:41+00:00", ""),
    ("x_aaa_tweet_reply", "reply", "2124438012556890115", ("1198765432109876544", "@marcus_okafor", "Marcus Okafor"),
     312, "2026-11-22T09:41:07+00:00", ""),
    ("x_aaa_quote", "quote", "2124443330934362116", ("88223457", "@lena_k", "Lena Kowalski"),
     9560, "2026-11-22T10:02:15+00:00", ""),
    ("x_xaa_post_mention", "mention", "2124459172820570119", ("1742210938475520000", "@priya_n", "Priya Natarajan"),
     27, "2026-11-22T11:05:12+00:00", "2124459172820570119"),
    ("x_xaa_post_reply", "reply", "2124463065134682120", ("2417853096", "@tom_b", "Tom Brennan"),
     4410, "2026-11-22T11:20:40+00:00", "-4170358822913457031"),
    ("x_xaa_post_quote", "quote", "2124469956376154121", ("1311098457362014209", "@sam_w", "Sam Whitfield"),
     118, "2026-11-22T11:48:03+00:00", "8823514470296612113"),
])
def test_each_public_post_reads_as_one_mention(platform, load_event, name, kind, mention_id, author, followers,
                                                created_at, delivery_id):
    [mention] = platform.parse(body_of(load_event, name))
    assert (mention.platform, mention.kind, mention.mention_id) == ("x", kind, mention_id)
    assert (mention.author.id, mention.author.handle, mention.author.name) == author
    assert mention.author.followers == followers
    assert mention.created_at == created_at
    assert mention.reply_to_id == mention_id  # a public reply answers the post itself
    assert mention.url == f"https://x.com/{author[1][1:]}/status/{mention_id}"
    assert mention.delivery_id == delivery_id
    assert mention.extra["for_user_id"] == BRAND


@pytest.mark.parametrize(("name", "dm_id", "author", "followers", "text", "created_at", "delivery_id"), [
    ("x_aaa_dm", "2124446680010608645", ("1523847710293471232", "@dana_reyes", "Dana Reyes"), 1843,
     "Hi, following up on my tweet. Order #A-48213, delivery postcode 02139.",
     "2026-11-22T10:15:33.482000+00:00", ""),
    ("x_xaa_dm_received", "2124473835755032586", ("1742210938475520000", "@priya_n", "Priya Natarajan"), 27,
     "Order number is #A-51877. I have photos of the jug if that helps.",
     "2026-11-22T12:03:27.915000+00:00", "-6850472171600526495"),
])
def test_a_dm_reads_as_a_private_mention_named_by_its_event_id(platform, load_event, name, dm_id, author, followers,
                                                                text, created_at, delivery_id):
    [mention] = platform.parse(body_of(load_event, name))
    assert (mention.kind, mention.is_private, mention.mention_id, mention.text) == ("dm", True, dm_id, text)
    assert (mention.author.id, mention.author.handle, mention.author.name) == author
    assert mention.author.followers == followers  # from the users map, not the DM event
    assert mention.created_at == created_at  # created_timestamp is milliseconds
    assert (mention.reply_to_id, mention.url, mention.delivery_id) == ("", "", delivery_id)


def test_a_long_tweet_reads_its_full_text_and_entities_from_extended_tweet(platform, load_event):
    tweet = json.loads(body_of(load_event, "x_aaa_tweet_mention"))["tweet_create_events"][0]
    assert tweet["truncated"] and tweet["text"].endswith("… https://t.co/Wq8dLm2ZcX")
    [mention] = platform.parse(body_of(load_event, "x_aaa_tweet_mention"))
    assert mention.text.endswith("Can someone actually look into this? #AcmeHelp")
    assert "…" not in mention.text


def test_the_xaa_event_type_is_kept_with_the_mention(platform, load_event):
    [mention] = platform.parse(body_of(load_event, "x_xaa_post_reply"))
    assert mention.extra == {"for_user_id": BRAND, "event_type": "post.reply.create"}


def test_a_long_v2_post_reads_its_note_tweet(platform, load_event):
    delivery = json.loads(body_of(load_event, "x_xaa_post_mention"))
    delivery["data"]["payload"]["note_tweet"] = {"text": "@acme_support " + "very long story " * 30}
    [mention] = platform.parse(json.dumps(delivery).encode())
    assert mention.text == "@acme_support " + "very long story " * 30


def test_an_xaa_author_missing_from_includes_is_still_named_by_id(platform, load_event):
    delivery = json.loads(body_of(load_event, "x_xaa_post_mention"))
    del delivery["data"]["includes"]
    [mention] = platform.parse(json.dumps(delivery).encode())
    assert (mention.author.id, mention.author.handle) == ("1742210938475520000", "")
    assert mention.url == "https://x.com/i/web/status/2124459172820570119"


# -- classification (platforms.md §1.6) --------------------------------------------------------------------------------
def aaa_tweet(load_event, **changes) -> bytes:
    delivery = json.loads(body_of(load_event, "x_aaa_tweet_reply"))
    tweet = delivery["tweet_create_events"][0]
    tweet.update(in_reply_to_status_id=None, in_reply_to_status_id_str=None, in_reply_to_user_id=None,
                 in_reply_to_user_id_str=None, in_reply_to_screen_name=None,
                 entities={"hashtags": [], "urls": [], "user_mentions": [], "symbols": []})
    tweet.update(changes)
    return json.dumps(delivery).encode()


def test_a_post_with_only_a_hashtag_is_a_hashtag_mention(platform, load_event):
    body = aaa_tweet(load_event, text="Three weeks for a refund #AcmeHelp",
                     entities={"hashtags": [{"text": "AcmeHelp", "indices": [25, 34]}], "user_mentions": []})
    [mention] = platform.parse(body)
    assert mention.kind == "hashtag"


def test_a_reply_to_someone_else_that_names_the_brand_is_a_mention(platform, load_event):
    body = aaa_tweet(load_event, in_reply_to_user_id_str="4337869213",
                     entities={"user_mentions": [{"id_str": "4337869213"}, {"id_str": BRAND}]})
    [mention] = platform.parse(body)
    assert mention.kind == "mention"


@pytest.mark.parametrize(("quoted_status", "kind"), [
    (None, "quote"),  # the quoted post is gone: AAA delivers quotes by or to the brand, and this one is not by it
    ({"id_str": "2124429994090758145", "user": {"id_str": "4337869213", "screen_name": "someone_else"}}, None),
])
def test_a_quote_counts_when_it_quotes_the_brand(platform, load_event, quoted_status, kind):
    body = aaa_tweet(load_event, is_quote_status=True, quoted_status=quoted_status, text="Same here")
    assert [m.kind for m in platform.parse(body)] == ([kind] if kind else [])


def test_the_brand_configured_in_settings_counts_even_when_the_delivery_is_for_another_account(
        platform, load_event, monkeypatch):
    monkeypatch.setenv("X_BRAND_USER_ID", "4337869213")
    settings.cache_clear()
    [mention] = platform.parse(aaa_tweet(load_event, in_reply_to_user_id_str="4337869213"))
    assert mention.kind == "reply"


def test_a_post_that_neither_mentions_replies_to_nor_quotes_the_brand_is_dropped(platform, load_event, drops):
    assert platform.parse(aaa_tweet(load_event, text="nice weather")) == []
    assert drops() == [("neither mentions, replies to nor quotes the brand", "2124438012556890115")]


# -- what is dropped, with the reason logged ---------------------------------------------------------------------------
def test_the_brands_own_tweet_delivered_back_is_dropped(platform, load_event, drops):
    assert platform.parse(body_of(load_event, "x_aaa_own_tweet_echo")) == []
    assert drops() == [("brand's own post", "2124447797868122118")]


def test_a_retweet_is_dropped_as_a_repost(platform, load_event, drops):
    original = json.loads(body_of(load_event, "x_aaa_quote"))["tweet_create_events"][0]["quoted_status"]
    body = aaa_tweet(load_event, text="RT @acme_support: Heads up: deliveries…", retweeted_status=original,
                     entities={"user_mentions": [{"id_str": BRAND}]})
    assert platform.parse(body) == []
    assert drops() == [("repost", "2124438012556890115")]


def test_the_brands_own_post_and_a_repost_are_dropped_from_xaa_too(platform, load_event, drops):
    own = json.loads(body_of(load_event, "x_xaa_post_reply"))
    own["data"]["payload"]["author_id"] = BRAND
    repost = json.loads(body_of(load_event, "x_xaa_post_quote"))
    repost["data"]["payload"]["referenced_tweets"] = [{"type": "retweeted", "id": "2124429994090758145"}]
    assert platform.parse(json.dumps(own).encode()) == []
    assert platform.parse(json.dumps(repost).encode()) == []
    assert drops() == [("brand's own post", "2124463065134682120"), ("repost", "2124469956376154121")]


def test_a_dm_the_brand_sent_is_dropped_as_its_echo(platform, load_event, drops):
    delivery = json.loads(body_of(load_event, "x_aaa_dm"))
    message = delivery["direct_message_events"][0]["message_create"]
    message["sender_id"], message["target"]["recipient_id"] = BRAND, "1523847710293471232"
    assert platform.parse(json.dumps(delivery).encode()) == []
    assert drops() == [("brand's own DM", "2124446680010608645")]


def test_an_xaa_dm_sent_by_the_brand_is_dropped(platform, load_event, drops):
    delivery = json.loads(body_of(load_event, "x_xaa_dm_received"))
    delivery["data"]["event_type"] = "dm.sent"
    delivery["data"]["payload"]["direct_message_events"][0]["message_create"]["sender_id"] = BRAND
    assert platform.parse(json.dumps(delivery).encode()) == []
    assert drops() == [("brand's own DM", "2124473835755032586")]


@pytest.mark.parametrize(("delivery", "reason"), [
    ({"for_user_id": BRAND, "favorite_events": [{"id": "a7ba59eab0bfcba386f7acedac279542"}]},
     "favorite_events: not a customer message"),
    ({"for_user_id": BRAND, "follow_events": [{"type": "follow", "created_timestamp": "1517588749178"}]},
     "follow_events: not a customer message"),
    ({"for_user_id": BRAND, "direct_message_indicate_typing_events": [{"sender_id": "3284025577"}], "users": {}},
     "direct_message_indicate_typing_events: not a customer message"),
    ({"for_user_id": BRAND, "direct_message_mark_read_events": [{"sender_id": "199566737"}], "users": {}},
     "direct_message_mark_read_events: not a customer message"),
    ({"for_user_id": BRAND, "tweet_delete_events": [{"status": {"id": "1045405559317569537"}}]},
     "tweet_delete_events: not a customer message"),
])
def test_other_account_activity_events_are_dropped(platform, drops, delivery, reason):
    assert platform.parse(json.dumps(delivery).encode()) == []
    assert drops() == [(reason, BRAND)]


@pytest.mark.parametrize("event_type", ["like.create", "follow.follow", "post.create", "post.delete", "dm.read",
                                        "dm.indicate_typing", "chat.received", "oauth.revoke"])
def test_other_activity_events_are_dropped(platform, drops, event_type):
    delivery = {"data": {"event_uuid": "-3402274206530057851", "filter": {"user_id": BRAND},
                         "event_type": event_type, "payload": {"id": "87719f50ee17bdfa06a3089098a2b9ed"}}}
    assert platform.parse(json.dumps(delivery).encode()) == []
    assert drops() == [(f"{event_type}: not a customer message", "-3402274206530057851")]


def test_a_batch_keeps_what_is_for_us_and_drops_the_rest(platform, load_event):
    delivery = json.loads(body_of(load_event, "x_aaa_tweet_reply"))
    echo = json.loads(body_of(load_event, "x_aaa_own_tweet_echo"))["tweet_create_events"][0]
    delivery["tweet_create_events"].append(echo)
    assert [m.mention_id for m in platform.parse(json.dumps(delivery).encode())] == ["2124438012556890115"]


# -- malformed ---------------------------------------------------------------------------------------------------------
def without(load_event, name: str, *path: str) -> bytes:
    delivery = json.loads(body_of(load_event, name))
    node = delivery
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    return json.dumps(delivery).encode()


@pytest.mark.parametrize(("body", "problem"), [
    (b"{not json", "the body is not JSON"),
    (b"", "the body is not JSON"),
    (b"\xff\xfe", "the body is not JSON"),
    (b"[]", "expected for_user_id (Account Activity API) or data.event_type (X Activity API)"),
    (b'{"deliveryId": "lt-8f2c1", "mentions": []}', "expected for_user_id"),
    (b'{"data": {"id": "2124459172820570119", "text": "hi"}}', "expected for_user_id"),
    (b'{"for_user_id": "1", "tweet_create_events": {}}', "tweet_create_events: Input should be a valid list"),
    (b'{"for_user_id": "1", "tweet_create_events": [{"id_str": "5"}]}', "tweet_create_events.0.created_at: Field"),
])
def test_a_body_that_is_not_an_x_delivery_is_refused(platform, body, problem):
    with pytest.raises(InvalidMentionError, match="^not an X delivery") as refused:
        platform.parse(body)
    assert problem in str(refused.value)


@pytest.mark.parametrize(("name", "path", "problem"), [
    ("x_aaa_tweet_mention", ("tweet_create_events", 0, "user"), "tweet_create_events.0.user: Field required"),
    ("x_aaa_tweet_mention", ("tweet_create_events", 0, "id_str"), "tweet_create_events.0.id_str: Field required"),
    ("x_aaa_dm", ("direct_message_events", 0, "created_timestamp"), "direct_message_events.0.created_timestamp"),
    ("x_xaa_post_mention", ("data", "payload", "author_id"), "data.payload.author_id: Field required"),
    ("x_xaa_post_mention", ("data", "event_uuid"), "data.event_uuid: Field required"),
    ("x_xaa_dm_received", ("data", "payload", "direct_message_events", 0, "message_create", "sender_id"),
     "data.payload.direct_message_events.0.message_create.sender_id: Field required"),
])
def test_a_delivery_missing_what_we_read_is_refused_naming_the_field(platform, load_event, name, path, problem):
    with pytest.raises(InvalidMentionError, match="^not an X delivery") as refused:
        platform.parse(without(load_event, name, *path))
    assert problem in str(refused.value)


@pytest.mark.parametrize("milliseconds", ["١٧٩٥٣٣٩٧٩٩٠٠٠", "²", "9" * 5000, "9" * 400, " 1795339799000", "-1"])
def test_a_dm_time_in_anything_but_ascii_digits_is_refused(platform, load_event, milliseconds):
    # int() reads Arabic-Indic digits and refuses "²"; str.isdigit() takes both
    delivery = json.loads(body_of(load_event, "x_aaa_dm"))
    delivery["direct_message_events"][0]["created_timestamp"] = milliseconds
    with pytest.raises(InvalidMentionError, match="created_timestamp: Value error, expected milliseconds"):
        platform.parse(json.dumps(delivery).encode())


def test_a_body_nested_thousands_deep_is_refused_not_a_crash(platform):
    with pytest.raises(InvalidMentionError, match="^not an X delivery: .*nests too deep"):
        platform.parse(b"[" * 100_000 + b"]" * 100_000)


def test_a_v1_time_in_another_format_is_refused(platform, load_event):
    delivery = json.loads(body_of(load_event, "x_aaa_tweet_reply"))
    delivery["tweet_create_events"][0]["created_at"] = "yesterday"
    with pytest.raises(InvalidMentionError, match="expected a time like 'Wed Oct 10 20:19:24 \\+0000 2018'"):
        platform.parse(json.dumps(delivery).encode())


# -- post_reply (platforms.md §1.7) ------------------------------------------------------------------------------------
def sent(call) -> tuple:
    return call.request.method, call.request.url, json.loads(call.request.body), signed_as_brand(call.request)


def signed_as_brand(request) -> str:
    """Checks the OAuth 1.0a header X requires for posting (user context): recomputed with the keys, the nonce and
    the timestamp it carries, the HMAC-SHA1 signature must be the same."""
    header = request.headers["Authorization"]
    if isinstance(header, bytes):
        header = header.decode()
    params = dict(re.findall(r'(oauth_[a-z_]+)="([^"]*)"', header))
    expected = oauthlib.oauth1.Client(
        CONSUMER_KEY, client_secret=CONSUMER_SECRET, resource_owner_key=ACCESS_TOKEN,
        resource_owner_secret=ACCESS_TOKEN_SECRET, nonce=params["oauth_nonce"], timestamp=params["oauth_timestamp"],
    ).sign(request.url, http_method=request.method)[1]["Authorization"]
    assert header == expected
    assert params["oauth_consumer_key"] == CONSUMER_KEY and params["oauth_token"] == ACCESS_TOKEN
    return "OAuth 1.0a as the brand"


@responses.activate
def test_a_reply_is_posted_in_reply_to_the_post_with_the_user_token(platform):
    responses.post(TWEETS_URL, status=201, json={"data": {"id": "2124480000000000001", "text": "Sorry, Dana…"}})
    receipt = platform.post_reply("2124435135264346114", "Sorry, Dana…", "x-2124435135264346114:acknowledge")
    assert receipt == PostReceipt("2124480000000000001", "https://x.com/i/web/status/2124480000000000001")
    [call] = responses.calls
    assert sent(call) == ("POST", TWEETS_URL, {"text": "Sorry, Dana…", "reply": {
        "in_reply_to_tweet_id": "2124435135264346114"}}, "OAuth 1.0a as the brand")


@responses.activate
def test_a_status_is_posted_on_the_brands_timeline_in_reply_to_nobody(platform, monkeypatch):
    monkeypatch.setenv("X_BRAND_HANDLE", "acme_support")
    settings.cache_clear()
    responses.post(TWEETS_URL, status=201, json={"data": {"id": "2124480000000000009", "text": "We know…"}})
    receipt = platform.post_status("We know some of you can't log in.", "incident-app-1:statement:x")
    assert receipt == PostReceipt("2124480000000000009", "https://x.com/acme_support/status/2124480000000000009")
    [call] = responses.calls
    assert sent(call) == ("POST", TWEETS_URL, {"text": "We know some of you can't log in."}, "OAuth 1.0a as the brand")


@responses.activate
def test_a_status_x_refuses_as_a_duplicate_says_why_and_is_not_retried(platform):
    responses.post(TWEETS_URL, status=403, json={"title": "Forbidden", "status": 403, "type": "about:blank",
                                                 "detail": "You are not allowed to create a Tweet with duplicate "
                                                           "content."})
    with pytest.raises(ChannelRejectedError) as refused:
        platform.post_status("We know some of you can't log in.", "key")
    assert "X refused the post (403 You are not allowed to create a Tweet with duplicate content." in str(refused.value)
    assert "repeats one of the account's recent posts word for word" in str(refused.value)
    assert len(responses.calls) == 1


@responses.activate
def test_a_reply_x_refuses_because_the_author_did_not_summon_the_brand_says_why(platform):
    responses.post(TWEETS_URL, status=403, json={
        "title": "Forbidden", "status": 403, "type": "about:blank",
        "detail": "Reply to this conversation is not allowed because you have not been mentioned or otherwise "
                  "engaged by the author of the post you are replying to."})
    with pytest.raises(ChannelRejectedError) as refused:
        platform.post_reply("2124438012556890115", "We're on it", "key")
    message = str(refused.value)
    assert "X refused the reply (403 Reply to this conversation is not allowed" in message
    assert "On self-serve X API plans X accepts a reply only when the author of the post summoned" in message
    assert "@mention the brand account or quote one of its posts" in message
    assert "answer it from the X app, or by DM" in message
    assert len(responses.calls) == 1  # a refusal is never retried


@pytest.mark.parametrize(("status", "body", "said"), [
    (400, {"title": "Invalid Request", "detail": "One or more parameters to your request was invalid.",
           "errors": [{"message": "$.reply.in_reply_to_tweet_id: does not match the regex pattern ^[0-9]{1,19}$"}]},
     "400 One or more parameters to your request was invalid.; $.reply.in_reply_to_tweet_id: does not match"),
    (401, {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"},
     "401 Unauthorized). X_CONSUMER_KEY/X_CONSUMER_SECRET must be the app's API key and secret"),
    (404, {"title": "Not Found Error", "detail": "Could not find tweet with id: [1]."},
     "404 Could not find tweet with id: [1]."),
    (409, "conflict", "409 conflict"),
])
@responses.activate
def test_other_client_errors_are_rejections_that_quote_x(platform, status, body, said):
    responses.post(TWEETS_URL, status=status, **({"json": body} if isinstance(body, dict) else {"body": body}))
    with pytest.raises(ChannelRejectedError, match="^X refused the reply") as refused:
        platform.post_reply("2124438012556890115", "We're on it", "key")
    assert said in str(refused.value)


@responses.activate
def test_a_created_answer_without_an_id_is_not_retried_blindly(platform):
    responses.post(TWEETS_URL, status=201, body="")
    with pytest.raises(ChannelRejectedError, match="without data.id; check on X before posting again"):
        platform.post_reply("2124438012556890115", "We're on it", "key")


# -- retries and transient failures (platforms.md §1.10) ---------------------------------------------------------------
@responses.activate
def test_a_503_is_retried_and_then_succeeds(platform, waits):
    responses.post(TWEETS_URL, status=503, json={"title": "Service Unavailable"})
    responses.post(TWEETS_URL, status=201, json={"data": {"id": "2124480000000000001", "text": "ok"}})
    assert platform.post_reply("2124438012556890115", "ok", "key").platform_post_id == "2124480000000000001"
    assert len(responses.calls) == 2 and waits == [0.5]


@pytest.mark.parametrize("status", [500, 502, 503, 504])
@responses.activate
def test_server_errors_that_persist_are_unavailable_after_three_attempts(platform, waits, status):
    responses.post(TWEETS_URL, status=status, json={"title": "Service Unavailable", "detail": "Over capacity"})
    with pytest.raises(ChannelUnavailableError, match=f"X failed the reply \\({status} Over capacity\\)"):
        platform.post_reply("2124438012556890115", "ok", "key")
    assert len(responses.calls) == 3 and waits == [0.5, 1.0]


@responses.activate
def test_a_429_with_a_reset_moments_away_is_retried(platform, waits):
    responses.post(TWEETS_URL, status=429, headers={"x-rate-limit-reset": str(int(time.time()) + 1)},
                   json={"title": "Too Many Requests", "detail": "Too Many Requests"})
    responses.post(TWEETS_URL, status=201, json={"data": {"id": "2124480000000000001", "text": "ok"}})
    assert platform.post_reply("2124438012556890115", "ok", "key").platform_post_id == "2124480000000000001"
    assert len(waits) == 1 and 0 <= waits[0] <= 1


@responses.activate
def test_a_retry_after_header_is_honoured(platform, waits):
    responses.post(TWEETS_URL, status=503, headers={"Retry-After": "2"})
    responses.post(TWEETS_URL, status=201, json={"data": {"id": "2124480000000000001", "text": "ok"}})
    platform.post_reply("2124438012556890115", "ok", "key")
    assert waits == [2.0]


@responses.activate
def test_a_429_until_a_distant_reset_is_left_to_the_state_machine_naming_the_reset(platform, waits):
    reset = int(time.time()) + 900
    responses.post(TWEETS_URL, status=429, headers={"x-rate-limit-limit": "100", "x-rate-limit-remaining": "0",
                                                    "x-rate-limit-reset": str(reset)},
                   json={"errors": [{"code": 88, "message": "Rate limit exceeded"}]})
    with pytest.raises(ChannelUnavailableError) as error:
        platform.post_reply("2124438012556890115", "ok", "key")
    assert str(error.value).startswith("X rate-limited the reply (429 Rate limit exceeded); ")
    assert f"x-rate-limit-reset {reset}" in str(error.value)
    assert len(responses.calls) == 1 and waits == []


@responses.activate
def test_retries_stop_when_the_time_budget_is_spent(platform, waits, monkeypatch):
    # a retry needs its backoff, a connect timeout and two seconds of reading: 5.55 s, more than is left
    monkeypatch.setattr("socialcare.platforms.outbound_http.BUDGET_SECONDS", 5.5)
    responses.post(TWEETS_URL, status=503)
    with pytest.raises(ChannelUnavailableError):
        platform.post_reply("2124438012556890115", "ok", "key")
    assert len(responses.calls) == 1 and waits == []


@pytest.mark.parametrize(("failure", "message"), [
    (requests.ConnectTimeout("connect timed out"), "X did not answer the reply in time"),
    (requests.ReadTimeout("read timed out"), "X did not answer the reply in time"),
    (requests.ConnectionError("Connection refused"), "could not reach X for the reply"),
])
@responses.activate
def test_timeouts_and_connection_errors_are_unavailable_at_once(platform, failure, message):
    # after a read timeout X may have posted: no retry here; the state machine decides
    responses.post(TWEETS_URL, body=failure)
    with pytest.raises(ChannelUnavailableError, match=message):
        platform.post_reply("2124438012556890115", "ok", "key")
    assert len(responses.calls) == 1


def test_each_call_uses_the_documented_timeouts(platform):
    class Session:
        def post(self, url, **kwargs):
            self.timeout = kwargs["timeout"]
            response = requests.Response()
            response.status_code, response._content = 201, b'{"data": {"id": "1", "text": "ok"}}'
            return response
    platform.session = Session()
    platform.post_reply("2124438012556890115", "ok", "key")
    connect, read = platform.session.timeout
    assert connect == 3.05 and read == pytest.approx(10.0, abs=0.05)


# -- send_private (platforms.md §1.8) ----------------------------------------------------------------------------------
DM_URL = "https://api.x.com/2/dm_conversations/with/1523847710293471232/messages"


@responses.activate
def test_a_dm_is_sent_to_the_author_with_the_user_token(platform):
    responses.post(DM_URL, status=201, json={"data": {"dm_conversation_id": "1523847710293471232-1605800000000000000",
                                                      "dm_event_id": "2124481111111111111"}})
    receipt = platform.send_private("1523847710293471232", "Thanks, we've got it from here.", "x-1:handoff")
    assert receipt == PostReceipt("2124481111111111111")
    [call] = responses.calls
    assert sent(call) == ("POST", DM_URL, {"text": "Thanks, we've got it from here."}, "OAuth 1.0a as the brand")


@responses.activate
def test_a_dm_the_customer_does_not_accept_is_rejected_saying_why(platform):
    responses.post(DM_URL, status=403, json={"title": "Forbidden", "detail": "You cannot send messages to this user."})
    with pytest.raises(ChannelRejectedError) as refused:
        platform.send_private("1523847710293471232", "Hello", "key")
    assert "X refused the DM (403 You cannot send messages to this user.)" in str(refused.value)
    assert "settings do not accept messages from the brand" in str(refused.value)


@responses.activate
def test_a_dm_rate_limit_is_unavailable(platform):
    responses.post(DM_URL, status=429, json={"title": "Too Many Requests"})
    with pytest.raises(ChannelUnavailableError, match="X rate-limited the DM .*X sent no x-rate-limit-reset"):
        platform.send_private("1523847710293471232", "Hello", "key")


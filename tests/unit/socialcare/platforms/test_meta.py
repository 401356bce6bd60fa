"""Mirrors layers/domain/socialcare/platforms/meta.py: Meta's verification GET, signed deliveries (Page feed and
mentions, Messenger, Instagram), and the Graph API calls that answer them."""
import hashlib
import hmac
import json

import pytest
import requests
import responses

from functions.receive_webhook import app
from socialcare import platforms
from socialcare.config import settings
from socialcare.errors import (
    ChannelRejectedError,
    ChannelUnavailableError,
    InvalidMentionError,
    SignatureMismatchError,
)
from socialcare.platforms import meta, outbound_http
from socialcare.platforms.base import ChallengeAnswer, PostReceipt
from socialcare.platforms.meta import GRAPH_URL, MetaPlatform

APP_SECRET = "app-secret-for-tests"
VERIFY_TOKEN = "meatyhamhock"  # the token of Meta's own example (platforms.md §2.1)
PAGE_TOKEN = "EAAB-page-access-token"
PAGE = "104000000000001"
INSTAGRAM = "17841400000000001"
PSID = "6001000000000001"


@pytest.fixture(autouse=True)
def meta_account(monkeypatch):
    monkeypatch.setenv("META_APP_SECRET", APP_SECRET)
    monkeypatch.setenv("META_VERIFY_TOKEN", VERIFY_TOKEN)
    monkeypatch.setenv("META_PAGE_ACCESS_TOKEN", PAGE_TOKEN)
    monkeypatch.setenv("META_PAGE_ID", PAGE)
    monkeypatch.setenv("INSTAGRAM_ACCOUNT_ID", INSTAGRAM)
    settings.cache_clear()
    yield
    settings.cache_clear()  # before monkeypatch restores the environment, so the next settings() reads it afresh


@pytest.fixture
def waits() -> list[float]:
    return []


@pytest.fixture
def platform(waits) -> MetaPlatform:
    return MetaPlatform(sleep=waits.append)  # retries record their wait instead of sleeping


@pytest.fixture
def drops(caplog):
    """What the adapter logged as dropped, as (reason, id). The local environment logs only warnings and up."""
    caplog.set_level("INFO", logger=meta.logger.service)
    return lambda: [(r.reason, r.id) for r in caplog.records if r.getMessage() == "meta event dropped"]


def meta_signature(body: bytes, app_secret: str = APP_SECRET) -> str:
    """Computed here independently of the adapter, the way Meta's docs describe it (§2.2)."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def body_of(load_event, name: str) -> bytes:
    return load_event(f"receive_webhook.{name}")["body"].encode()


def delivery(object_type: str, *entries: dict) -> bytes:
    return json.dumps({"object": object_type, "entry": list(entries)}).encode()


def feed_entry(*values: dict, entry_id: str = PAGE) -> dict:
    return {"id": entry_id, "time": 1795339800, "changes": [{"field": "feed", "value": v} for v in values]}


def comment(comment_id: str = "200000000000001_300000000000009", author_id: str = "7001000000000009", **fields) -> dict:
    return {"from": {"id": author_id, "name": "Fay Example"}, "post_id": f"{PAGE}_200000000000001",
            "comment_id": comment_id, "created_time": 1795339781, "item": "comment", "verb": "add",
            "message": "Where is my order?", **fields}


# -- answer_challenge (platforms.md §2.1) ------------------------------------------------------------------------------
def test_the_verification_request_is_answered_with_the_challenge_as_plain_text(platform, load_event):
    query = load_event("receive_webhook.meta_verify")["queryStringParameters"]
    assert platform.answer_challenge(query) == ChallengeAnswer(200, "1158201444", "text/plain")


def test_the_challenge_is_echoed_exactly(platform):
    query = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "0042"}
    assert platform.answer_challenge(query).body == "0042"  # a string, not a number: leading zeros survive


@pytest.mark.parametrize("token", ["not-our-token", "", "meatyhamhoc", "meatyhamhöck"])
def test_a_verification_with_another_token_is_refused(platform, token):
    query = {"hub.mode": "subscribe", "hub.verify_token": token, "hub.challenge": "1158201444"}
    assert platform.answer_challenge(query) == ChallengeAnswer(403, "verify token mismatch")


@pytest.mark.parametrize("query", [{}, {"hub.challenge": "1158201444", "hub.verify_token": VERIFY_TOKEN},
                                   {"hub_mode": "subscribe"}, {"crc_token": "abc"}])
def test_a_get_without_hub_mode_subscribe_is_not_answered(platform, query):
    assert platform.answer_challenge(query) is None


def test_a_verification_without_a_challenge_is_a_bad_request(platform):
    answer = platform.answer_challenge({"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN})
    assert answer.status == 400


def test_the_webhook_function_answers_the_verification_with_the_bare_challenge(monkeypatch, load_event,
                                                                              lambda_context):
    # Given the adapter registered under "meta" (its registration in platforms/__init__.py is not this module's)
    monkeypatch.setitem(platforms._ADAPTERS, "meta", MetaPlatform)
    response = app.lambda_handler(load_event("receive_webhook.meta_verify"), lambda_context)
    assert response["statusCode"] == 200
    assert response["body"] == "1158201444"
    assert response["headers"]["Content-Type"] == "text/plain"


# -- verify (platforms.md §2.2) ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["meta_page_comment", "meta_messenger_message", "meta_instagram_comment",
                                  "meta_batched"])
def test_a_delivery_signed_with_the_app_secret_verifies(platform, load_event, name):
    body = body_of(load_event, name)
    platform.verify({"x-hub-signature-256": meta_signature(body)}, body)  # no SignatureMismatchError


def test_the_signature_is_over_the_escaped_unicode_bytes_as_received(platform, load_event):
    # Given a body as Meta sends it: "beschädigt" escaped as "besch\u00e4digt"
    body = body_of(load_event, "meta_instagram_comment")
    assert b"besch\\u00e4digt" in body
    platform.verify({"x-hub-signature-256": meta_signature(body)}, body)
    # The same JSON re-serialised with the characters themselves is other bytes: its signature would not match
    reserialised = json.dumps(json.loads(body), ensure_ascii=False, separators=(",", ":")).encode()
    assert "beschädigt".encode() in reserialised
    with pytest.raises(SignatureMismatchError):
        platform.verify({"x-hub-signature-256": meta_signature(body)}, reserialised)


def test_a_delivery_signed_with_another_secret_is_refused(platform, load_event):
    body = body_of(load_event, "meta_page_comment")
    with pytest.raises(SignatureMismatchError, match="does not match"):
        platform.verify({"x-hub-signature-256": meta_signature(body, "not-our-secret")}, body)


def test_a_delivery_whose_body_changed_after_signing_is_refused(platform, load_event):
    body = body_of(load_event, "meta_page_comment")
    headers = {"x-hub-signature-256": meta_signature(body)}
    with pytest.raises(SignatureMismatchError, match="does not match"):
        platform.verify(headers, body.replace(b"broken", b"great!"))


@pytest.mark.parametrize("headers", [
    {},
    {"x-hub-signature-256": ""},
    {"x-hub-signature": "sha1=0123456789abcdef0123456789abcdef01234567"},  # the legacy header alone (§2.2)
])
def test_a_delivery_without_the_sha256_signature_is_refused(platform, load_event, headers):
    with pytest.raises(SignatureMismatchError, match="missing x-hub-signature-256"):
        platform.verify(headers, body_of(load_event, "meta_page_comment"))


@pytest.mark.parametrize("mangle", [
    lambda s: s.removeprefix("sha256="),  # the bare hex
    lambda s: s.upper().replace("SHA256=", "sha256="),  # uppercase hex: Meta sends lowercase
    lambda s: s.replace("sha256=", "sha1="),
    lambda s: s + "0",
    lambda s: s[:-1] + "ä",  # non-ASCII must be a refusal (401), not a crash (500)
])
def test_a_malformed_signature_is_refused(platform, load_event, mangle):
    body = body_of(load_event, "meta_page_comment")
    with pytest.raises(SignatureMismatchError):
        platform.verify({"x-hub-signature-256": mangle(meta_signature(body))}, body)


# -- parse: one event file each (platforms.md §2.3) --------------------------------------------------------------------
@pytest.mark.parametrize(("name", "kind", "mention_id", "author_id", "surface"), [
    ("meta_page_comment", "comment", "200000000000001_300000000000001", "7001000000000001", "facebook"),
    ("meta_page_visitor_post", "mention", f"{PAGE}_200000000000002", "7001000000000002", "facebook"),
    ("meta_page_mention", "mention", "7001000000000003_400000000000001", "7001000000000003", "facebook"),
    ("meta_messenger_message", "dm", "m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0P",
     PSID, "messenger"),
    ("meta_instagram_comment", "comment", "17865799348089039", "17841400000000222", "instagram"),
    ("meta_instagram_message", "dm",
     "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDAwMDAwMDAwMDAxOjM0MDI4MjM2Njg0MTcxMDMwMDk0OTEyODE2NTk",
     "6002000000000001", "instagram"),
])
def test_every_sample_delivery_reads_as_one_mention(platform, load_event, name, kind, mention_id, author_id, surface):
    [mention] = platform.parse(body_of(load_event, name))
    assert (mention.platform, mention.kind, mention.mention_id, mention.author.id, mention.extra["surface"]) == (
        "meta", kind, mention_id, author_id, surface)
    assert mention.author.followers == 0  # Meta does not say


def test_a_page_comment_keeps_its_words_author_time_and_thread(platform, load_event):
    [mention] = platform.parse(body_of(load_event, "meta_page_comment"))
    assert mention.text == "My order #A1 arrived broken and nobody answers the chat"
    assert (mention.author.id, mention.author.name, mention.author.handle) == ("7001000000000001", "Ann Example", "")
    assert mention.created_at == "2026-11-22T09:29:41+00:00"  # created_time 1795339781, unix seconds
    assert mention.reply_to_id == "200000000000001_300000000000001"  # the reply goes under the comment itself
    assert mention.url == f"https://www.facebook.com/{PAGE}_200000000000001"
    assert mention.extra == {"surface": "facebook", "page_id": PAGE, "post_id": f"{PAGE}_200000000000001"}


def test_a_visitor_post_on_the_page_is_a_mention_answered_under_the_post(platform, load_event):
    [mention] = platform.parse(body_of(load_event, "meta_page_visitor_post"))
    assert mention.text == "Still waiting for my refund, three weeks now. Can someone help?"
    assert mention.reply_to_id == f"{PAGE}_200000000000002"
    assert mention.url == f"https://www.facebook.com/{PAGE}_200000000000002"
    assert mention.created_at == "2026-11-22T09:29:50+00:00"


def test_a_page_mention_names_its_sender(platform, load_event):
    [mention] = platform.parse(body_of(load_event, "meta_page_mention"))
    assert (mention.author.id, mention.author.name) == ("7001000000000003", "Cy Example")
    assert mention.url == "https://www.facebook.com/7001000000000003_400000000000001"
    assert mention.created_at == "2026-11-22T09:30:00+00:00"  # no created_time: the entry's time


def test_a_page_mention_in_a_comment_is_keyed_by_the_comment(platform):
    value = {"post_id": "7001_400", "comment_id": "400_500", "sender_id": "7001000000000003", "sender_name": "Cy",
             "item": "comment", "verb": "add"}
    [mention] = platform.parse(delivery("page", {"id": PAGE, "time": 1795339800,
                                                 "changes": [{"field": "mention", "value": value}]}))
    assert (mention.mention_id, mention.reply_to_id) == ("400_500", "400_500")


def test_a_messenger_message_is_a_dm_from_the_page_scoped_id(platform, load_event):
    [mention] = platform.parse(body_of(load_event, "meta_messenger_message"))
    assert mention.text == "Hi, I wrote on your page about order #A1. Can you help?"
    assert mention.is_private and mention.reply_to_id == ""  # a conversation has no public thread
    assert mention.created_at == "2026-11-22T09:29:59+00:00"  # timestamp 1795339799000, milliseconds
    assert mention.extra == {"surface": "messenger", "recipient_id": PAGE}


def test_an_instagram_comment_reads_the_escaped_characters_and_the_media(platform, load_event):
    [mention] = platform.parse(body_of(load_event, "meta_instagram_comment"))
    assert mention.text == "Meine Bestellung kam beschädigt an, bitte um Rückruf"
    assert mention.author.handle == "@dana.example"
    assert mention.reply_to_id == "17865799348089039"
    assert mention.created_at == "2026-11-22T09:30:10+00:00"  # the comment has no time of its own: entry.time
    assert mention.extra == {"surface": "instagram", "account_id": INSTAGRAM, "media_id": "17900000000000001",
                             "media_product_type": "FEED"}


def test_an_instagram_comment_in_the_facebook_login_shape_is_keyed_by_comment_id(platform):
    value = {"from": {"id": "17841400000000333", "username": "eli"}, "comment_id": "17800000000000077",
             "text": "hello?", "media": {"id": "17900000000000002"}}
    [mention] = platform.parse(delivery("instagram", {"id": INSTAGRAM, "time": 1795339810,
                                                      "changes": [{"field": "comments", "value": value}]}))
    assert (mention.mention_id, mention.kind) == ("17800000000000077", "comment")


def test_an_instagram_comment_mention_without_words_or_author_is_dropped_with_a_warning(platform, load_event,
                                                                                       caplog):
    # the `mentions` webhook carries only {comment_id, media_id} (§2.3): no case with empty words and a made-up author
    assert platform.parse(body_of(load_event, "meta_instagram_mention")) == []
    [warning] = [r for r in caplog.records if r.getMessage() == "meta event dropped"]
    assert warning.levelname == "WARNING"
    assert "instagram mentions change without words or author" in warning.reason
    assert (warning.id, warning.account_id, warning.media_id, warning.comment_id) == (
        "17894227972186120", INSTAGRAM, "17918195224117851", "17894227972186120")


def test_an_instagram_caption_mention_is_dropped_naming_the_media(platform, caplog):
    assert platform.parse(delivery("instagram", {"id": INSTAGRAM, "time": 1795339811, "changes": [
        {"field": "mentions", "value": {"media_id": "17918195224117852"}}]})) == []
    [warning] = [r for r in caplog.records if r.getMessage() == "meta event dropped"]
    assert (warning.levelname, warning.id, warning.media_id, warning.comment_id) == (
        "WARNING", "17918195224117852", "17918195224117852", "")


def test_an_instagram_message_is_a_dm_from_the_instagram_scoped_id(platform, load_event):
    [mention] = platform.parse(body_of(load_event, "meta_instagram_message"))
    assert (mention.kind, mention.text) == ("dm", "Where is my parcel? Tracking says delivered.")
    assert mention.extra == {"surface": "instagram", "recipient_id": INSTAGRAM}


def test_a_message_with_only_an_attachment_is_kept(platform):
    event = {"sender": {"id": PSID}, "recipient": {"id": PAGE}, "timestamp": 1795339799000,
             "message": {"mid": "m_photo", "attachments": [{"type": "image", "payload": {"url": "https://x"}}]}}
    [mention] = platform.parse(delivery("page", {"id": PAGE, "time": 1795339800000, "messaging": [event]}))
    assert (mention.mention_id, mention.text) == ("m_photo", "[image]")


@pytest.mark.parametrize(("created_time", "created_at"), [
    ("2026-11-22T09:29:41+0000", "2026-11-22T09:29:41+00:00"),  # the Graph API's format
    ("2026-11-22T09:29:41", "2026-11-22T09:29:41+00:00"),
    ("1795339781", "2026-11-22T09:29:41+00:00"),
    (1795339781000, "2026-11-22T09:29:41+00:00"),
])
def test_a_time_reads_in_each_form_meta_uses(platform, created_time, created_at):
    [mention] = platform.parse(delivery("page", feed_entry(comment(created_time=created_time))))
    assert mention.created_at == created_at


# -- parse: batches (platforms.md §2.4) --------------------------------------------------------------------------------
def test_a_batched_delivery_yields_every_customer_item_and_drops_the_rest(platform, load_event, drops):
    mentions = platform.parse(body_of(load_event, "meta_batched"))
    assert [(m.kind, m.mention_id, m.author.id) for m in mentions] == [
        ("comment", "200000000000001_300000000000001", "7001000000000001"),
        ("mention", f"{PAGE}_200000000000002", "7001000000000002"),
        ("comment", "200000000000001_300000000000002", "7001000000000005"),
        ("mention", "7001000000000003_400000000000001", "7001000000000003"),
        ("dm", "m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0P", PSID),
    ]
    assert [reason for reason, _ in drops()] == [
        "feed reaction: not a post or comment",
        "the Page's own comment",
        "feed comment edited: only new words open a case",
        "messaging delivery: not a message",
    ]


def test_one_unreadable_update_does_not_cost_the_rest_of_the_batch(platform, drops):
    no_author = {k: v for k, v in comment("200000000000001_300000000000010").items() if k != "from"}
    unreadable = {"from": {"name": "no id"}, "comment_id": "x_1", "post_id": "x", "item": "comment", "verb": "add"}
    body = delivery("page", feed_entry(no_author, unreadable, comment()))
    assert [m.mention_id for m in platform.parse(body)] == ["200000000000001_300000000000009"]
    reasons = [reason for reason, _ in drops()]
    assert reasons[0] == "feed comment: no from or no id"
    assert reasons[1].startswith("unreadable feed: from.id: Field required")


# -- parse: what is dropped, each with a log line ----------------------------------------------------------------------
def test_an_echo_of_the_pages_own_message_is_dropped(platform, load_event, drops):
    assert platform.parse(body_of(load_event, "meta_messenger_echo")) == []
    assert drops() == [("echo of the brand's own message", "m_1457764197618:41d102a3e1ae206a38")]


def test_an_instagram_echo_is_dropped(platform, drops):
    event = {"sender": {"id": INSTAGRAM}, "recipient": {"id": "6002000000000001"}, "timestamp": 1795339812000,
             "message": {"mid": "aWdf-echo", "text": "We're on it", "is_echo": True}}
    assert platform.parse(delivery("instagram", {"id": INSTAGRAM, "time": 1795339812, "messaging": [event]})) == []
    assert drops() == [("echo of the brand's own message", "aWdf-echo")]


@pytest.mark.parametrize("value", [
    comment(author_id=PAGE),
    {"item": "status", "post_id": f"{PAGE}_2", "verb": "add", "message": "Our opening hours", "from": {"id": PAGE}},
])
def test_the_pages_own_posts_and_comments_are_dropped(platform, drops, value):
    assert platform.parse(delivery("page", feed_entry(value))) == []
    assert drops()[0][0].startswith("the Page's own")


def test_the_configured_page_is_the_brand_even_when_the_entry_names_another(platform, drops):
    # META_PAGE_ID is the brand's page; a delivery for a second page still knows our own comments
    assert platform.parse(delivery("page", feed_entry(comment(author_id=PAGE), entry_id="104000000000002"))) == []
    assert drops() == [("the Page's own comment", "200000000000001_300000000000009")]


def test_the_brands_own_instagram_comment_is_dropped(platform, drops):
    value = {"from": {"id": INSTAGRAM, "username": "brand"}, "id": "17865799348089040", "text": "DM us please"}
    assert platform.parse(delivery("instagram", {"id": INSTAGRAM, "time": 1795339810,
                                                 "changes": [{"field": "comments", "value": value}]})) == []
    assert drops() == [("the brand's own Instagram comment", "17865799348089040")]


def test_a_page_mentioning_itself_is_dropped(platform, drops):
    value = {"post_id": f"{PAGE}_9", "sender_id": PAGE, "item": "post", "verb": "add"}
    assert platform.parse(delivery("page", {"id": PAGE, "time": 1795339800,
                                            "changes": [{"field": "mention", "value": value}]})) == []
    assert drops() == [("the Page mentioning itself", f"{PAGE}_9")]


@pytest.mark.parametrize(("value", "reason"), [
    ({"item": "reaction", "verb": "add", "reaction_type": "love", "post_id": "p_1", "from": {"id": "7"}},
     "feed reaction: not a post or comment"),
    ({"item": "like", "verb": "add", "post_id": "p_1", "from": {"id": "7"}}, "feed like: not a post or comment"),
    ({"item": "share", "verb": "add", "post_id": "p_1", "from": {"id": "7"}}, "feed share: not a post or comment"),
    (comment(verb="edited"), "feed comment edited: only new words open a case"),
    (comment(verb="remove"), "feed comment remove: only new words open a case"),
    ({"item": "status", "verb": "hide", "post_id": "p_1", "from": {"id": "7"}},
     "feed status hide: only new words open a case"),
])
def test_reactions_likes_shares_edits_and_removals_are_dropped(platform, drops, value, reason):
    assert platform.parse(delivery("page", feed_entry(value))) == []
    assert [r for r, _ in drops()] == [reason]


@pytest.mark.parametrize(("event", "reason"), [
    ({"delivery": {"mids": ["m_1"], "watermark": 1795339805000}}, "messaging delivery: not a message"),
    ({"read": {"watermark": 1795339805000}}, "messaging read: not a message"),
    ({"postback": {"title": "Get started", "payload": "GET_STARTED"}}, "messaging postback: not a message"),
    ({"message": {"mid": "m_gone", "is_deleted": True}}, "message unsent by the customer"),
    ({"message": {"mid": "m_empty"}}, "message without text or attachments"),
])
def test_messaging_events_without_a_customer_message_are_dropped(platform, drops, event, reason):
    raw = {"sender": {"id": PSID}, "recipient": {"id": PAGE}, "timestamp": 1795339799000, **event}
    assert platform.parse(delivery("page", {"id": PAGE, "time": 1795339800000, "messaging": [raw]})) == []
    assert [r for r, _ in drops()] == [reason]


def test_standby_events_of_a_conversation_another_app_owns_are_dropped(platform, drops):
    raw = {"sender": {"id": PSID}, "recipient": {"id": PAGE}, "timestamp": 1, "message": {"mid": "m_1", "text": "hi"}}
    assert platform.parse(delivery("page", {"id": PAGE, "time": 1795339800000, "standby": [raw]})) == []
    assert drops() == [("standby: another app owns these conversations", PAGE)]


@pytest.mark.parametrize(("body", "reason"), [
    (delivery("page", {"id": PAGE, "time": 1, "changes": [{"field": "ratings", "value": {"item": "rating"}}]}),
     "page field 'ratings': not a customer message"),
    (delivery("instagram", {"id": INSTAGRAM, "time": 1, "changes": [{"field": "story_insights", "value": {}}]}),
     "instagram field 'story_insights': not a customer message"),
    (delivery("user", {"id": "1", "time": 1, "changes": [{"field": "email", "value": {}}]}),
     "object 'user': neither a Page nor Instagram"),
])
def test_fields_and_objects_we_do_not_read_are_dropped(platform, drops, body, reason):
    assert platform.parse(body) == []
    assert [r for r, _ in drops()] == [reason]


# -- parse: what cannot be read at all ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("body", "problem"), [
    (b"{not json", "the body is not JSON"),
    (b"", "the body is not JSON"),
    (b"[]", "Input should be a valid dictionary"),
    (b'{"entry": []}', "object: Field required"),
    (b'{"object": "page"}', "entry: Field required"),
    (b'{"object": "page", "entry": "all of them"}', "entry: Input should be a valid list"),
    (b'{"object": "page", "entry": ["e"]}', "entry.0: Input should be a valid dictionary"),
    (b'{"object": "page", "entry": [{"id": "1", "changes": {"field": "feed"}}]}',
     "entry.0.changes: Input should be a valid list"),
])
def test_a_body_that_is_not_a_meta_delivery_is_refused_naming_the_problem(platform, body, problem):
    with pytest.raises(InvalidMentionError, match="^not a Meta delivery") as refused:
        platform.parse(body)
    assert problem in str(refused.value)


def test_a_body_nested_thousands_deep_is_refused_not_a_crash(platform):
    with pytest.raises(InvalidMentionError, match="^not a Meta delivery: .*nests too deep"):
        platform.parse(b'{"a":' * 100_000 + b"1" + b"}" * 100_000)


@pytest.mark.parametrize("created_time", ["١٧٩٥٣٣٩٧٨١", "²", "9" * 5000, float("inf"), float("nan"), 10**400])
def test_a_time_in_anything_but_digits_or_iso_8601_drops_the_item(platform, drops, created_time):
    # Python's json reads Infinity and NaN; int() reads Arabic-Indic digits and refuses "²"
    assert platform.parse(delivery("page", feed_entry(comment(created_time=created_time)))) == []
    [(reason, _)] = drops()
    assert "created_time: Value error, expected unix seconds" in reason


# -- outbound (platforms.md §2.5) --------------------------------------------------------------------------------------
def sent(call) -> tuple:
    request = call.request
    return request.method, request.url, json.loads(request.body), request.headers["Authorization"]


@responses.activate
def test_a_facebook_reply_is_posted_under_the_comment_with_the_page_token(platform):
    url = f"{GRAPH_URL}/200000000000001_300000000000001/comments"
    responses.post(url, json={"id": "200000000000001_300000000000050"})
    receipt = platform.post_reply("200000000000001_300000000000001", "Sorry, Ann…", "meta-1:acknowledge")
    assert receipt == PostReceipt("200000000000001_300000000000050")
    [call] = responses.calls
    assert sent(call) == ("POST", "https://graph.facebook.com/v21.0/200000000000001_300000000000001/comments",
                          {"message": "Sorry, Ann…"}, f"Bearer {PAGE_TOKEN}")
    assert call.request.req_kwargs["timeout"] == (3.05, 10.0)
    assert PAGE_TOKEN not in call.request.url  # the token stays out of URLs (and so out of logs)


@responses.activate
def test_an_instagram_reply_goes_to_the_replies_edge(platform):
    responses.post(f"{GRAPH_URL}/17865799348089039/replies", json={"id": "17870000000000001"})
    assert platform.reply_to_instagram_comment("17865799348089039", "Danke, Dana!") == PostReceipt("17870000000000001")
    assert sent(responses.calls[0]) == ("POST", f"{GRAPH_URL}/17865799348089039/replies",
                                        {"message": "Danke, Dana!"}, f"Bearer {PAGE_TOKEN}")


@responses.activate
def test_post_reply_answers_an_instagram_comment_when_told_the_surface(platform):
    responses.post(f"{GRAPH_URL}/17865799348089039/replies", json={"id": "17870000000000002"})
    receipt = platform.post_reply("17865799348089039", "On it", "meta-17865799348089039:ack", surface="instagram")
    assert receipt.platform_post_id == "17870000000000002"


@responses.activate
def test_a_comment_mention_is_answered_on_the_brands_mentions_edge_with_media_and_comment(platform):
    responses.post(f"{GRAPH_URL}/{INSTAGRAM}/mentions", json={"id": "17870000000000003"})
    receipt = platform.post_reply(f"{INSTAGRAM}/17918195224117851/17894227972186120", "Thanks for the shout, Dana!",
                                  "meta-17894227972186120:ack", surface="instagram_mention")
    assert receipt == PostReceipt("17870000000000003")
    assert sent(responses.calls[0]) == ("POST", f"{GRAPH_URL}/{INSTAGRAM}/mentions", {
        "media_id": "17918195224117851", "comment_id": "17894227972186120", "message": "Thanks for the shout, Dana!"},
        f"Bearer {PAGE_TOKEN}")


@responses.activate
def test_a_caption_mention_is_answered_with_the_media_only(platform):
    responses.post(f"{GRAPH_URL}/{INSTAGRAM}/mentions", json={"id": "17870000000000004"})
    platform.post_reply(f"{INSTAGRAM}/17918195224117852", "Love this!", "k", surface="instagram_mention")
    assert sent(responses.calls[0])[2] == {"media_id": "17918195224117852", "message": "Love this!"}


@responses.activate
def test_a_status_is_posted_on_the_pages_feed_with_the_page_token(platform):
    responses.post(f"{GRAPH_URL}/{PAGE}/feed", json={"id": f"{PAGE}_300000000000077"})
    receipt = platform.post_status("We know some of you can't log in.", "incident-app-1:statement:meta")
    assert receipt == PostReceipt(f"{PAGE}_300000000000077", f"https://www.facebook.com/{PAGE}_300000000000077")
    assert sent(responses.calls[0]) == ("POST", f"{GRAPH_URL}/{PAGE}/feed",
                                        {"message": "We know some of you can't log in."}, f"Bearer {PAGE_TOKEN}")


@responses.activate
def test_a_page_post_without_the_permission_says_which_one(platform):
    responses.post(f"{GRAPH_URL}/{PAGE}/feed", status=403, json={"error": {
        "message": "(#200) The permission(s) pages_manage_posts are not available.", "type": "OAuthException",
        "code": 200, "fbtrace_id": "AbCdEf"}})
    with pytest.raises(ChannelRejectedError, match=r"Meta refused the Page post \(403, code 200.*pages_manage_posts"):
        platform.post_status("We know some of you can't log in.", "key")


def test_post_reply_refuses_a_conversation_which_has_no_public_thread(platform):
    with pytest.raises(ChannelRejectedError, match="no public thread"):
        platform.post_reply("", "On it", "key", surface="messenger")


@responses.activate
def test_a_private_reply_messages_the_author_of_a_comment(platform):
    responses.post(f"{GRAPH_URL}/{PAGE}/messages", json={"recipient_id": PSID, "message_id": "m_private_1"})
    # the recipient id is the commenter's PSID: what their Messenger messages will carry
    assert platform.private_reply("200000000000001_300000000000001", "Let's sort it out here") == PostReceipt(
        "m_private_1", recipient_id=PSID)
    assert sent(responses.calls[0]) == ("POST", f"{GRAPH_URL}/{PAGE}/messages", {
        "recipient": {"comment_id": "200000000000001_300000000000001"},
        "message": {"text": "Let's sort it out here"}}, f"Bearer {PAGE_TOKEN}")


@responses.activate
def test_a_message_is_sent_with_the_send_api_as_a_response(platform):
    responses.post(f"{GRAPH_URL}/{PAGE}/messages", json={"recipient_id": PSID, "message_id": "m_sent_1"})
    assert platform.send_private(PSID, "Thanks, we have your order", "meta-1:handoff") == PostReceipt("m_sent_1")
    assert sent(responses.calls[0]) == ("POST", f"{GRAPH_URL}/{PAGE}/messages", {
        "recipient": {"id": PSID}, "messaging_type": "RESPONSE",
        "message": {"text": "Thanks, we have your order"}}, f"Bearer {PAGE_TOKEN}")


@responses.activate
def test_a_persons_answer_after_the_24_hour_window_goes_with_the_human_agent_tag(platform):
    # Given the customer's last message is more than 24 hours old
    responses.post(f"{GRAPH_URL}/{PAGE}/messages", json={"recipient_id": PSID, "message_id": "m_tagged_1"})
    # When an agent's answer is sent as a human agent's
    receipt = platform.send_private(PSID, "Your refund is on its way", "meta-1:answer", human_agent=True)
    # Then it goes as a tagged message, not as a response within the window
    assert receipt == PostReceipt("m_tagged_1")
    assert sent(responses.calls[0]) == ("POST", f"{GRAPH_URL}/{PAGE}/messages", {
        "recipient": {"id": PSID}, "messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT",
        "message": {"text": "Your refund is on its way"}}, f"Bearer {PAGE_TOKEN}")


@responses.activate
def test_a_message_within_the_window_carries_no_tag(platform):
    responses.post(f"{GRAPH_URL}/{PAGE}/messages", json={"recipient_id": PSID, "message_id": "m_sent_3"})
    platform.send_private(PSID, "Your refund is on its way", "meta-1:answer", human_agent=False)
    body = sent(responses.calls[0])[2]
    assert body["messaging_type"] == "RESPONSE" and "tag" not in body


@responses.activate
def test_without_a_configured_page_the_token_s_own_page_is_used(platform, monkeypatch):
    monkeypatch.delenv("META_PAGE_ID")
    settings.cache_clear()
    responses.post(f"{GRAPH_URL}/me/messages", json={"recipient_id": PSID, "message_id": "m_sent_2"})
    assert platform.send_private(PSID, "Hi", "key").platform_post_id == "m_sent_2"


WINDOW_CLOSED = {"error": {"message": "(#10) This message is sent outside of allowed window.",
                           "type": "OAuthException", "code": 10, "error_subcode": 2018278,
                           "fbtrace_id": "AbCdEfGhIjK"}}
INSTAGRAM_WINDOW_CLOSED = {"error": {"message": "This message is sent outside of allowed window.",
                                     "type": "IGApiException", "code": 10, "error_subcode": 2534022,
                                     "fbtrace_id": "A9C5BFZGYCvRghcFEHTjgpC"}}


@pytest.mark.parametrize(("status", "body"), [(400, WINDOW_CLOSED), (403, INSTAGRAM_WINDOW_CLOSED)])
@responses.activate
def test_a_message_outside_the_24_hour_window_is_refused_saying_the_customer_must_write_first(platform, status, body):
    responses.post(f"{GRAPH_URL}/{PAGE}/messages", status=status, json=body)
    with pytest.raises(ChannelRejectedError) as refused:
        platform.send_private(PSID, "Any news?", "key")
    message = str(refused.value)
    assert message.startswith("Meta refused the message")
    assert "the 24-hour messaging window has closed" in message
    assert "the customer must write to us first" in message
    assert f"code 10/{body['error']['error_subcode']}: {body['error']['message']}" in message
    assert len(responses.calls) == 1  # never retried


@responses.activate
def test_a_person_who_is_not_available_is_a_refusal_that_says_so(platform):
    responses.post(f"{GRAPH_URL}/{PAGE}/messages", status=400, json={"error": {
        "message": "(#551) This person isn't available right now.", "type": "OAuthException", "code": 551,
        "error_subcode": 1545041, "fbtrace_id": "A1"}})
    with pytest.raises(ChannelRejectedError, match="cannot receive messages from the brand"):
        platform.send_private(PSID, "Any news?", "key")


@pytest.mark.parametrize(("status", "error", "said"), [
    (400, {"message": "Invalid OAuth access token - Cannot parse access token", "type": "OAuthException",
           "code": 190, "fbtrace_id": "A2"}, "META_PAGE_ACCESS_TOKEN is not a valid Page access token"),
    (403, {"message": "(#200) Requires pages_messaging permission to manage the object", "type": "OAuthException",
           "code": 200}, "(#200) Requires pages_messaging permission"),
    (400, {"message": "(#100) Invalid parameter", "type": "OAuthException", "code": 100, "error_subcode": 33},
     "400, code 100/33: (#100) Invalid parameter"),
])
@responses.activate
def test_other_client_errors_are_refusals_that_quote_meta(platform, status, error, said):
    responses.post(f"{GRAPH_URL}/200_300/comments", status=status, json={"error": error})
    with pytest.raises(ChannelRejectedError, match="^Meta refused the Facebook reply") as refused:
        platform.post_reply("200_300", "Hello", "key")
    assert said in str(refused.value)
    assert len(responses.calls) == 1


@responses.activate
def test_an_answer_without_an_id_is_not_retried_blindly(platform):
    responses.post(f"{GRAPH_URL}/200_300/comments", json={"success": True})
    with pytest.raises(ChannelRejectedError, match="without id; check on Meta before posting again"):
        platform.post_reply("200_300", "Hello", "key")


# -- retries and transient failures ------------------------------------------------------------------------------------
@responses.activate
def test_a_500_is_retried_and_then_succeeds(platform, waits):
    responses.post(f"{GRAPH_URL}/{PAGE}/messages", status=500, json={"error": {
        "message": "An unknown error has occurred.", "type": "OAuthException", "code": 1}})
    responses.post(f"{GRAPH_URL}/{PAGE}/messages", json={"recipient_id": PSID, "message_id": "m_3"})
    assert platform.send_private(PSID, "Hi", "key").platform_post_id == "m_3"
    assert len(responses.calls) == 2 and waits == [0.5]


@pytest.mark.parametrize("status", [429, 500, 503])
@responses.activate
def test_a_429_or_5xx_that_lasts_is_unavailable_after_bounded_retries(platform, waits, status):
    responses.post(f"{GRAPH_URL}/200_300/comments", status=status, json={"error": {"message": "busy", "code": 2}})
    with pytest.raises(ChannelUnavailableError, match=f"^Meta could not take the Facebook reply now \\({status}"):
        platform.post_reply("200_300", "Hello", "key")
    assert len(responses.calls) == outbound_http.ATTEMPTS
    assert waits == [0.5, 1.0]


@responses.activate
def test_a_long_retry_after_is_left_to_the_state_machine(platform, waits):
    responses.post(f"{GRAPH_URL}/200_300/comments", status=429, headers={"Retry-After": "60"}, body="")
    with pytest.raises(ChannelUnavailableError):
        platform.post_reply("200_300", "Hello", "key")
    assert len(responses.calls) == 1 and waits == []


@pytest.mark.parametrize(("code", "message"), [
    (4, "(#4) Application request limit reached"),
    (17, "(#17) User request limit reached"),
    (32, "(#32) Page request limit reached"),
    (613, "(#613) Calls to this api have exceeded the rate limit."),
    (2, "An unexpected error has occurred. Please retry your request later."),
])
@responses.activate
def test_graph_rate_limits_sent_as_client_errors_are_unavailable_not_refused(platform, code, message):
    responses.post(f"{GRAPH_URL}/{PAGE}/messages", status=400 if code != 4 else 403, json={"error": {
        "message": message, "type": "OAuthException", "code": code, "fbtrace_id": "A3"}})
    with pytest.raises(ChannelUnavailableError, match="^Meta could not take the message now") as unavailable:
        platform.send_private(PSID, "Hi", "key")
    assert message in str(unavailable.value)
    assert len(responses.calls) == 1  # a rate-limit window outlasts the call: the state machine retries later


@pytest.mark.parametrize(("failure", "said"), [
    (requests.ConnectTimeout("connect timed out"), "did not answer the Instagram reply in time"),
    (requests.ReadTimeout("read timed out"), "did not answer the Instagram reply in time"),
    (requests.ConnectionError("connection refused"), "could not reach Meta for the Instagram reply"),
])
@responses.activate
def test_timeouts_and_connection_errors_are_unavailable(platform, failure, said):
    responses.post(f"{GRAPH_URL}/17865799348089039/replies", body=failure)
    with pytest.raises(ChannelUnavailableError, match=said):
        platform.reply_to_instagram_comment("17865799348089039", "Hi")


@responses.activate
def test_a_5xx_without_a_json_body_is_still_unavailable(platform):
    responses.post(f"{GRAPH_URL}/200_300/comments", status=502, body="<html>Bad Gateway</html>")
    with pytest.raises(ChannelUnavailableError, match="<html>Bad Gateway</html>"):
        platform.post_reply("200_300", "Hello", "key")

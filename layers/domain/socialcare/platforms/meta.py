"""Meta: one webhook (/webhooks/meta) for a Facebook Page (feed, mentions), Messenger and Instagram (comments,
mentions, messages), and the Graph API calls that answer them. The rules come from shared/platforms.md section 2;
the § numbers below point into it.

  GET  ?hub.mode=subscribe&hub.verify_token=<ours>&hub.challenge=<n>    200 <n>, plain text (§2.1)
  POST x-hub-signature-256: sha256=<lowercase hex HMAC-SHA256(app secret, raw body)>     (§2.2)

Every mention has platform "meta"; extra["surface"] ("facebook", "messenger", "instagram", or "instagram_mention"
for an @mention on someone else's media, answered on the brand's /mentions edge) says where it came from, which is
where its answer has to go. The `mentions` webhook itself opens no case: it carries no words and no author.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import UTC, datetime
from typing import Annotated, Callable, TypeVar

import requests
from aws_lambda_powertools import Logger
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from socialcare.config import settings
from socialcare.errors import (
    ChannelRejectedError,
    ChannelUnavailableError,
    InvalidMentionError,
    SignatureMismatchError,
)
from socialcare.http import whole_number
from socialcare.models import Author, Mention
from socialcare.platforms.outbound_http import backoff, post_with_retries, retry_after
from socialcare.platforms.base import ChallengeAnswer, Platform, PostReceipt
from socialcare.secrets import secret

logger = Logger()

SIGNATURE_HEADER = "x-hub-signature-256"
GRAPH_URL = "https://graph.facebook.com/v21.0"

# Graph error codes (error.code) for "try again later": unknown/temporary errors and the rate limits. Meta sends the
# rate limits as 400/403, so the status alone does not say it.
TRANSIENT_CODES = frozenset({1, 2, 4, 17, 32, 613})
# code 10 with one of these subcodes: "This message is sent outside of allowed window" (Messenger, Instagram).
# Secondary sources: botpress/botpress#4890 (Messenger), ComposioHQ/composio#3604 (Instagram, 2534022).
WINDOW_SUBCODES = frozenset({2018278, 2534022})
NOT_AVAILABLE_CODE = 551  # "This person isn't available right now"

WINDOW_CLOSED = (
    "the 24-hour messaging window has closed. Messenger and Instagram only let the brand message a person "
    "within 24 hours of that person's last message to it (§2.5), so the customer must write to us first; ask "
    "them publicly to send us a message, then answer that."
)
NOT_AVAILABLE = (
    "Meta says this person isn't available right now: they cannot receive messages from the brand (they may have "
    "blocked it, or left Messenger/Instagram); answer them publicly instead."
)
EXPLANATIONS = {
    190: "META_PAGE_ACCESS_TOKEN is not a valid Page access token any more; issue a new one.",
    200: "the Page access token lacks a permission this call needs (pages_messaging, pages_manage_engagement, "
         "instagram_manage_comments, pages_manage_posts for a Page post...).",
    10: "the app or Page lacks the permission or task this call needs.",
}

SURFACES = {"page": "facebook", "instagram": "instagram"}
INSTAGRAM_MENTION = "instagram_mention"  # an @mention on someone else's Instagram media: answered on /mentions
MESSAGING_SURFACES = {"page": "messenger", "instagram": "instagram"}
# A visitor's own words on the Page: §2.3 shows item "status" (and "post"); a visitor's photo or video post carries
# words the same way (an assumption: no official sample of those was read).
FEED_POSTS = frozenset({"status", "post", "photo", "video"})
MESSAGING_ENVELOPE = frozenset({"sender", "recipient", "timestamp"})
MILLISECONDS_FROM = 10**11  # Meta times are seconds in feed/Instagram, milliseconds in messaging; 10^11 s is year 5138
INSTANT_DIGITS = 15  # a time in digits: milliseconds have 13 until the year 2286


def sign(app_secret: str, raw_body: bytes) -> str:
    return "sha256=" + hmac.new(app_secret.encode(), raw_body, hashlib.sha256).hexdigest()


# -- what Meta delivers (only the fields we read; pydantic ignores the rest) -----------------------------------------
def _instant(value: object) -> object:
    """Unix seconds (feed, Instagram entry.time), milliseconds (messaging timestamp) or ISO-8601 (Graph API)."""
    if isinstance(value, bool) or value is None:
        raise ValueError("expected a time")
    number = whole_number(value, INSTANT_DIGITS) if isinstance(value, str) else value
    if isinstance(number, int | float):
        try:  # Python's json reads Infinity and NaN, which int() refuses
            number = int(number)
            return datetime.fromtimestamp(number / 1000 if number >= MILLISECONDS_FROM else number, tz=UTC)
        except (OverflowError, ValueError, OSError):
            raise ValueError("expected unix seconds or milliseconds") from None
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError("expected unix seconds, milliseconds or an ISO-8601 time") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return value


Instant = Annotated[datetime, BeforeValidator(_instant)]


class GraphModel(BaseModel):
    # Meta's ids are strings; one sent as a number must not cost us the event
    model_config = ConfigDict(coerce_numbers_to_str=True, populate_by_name=True)


class Party(GraphModel):
    id: str = Field(min_length=1)
    name: str = ""
    username: str = ""


class FeedValue(GraphModel):
    """Page `feed`: {from{id, name}, post_id, comment_id, parent_id, created_time, item, verb, message} (§2.3)."""

    item: str = ""
    verb: str = ""
    post_id: str = ""
    comment_id: str = ""
    message: str = ""
    created_time: Instant | None = None
    sender: Party | None = Field(default=None, alias="from")


class PageMentionValue(GraphModel):
    """Page `mention`: {post_id, sender_id, sender_name, item, verb} (§2.3)."""

    item: str = ""
    verb: str = ""
    post_id: str = ""
    comment_id: str = ""
    sender_id: str = Field(min_length=1)
    sender_name: str = ""
    message: str = ""
    created_time: Instant | None = None


class InstagramMedia(GraphModel):
    id: str = ""
    media_product_type: str = ""


class InstagramComment(GraphModel):
    """Instagram `comments`: {id, from{id, username}, text, media{id, media_product_type}}; the Facebook Login
    shape names the id comment_id (§2.3)."""

    id: str = ""
    comment_id: str = ""
    text: str = ""
    sender: Party = Field(alias="from")
    media: InstagramMedia = InstagramMedia()

    @model_validator(mode="after")
    def _has_an_id(self) -> "InstagramComment":
        if not (self.id or self.comment_id):
            raise ValueError("a comment needs id or comment_id")
        return self


class InstagramMentionValue(GraphModel):
    """Instagram `mentions`: {media_id} for a caption, {comment_id, media_id} for a comment (§2.3)."""

    media_id: str = Field(min_length=1)
    comment_id: str = ""


class Attachment(GraphModel):
    type: str = ""


class Message(GraphModel):
    mid: str = Field(min_length=1)
    text: str = ""
    is_echo: bool = False
    is_deleted: bool = False
    attachments: list[Attachment] = []


class MessagingEvent(GraphModel):
    """entry.messaging[]: {sender{id}, recipient{id}, timestamp (ms), message{mid, text, is_echo...}} (§2.3)."""

    sender: Party
    recipient: Party
    timestamp: Instant
    message: Message


class Change(GraphModel):
    field: str = ""
    value: dict = {}


class Entry(GraphModel):
    id: str = ""
    time: Instant | None = None
    changes: list[Change] = []
    messaging: list[dict] = []
    standby: list[dict] = []


class Delivery(GraphModel):
    """{"object": "page"|"instagram"|..., "entry": [{"id", "time", "changes": [...], "messaging": [...]}]} (§2.3)."""

    object: str = Field(min_length=1)
    entry: list[Entry]


Model = TypeVar("Model", bound=BaseModel)


class MetaPlatform(Platform):
    name = "meta"

    def __init__(self, session: requests.Session | None = None, sleep: Callable[[float], None] = time.sleep):
        self.session = session or requests.Session()
        self.sleep = sleep

    # -- inbound ------------------------------------------------------------------------------------------------------
    def answer_challenge(self, query: dict[str, str]) -> ChallengeAnswer | None:
        """Meta proves the URL with hub.mode=subscribe and our verify token; the answer is hub.challenge, as is
        (§2.1)."""
        if query.get("hub.mode") != "subscribe":
            return None
        token = query.get("hub.verify_token", "")
        # compared as bytes: compare_digest refuses str with non-ASCII characters (a 500 instead of a 403)
        if not hmac.compare_digest(token.encode(), secret("META_VERIFY_TOKEN").encode()):
            return ChallengeAnswer(403, "verify token mismatch")
        challenge = query.get("hub.challenge", "")
        return ChallengeAnswer(200, challenge) if challenge else ChallengeAnswer(400, "missing hub.challenge")

    def verify(self, headers: dict[str, str], raw_body: bytes) -> None:
        # Over the raw bytes: Meta signs the body as sent, non-ASCII escaped as \u00e4 (§2.2); re-serialised JSON
        # would not match.
        signature = headers.get(SIGNATURE_HEADER, "")
        if not signature:
            raise SignatureMismatchError(f"missing {SIGNATURE_HEADER}")
        expected = sign(secret("META_APP_SECRET"), raw_body)
        if not hmac.compare_digest(expected.encode(), signature.encode()):
            raise SignatureMismatchError(f"{SIGNATURE_HEADER} does not match the body")

    def parse(self, raw_body: bytes) -> list[Mention]:
        try:
            body = json.loads(raw_body)
        except (ValueError, RecursionError):  # a signed body can still nest thousands deep
            raise InvalidMentionError("not a Meta delivery: the body is not JSON, or nests too deep") from None
        delivery = _read(Delivery, body, "not a Meta delivery")
        if delivery.object not in SURFACES:
            return _dropped(f"object {delivery.object!r}: neither a Page nor Instagram", delivery.object)
        # A batch holds up to 1000 updates from many entries (§2.4): each is read on its own, and one that cannot be
        # read is dropped (and logged) rather than failing the rest, which Meta would redeliver for 36 hours.
        mentions: list[Mention] = []
        for entry in delivery.entry:
            for change in entry.changes:
                mentions += self._change(delivery.object, entry, change)
            for event in entry.messaging:
                mentions += self._messaging(delivery.object, entry, event)
            if entry.standby:
                _dropped("standby: another app owns these conversations", entry.id)
        return mentions

    def _change(self, object_type: str, entry: Entry, change: Change) -> list[Mention]:
        read = {
            ("page", "feed"): self._feed,
            ("page", "mention"): self._page_mention,
            ("instagram", "comments"): self._instagram_comment,
            ("instagram", "mentions"): self._instagram_mention,
        }.get((object_type, change.field))
        if read is None:
            return _dropped(f"{object_type} field {change.field!r}: not a customer message", entry.id)
        return read(entry, change.value)

    def _feed(self, entry: Entry, raw: dict) -> list[Mention]:
        value = _item(FeedValue, raw, "feed")
        if value is None:
            return []
        item_id = value.comment_id or value.post_id
        if value.item != "comment" and value.item not in FEED_POSTS:
            return _dropped(f"feed {value.item or 'item'}: not a post or comment", item_id)  # reactions, likes, shares
        if value.verb != "add":
            return _dropped(f"feed {value.item} {value.verb or 'without verb'}: only new words open a case", item_id)
        if value.sender is None or not item_id:
            return _dropped(f"feed {value.item}: no from or no id", item_id)
        if value.sender.id in _page_ids(entry.id):
            return _dropped(f"the Page's own {value.item}", item_id)  # our replies come back as feed comments
        return [Mention(
            platform=self.name, mention_id=item_id, kind="comment" if value.item == "comment" else "mention",
            text=value.message, author=Author(id=value.sender.id, name=value.sender.name),
            created_at=_iso(value.created_time or entry.time), url=_facebook_url(value.post_id),
            reply_to_id=item_id, extra={"surface": "facebook", "page_id": entry.id, "post_id": value.post_id},
        )]

    def _page_mention(self, entry: Entry, raw: dict) -> list[Mention]:
        value = _item(PageMentionValue, raw, "mention")
        if value is None:
            return []
        item_id = value.comment_id if value.item == "comment" and value.comment_id else value.post_id
        if value.verb != "add" or not item_id:
            return _dropped(f"mention {value.verb or 'without verb'}: only a new mention opens a case", item_id)
        if value.sender_id in _page_ids(entry.id):
            return _dropped("the Page mentioning itself", item_id)
        return [Mention(
            platform=self.name, mention_id=item_id, kind="mention", text=value.message,
            author=Author(id=value.sender_id, name=value.sender_name),
            created_at=_iso(value.created_time or entry.time), url=_facebook_url(value.post_id),
            reply_to_id=item_id, extra={"surface": "facebook", "page_id": entry.id, "post_id": value.post_id},
        )]

    def _instagram_comment(self, entry: Entry, raw: dict) -> list[Mention]:
        value = _item(InstagramComment, raw, "comments")
        if value is None:
            return []
        comment_id = value.id or value.comment_id
        if value.sender.id in _instagram_ids(entry.id):
            return _dropped("the brand's own Instagram comment", comment_id)
        return [Mention(
            platform=self.name, mention_id=comment_id, kind="comment", text=value.text,
            author=Author(id=value.sender.id, handle=f"@{value.sender.username}" if value.sender.username else ""),
            created_at=_iso(entry.time), reply_to_id=comment_id,
            extra={"surface": "instagram", "account_id": entry.id, "media_id": value.media.id,
                   "media_product_type": value.media.media_product_type},
        )]

    def _instagram_mention(self, entry: Entry, raw: dict) -> list[Mention]:
        value = _item(InstagramMentionValue, raw, "mentions")
        if value is None:
            return []
        # The webhook names neither the author nor the words (§2.3): {media_id} or {comment_id, media_id}. A case with
        # no words and a made-up author tells an agent nothing and groups with no one. Reading the words takes a Graph
        # call with a User token (GET /{ig-user-id}?fields=mentioned_comment.comment_id(...) or mentioned_media.
        # media_id(...)), which this app does not hold. With Business Login for Instagram, @mentions arrive as
        # `comments`, words and author included, and open cases.
        logger.warning("meta event dropped", extra={
            "reason": "instagram mentions change without words or author: read it on Instagram",
            "id": value.comment_id or value.media_id, "account_id": entry.id, "media_id": value.media_id,
            "comment_id": value.comment_id})
        return []

    def _messaging(self, object_type: str, entry: Entry, raw: dict) -> list[Mention]:
        if "message" not in raw:
            event_type = next((key for key in raw if key not in MESSAGING_ENVELOPE), "empty")
            return _dropped(f"messaging {event_type}: not a message", entry.id)  # delivery, read, postback...
        event = _item(MessagingEvent, raw, "messaging")
        if event is None:
            return []
        message = event.message
        brand = _page_ids(entry.id) if object_type == "page" else _instagram_ids(entry.id)
        if message.is_echo or event.sender.id in brand:
            return _dropped("echo of the brand's own message", message.mid)  # §2.3 Echoes
        if message.is_deleted:
            return _dropped("message unsent by the customer", message.mid)
        text = message.text or " ".join(f"[{a.type or 'attachment'}]" for a in message.attachments)
        if not text:
            return _dropped("message without text or attachments", message.mid)
        # reply_to_id stays empty: a conversation has nothing a public reply could answer
        return [Mention(
            platform=self.name, mention_id=message.mid, kind="dm", text=text, author=Author(id=event.sender.id),
            created_at=_iso(event.timestamp),
            extra={"surface": MESSAGING_SURFACES[object_type], "recipient_id": event.recipient.id},
        )]

    # -- outbound -----------------------------------------------------------------------------------------------------
    # Graph has no idempotency key; the caller records each post on the case and keeps handler results in the
    # idempotency table, so a retried step does not post twice.
    def post_reply(self, reply_to_id: str, text: str, idempotency_key: str, surface: str = "") -> PostReceipt:
        """Answer a comment or post publicly. surface is the mention's extra["surface"], kept on the case: Instagram
        comments have their own endpoint; Facebook is the default."""
        if surface == "instagram":
            return self.reply_to_instagram_comment(reply_to_id, text)
        if surface == INSTAGRAM_MENTION:
            return self.reply_to_instagram_mention(reply_to_id, text)
        if surface not in ("", "facebook"):
            raise ChannelRejectedError(f"a {surface} conversation has no public thread to reply in; send a message")
        return self.reply_to_facebook_comment(reply_to_id, text)

    def reply_to_facebook_comment(self, comment_or_post_id: str, text: str) -> PostReceipt:
        """POST /{comment-id}/comments message=... → {"id"} (§2.5); on a post id it comments under the post."""
        response = self._send(f"/{comment_or_post_id}/comments", {"message": text}, "Facebook reply")
        return PostReceipt(platform_post_id=_created(response, "id", "Facebook reply"))

    def reply_to_instagram_comment(self, comment_id: str, text: str) -> PostReceipt:
        """POST /{ig-comment-id}/replies message=... → {"id"}; top-level comments only, not live video (§2.5)."""
        response = self._send(f"/{comment_id}/replies", {"message": text}, "Instagram reply")
        return PostReceipt(platform_post_id=_created(response, "id", "Instagram reply"))

    def reply_to_instagram_mention(self, where: str, text: str) -> PostReceipt:
        """POST /{ig-user-id}/mentions {media_id, comment_id?, message} → {"id"}: a comment on someone else's media
        (or comment) that @mentions the brand. `where` is "<ig-user-id>/<media-id>[/<comment-id>]". (Instagram Graph
        API, IG User Mentions; captions and comments only, not Stories.)"""
        account, media_id, *comment = where.split("/")
        body = {"media_id": media_id, "message": text, **({"comment_id": comment[0]} if comment else {})}
        response = self._send(f"/{account}/mentions", body, "Instagram mention reply")
        return PostReceipt(platform_post_id=_created(response, "id", "Instagram mention reply"))

    def post_status(self, text: str, idempotency_key: str) -> PostReceipt:
        """POST /{page-id}/feed {message} → {"id": "<page-id>_<post-id>"}: a post on the brand's Facebook Page. Not in
        shared/platforms.md; from Meta's Pages API ("Posts": publish a post to a Page; the Page token needs
        pages_manage_posts and pages_read_engagement, and the CREATE_CONTENT task on the Page). Instagram takes no
        text-only posts (its publishing needs an image or a video), so the Page is the brand's one Meta channel."""
        response = self._send(f"/{_page_path()}/feed", {"message": text}, "Page post")
        post_id = _created(response, "id", "Page post")
        return PostReceipt(platform_post_id=post_id, url=_facebook_url(post_id))

    private_reply_surfaces = frozenset({"facebook", "instagram"})

    def private_reply(self, reply_to_id: str, text: str, idempotency_key: str = "") -> PostReceipt:
        """A message to the author of a Facebook or Instagram comment: one per comment, within 7 days (§2.5). Meta
        answers {"recipient_id", "message_id"}: the recipient id is the commenter's PSID (IGSID), the id their
        Messenger (Instagram) messages will carry — not the id of their comment."""
        body = {"recipient": {"comment_id": reply_to_id}, "message": {"text": text}}
        response = self._send(f"/{_page_path()}/messages", body, "private reply")
        message_id = _created(response, "message_id", "private reply")
        return PostReceipt(platform_post_id=message_id, recipient_id=str(response.json().get("recipient_id", "")))

    def send_private(self, author_id: str, text: str, idempotency_key: str, human_agent: bool = False) -> PostReceipt:
        """Send API: POST /{page-id}/messages {recipient{id}, messaging_type RESPONSE, message{text}} →
        {"recipient_id", "message_id"}; only within 24 hours of the customer's last message (§2.5). After that, a
        person's answer goes with the HUMAN_AGENT message tag (up to 7 days; the app needs Human Agent access)."""
        tagged = {"messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"} if human_agent else {}
        body = {"recipient": {"id": author_id}, "messaging_type": "RESPONSE", "message": {"text": text}, **tagged}
        response = self._send(f"/{_page_path()}/messages", body, "message")
        return PostReceipt(platform_post_id=_created(response, "message_id", "message"))

    def _send(self, path: str, body: dict, what: str) -> requests.Response:
        """POST with the Page token; retry 429/5xx while the wait is short and the budget lasts."""
        # The token goes in a header, never the URL, so it cannot end up in a log line.
        headers = {"Authorization": f"Bearer {secret('META_PAGE_ACCESS_TOKEN')}"}
        response = post_with_retries(self.session, GRAPH_URL + path, body, headers, platform="Meta", what=what,
                                     retry_wait=_retry_wait, sleep=self.sleep)
        return _accepted(response, what)


def _read(model: type[Model], value: object, context: str) -> Model:
    try:
        return model.model_validate(value)
    except ValidationError as error:
        problems = "; ".join(".".join(map(str, e["loc"])) + f": {e['msg']}" for e in error.errors()[:5])
        raise InvalidMentionError(f"{context}: {problems}") from None


def _item(model: type[Model], value: dict, field: str) -> Model | None:
    """One update of a batch, or None (logged) when it cannot be read."""
    try:
        return _read(model, value, f"unreadable {field}")
    except InvalidMentionError as error:
        _dropped(str(error), str(value.get("comment_id") or value.get("post_id") or value.get("id") or ""))
        return None


def _dropped(reason: str, event_id: str) -> list[Mention]:
    logger.info("meta event dropped", extra={"reason": reason, "id": event_id})
    return []


def _page_ids(entry_id: str) -> set[str]:
    """The Page is the one the entry is for, and the one configured (META_PAGE_ID)."""
    return {entry_id, settings().meta_page_id} - {""}


def _instagram_ids(entry_id: str) -> set[str]:
    return {entry_id, settings().instagram_account_id} - {""}


def _iso(moment: datetime | None) -> str:
    return (moment or datetime.now(UTC)).isoformat()


def _facebook_url(post_id: str) -> str:
    return f"https://www.facebook.com/{post_id}" if post_id else ""


def _page_path() -> str:
    """/me is the Page itself when the token is a Page token (§2.5), so an unset META_PAGE_ID still works."""
    return settings().meta_page_id or "me"


def _retry_wait(response: requests.Response, attempt: int) -> float:
    after = retry_after(response)
    return backoff(attempt) if after is None else after


def _accepted(response: requests.Response, what: str) -> requests.Response:
    """A 2xx goes through; the 24-hour window and unreachable people are said plainly; 429, 5xx and Graph's
    temporary codes are worth retrying later; any other answer is Meta's final word."""
    status = response.status_code
    if 200 <= status < 300:
        return response
    error = _graph_error(response)
    code, subcode = error.get("code"), error.get("error_subcode")
    said = f"{status}, code {code}" + (f"/{subcode}" if subcode else "")
    said += f": {error.get('message') or response.reason}"
    if error.get("fbtrace_id"):
        said += f"; fbtrace_id {error['fbtrace_id']}"
    if code == 10 and subcode in WINDOW_SUBCODES:
        raise ChannelRejectedError(f"Meta refused the {what} ({said}): {WINDOW_CLOSED}")
    if code == NOT_AVAILABLE_CODE:
        raise ChannelRejectedError(f"Meta refused the {what} ({said}). {NOT_AVAILABLE}")
    if status == 429 or status >= 500 or code in TRANSIENT_CODES:
        raise ChannelUnavailableError(f"Meta could not take the {what} now ({said})")
    explanation = EXPLANATIONS.get(code)
    raise ChannelRejectedError(f"Meta refused the {what} ({said})" + (f". {explanation}" if explanation else ""))


def _graph_error(response: requests.Response) -> dict:
    """Graph errors read {"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}."""
    try:
        body = response.json()
    except ValueError:
        return {"message": response.text[:300]}
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {"message": str(body)[:300]}


def _created(response: requests.Response, field: str, what: str) -> str:
    try:
        return str(response.json()[field])
    except (ValueError, KeyError, TypeError):
        # it may be posted: never retry blindly
        raise ChannelRejectedError(f"Meta answered {response.status_code} to the {what} without {field}; "
                                   "check on Meta before posting again") from None

"""X (Twitter): one webhook for the Account Activity API (AAA, v1.1 objects) and the X Activity API (XAA, v2
objects), and the v2 endpoints that post a reply and send a DM. The rules come from shared/platforms.md section 1;
the § numbers below point into it.

  GET  ?crc_token=<token>                    200 {"response_token": "sha256=<base64 HMAC-SHA256(secret, token)>"}
  POST x-twitter-webhooks-signature:         sha256=<base64 HMAC-SHA256(secret, raw body)>

The secret is the app's consumer secret (API secret key), never a bearer or access token (§1.2).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, TypeVar

import requests
from aws_lambda_powertools import Logger
from pydantic import BaseModel, BeforeValidator, Field, ValidationError, model_validator

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

SIGNATURE_HEADER = "x-twitter-webhooks-signature"
API_URL = "https://api.x.com/2"
MILLISECONDS_DIGITS = 15  # created_timestamp: milliseconds since the epoch, 13 digits until the year 2286

REPLY_RESTRICTION = (
    "On self-serve X API plans X accepts a reply only when the author of the post summoned the replying account: "
    "their post must @mention the brand account or quote one of its posts. A post that did neither cannot be "
    "answered through the API, however often the reply is retried; answer it from the X app, or by DM."
)
DM_REFUSAL = "X refuses a DM when the customer's settings do not accept messages from the brand, or they blocked it."
POST_REFUSAL = ("X refuses a post that repeats one of the account's recent posts word for word, or breaks its rules; "
                "change the words, or post it from the X app.")
FORBIDDEN = {"reply": REPLY_RESTRICTION, "DM": DM_REFUSAL, "post": POST_REFUSAL}
TOKEN_REFUSAL = (
    "X_CONSUMER_KEY/X_CONSUMER_SECRET must be the app's API key and secret, and X_ACCESS_TOKEN/X_ACCESS_TOKEN_SECRET "
    "the brand account's access token and secret, generated with Read, Write and Direct Messages permission."
)


def sign(consumer_secret: str, message: bytes) -> str:
    """X's one signature, for the CRC answer and for deliveries alike (§1.2, §1.3)."""
    digest = hmac.new(consumer_secret.encode(), message, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


# -- what X delivers (only the fields we read; pydantic ignores the rest) ---------------------------------------------
def _v1_time(value: object) -> object:
    """v1.1 times read "Wed Oct 10 20:19:24 +0000 2018"."""
    if not isinstance(value, str):
        return value
    try:
        return datetime.strptime(value, "%a %b %d %H:%M:%S %z %Y")
    except ValueError:
        raise ValueError("expected a time like 'Wed Oct 10 20:19:24 +0000 2018'") from None


def _epoch_ms(value: object) -> datetime:
    """DM events carry created_timestamp in milliseconds, as a string (§1.4)."""
    milliseconds = whole_number(value, MILLISECONDS_DIGITS) if isinstance(value, str) else value
    try:
        return datetime.fromtimestamp(int(milliseconds) / 1000, tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        raise ValueError("expected milliseconds since the epoch") from None


V1Time = Annotated[datetime, BeforeValidator(_v1_time)]
EpochMs = Annotated[datetime, BeforeValidator(_epoch_ms)]


class V1User(BaseModel):
    id_str: str = Field(min_length=1)
    screen_name: str = ""
    name: str = ""
    followers_count: int = 0


class V1UserMention(BaseModel):
    id_str: str = ""


class V1Hashtag(BaseModel):
    text: str = ""


class V1Entities(BaseModel):
    user_mentions: list[V1UserMention] = []
    hashtags: list[V1Hashtag] = []


class V1ExtendedTweet(BaseModel):
    full_text: str
    entities: V1Entities = V1Entities()


class V1QuotedTweet(BaseModel):
    user: V1User | None = None


class V1Tweet(BaseModel):
    id_str: str = Field(min_length=1)
    created_at: V1Time
    text: str = ""
    truncated: bool = False
    extended_tweet: V1ExtendedTweet | None = None
    user: V1User
    in_reply_to_user_id_str: str | None = None
    entities: V1Entities = V1Entities()
    is_quote_status: bool = False
    quoted_status: V1QuotedTweet | None = None
    retweeted_status: dict | None = None
    # counts as delivered (AAA delivers a post as it is created, so usually 0); null in some payloads
    favorite_count: int | None = 0
    retweet_count: int | None = 0
    reply_count: int | None = 0
    quote_count: int | None = 0

    @property
    def engagement(self) -> int:
        return sum(n or 0 for n in (self.favorite_count, self.retweet_count, self.reply_count, self.quote_count))

    @property
    def full(self) -> tuple[str, V1Entities]:
        """A long post keeps only its first 140 characters and their entities at the root (§1.4)."""
        if self.truncated and self.extended_tweet:
            return self.extended_tweet.full_text, self.extended_tweet.entities
        return self.text, self.entities


class V2PublicMetrics(BaseModel):
    followers_count: int = 0


class V2User(BaseModel):
    id: str = Field(min_length=1)
    username: str = ""
    name: str = ""
    public_metrics: V2PublicMetrics = V2PublicMetrics()

    @model_validator(mode="before")
    @classmethod
    def _unwrap(cls, value: object) -> object:
        # XAA wraps some user objects as {"data": <user>} (the dm.* users map, post.delete includes)
        if isinstance(value, dict) and isinstance(value.get("data"), dict):
            return value["data"]
        return value


class V1DmUser(BaseModel):
    """An entry of the AAA DM users map: v1.1 fields, but `id` rather than `id_str`."""

    id: str = Field(min_length=1)
    screen_name: str = ""
    name: str = ""
    followers_count: int = 0


class MessageData(BaseModel):
    text: str = ""


class MessageCreate(BaseModel):
    sender_id: str = Field(min_length=1)
    message_data: MessageData = MessageData()


class DmEvent(BaseModel):
    type: str = ""
    id: str = Field(min_length=1)
    created_timestamp: EpochMs
    message_create: MessageCreate | None = None


class AccountActivity(BaseModel):
    for_user_id: str = ""
    tweet_create_events: list[V1Tweet] = []
    direct_message_events: list[DmEvent] = []
    users: dict[str, V1DmUser] = {}


class V2Reference(BaseModel):
    type: str
    id: str = ""


class V2NoteTweet(BaseModel):
    text: str


class V2PostMetrics(BaseModel):
    """tweet.fields=public_metrics (also impression and bookmark counts, not read)."""

    retweet_count: int = 0
    reply_count: int = 0
    like_count: int = 0
    quote_count: int = 0

    @property
    def engagement(self) -> int:
        return self.retweet_count + self.reply_count + self.like_count + self.quote_count


class V2Post(BaseModel):
    id: str = Field(min_length=1)
    text: str = ""
    note_tweet: V2NoteTweet | None = None
    author_id: str = Field(min_length=1)
    created_at: datetime
    referenced_tweets: list[V2Reference] = []
    public_metrics: V2PostMetrics = V2PostMetrics()


class V2Includes(BaseModel):
    users: list[V2User] = []


class ActivityFilter(BaseModel):
    user_id: str = ""


class ActivityEvent(BaseModel):
    event_uuid: str = Field(min_length=1)
    filter: ActivityFilter = ActivityFilter()
    event_type: str = Field(min_length=1)
    payload: dict = {}
    includes: V2Includes = V2Includes()


class ActivityDirectMessages(BaseModel):
    direct_message_events: list[DmEvent] = []
    users: dict[str, V2User] = {}


class ActivityDelivery(BaseModel):
    data: ActivityEvent


Model = TypeVar("Model", bound=BaseModel)

# XAA event types that carry a customer's post, and what each is (§1.5). Other types (likes, follows, the brand's
# own post.create, profile and chat events...) are no one asking us anything.
ACTIVITY_POSTS = {"post.mention.create": "mention", "post.reply.create": "reply", "post.quote.create": "quote"}
ACTIVITY_DMS = {"dm.received", "dm.sent"}  # dm.sent is dropped as the brand's own DM, with that reason logged
# AAA top-level keys that are part of a message delivery rather than events of their own; and the keys that make a
# body an AAA delivery (a revoke and a replay report carry no for_user_id).
AAA_ENVELOPE = {"for_user_id", "user_has_blocked", "tweet_create_events", "direct_message_events", "users", "apps"}
AAA_MARKERS = {"for_user_id", "user_event", "replay_job_status"}
NOT_AN_X_DELIVERY = ("not an X delivery: expected for_user_id (Account Activity API) "
                     "or data.event_type (X Activity API)")


class XPlatform(Platform):
    name = "x"

    def __init__(self, session: requests.Session | None = None, sleep: Callable[[float], None] = time.sleep):
        self.session = session or requests.Session()
        self.sleep = sleep

    # -- inbound ------------------------------------------------------------------------------------------------------
    def answer_challenge(self, query: dict[str, str]) -> ChallengeAnswer | None:
        token = query.get("crc_token")
        # The answer is the very HMAC that signs deliveries: answering any token would sign any body a caller
        # chose. Every delivery is a JSON object, so a token holding "{" is no challenge worth answering.
        if not token or "{" in token:
            return None
        answer = {"response_token": sign(secret("X_WEBHOOK_CONSUMER_SECRET"), token.encode())}
        return ChallengeAnswer(200, json.dumps(answer), "application/json")

    def verify(self, headers: dict[str, str], raw_body: bytes) -> None:
        signature = headers.get(SIGNATURE_HEADER, "")
        if not signature:
            raise SignatureMismatchError(f"missing {SIGNATURE_HEADER}")
        expected = sign(secret("X_WEBHOOK_CONSUMER_SECRET"), raw_body)
        # compared as bytes: compare_digest refuses str with non-ASCII characters (a 500 instead of a 401)
        if not hmac.compare_digest(expected.encode(), signature.encode()):
            raise SignatureMismatchError(f"{SIGNATURE_HEADER} does not match the body")

    def parse(self, raw_body: bytes) -> list[Mention]:
        try:
            delivery = json.loads(raw_body)
        except (ValueError, RecursionError):  # a signed body can still nest thousands deep
            raise InvalidMentionError("not an X delivery: the body is not JSON, or nests too deep") from None
        if not isinstance(delivery, dict):
            raise InvalidMentionError(NOT_AN_X_DELIVERY)
        if isinstance(delivery.get("data"), dict) and "event_type" in delivery["data"]:
            return self._activity(_read(ActivityDelivery, delivery, "").data)
        if AAA_MARKERS & delivery.keys():
            return self._account_activity(delivery)
        raise InvalidMentionError(NOT_AN_X_DELIVERY)

    def _account_activity(self, delivery: dict) -> list[Mention]:
        """AAA: {"for_user_id", "tweet_create_events": [...]} or {..., "direct_message_events": [...], "users"}
        (§1.4). tweet_create_events holds posts by the brand as well as to it."""
        activity = _read(AccountActivity, delivery, "")
        brand = _brand_ids(activity.for_user_id)
        extra = {"for_user_id": activity.for_user_id}
        users = {user_id: Author(id=user.id, handle=_handle(user.screen_name), name=user.name,
                                 followers=user.followers_count) for user_id, user in activity.users.items()}
        mentions = [m for tweet in activity.tweet_create_events for m in self._tweet(tweet, brand, extra)]
        mentions += [m for event in activity.direct_message_events for m in self._dm(event, users, brand, extra)]
        for other in sorted(delivery.keys() - AAA_ENVELOPE):
            _dropped(f"{other}: not a customer message", activity.for_user_id)
        return mentions

    def _tweet(self, tweet: V1Tweet, brand: set[str], extra: dict) -> list[Mention]:
        """One v1.1 post of tweet_create_events, classified by the derived rules of §1.6."""
        if tweet.user.id_str in brand:
            return _dropped("brand's own post", tweet.id_str)
        if tweet.retweeted_status is not None:
            return _dropped("repost", tweet.id_str)
        text, entities = tweet.full
        quoted_author = tweet.quoted_status.user if tweet.quoted_status else None
        kind = _kind(
            replies_to_brand=tweet.in_reply_to_user_id_str in brand,
            mentions_brand=any(m.id_str in brand for m in entities.user_mentions),
            # AAA delivers quotes "by or to" the brand (§1.4): one whose original is missing counts as the latter
            quotes_brand=tweet.is_quote_status and (quoted_author is None or quoted_author.id_str in brand),
            has_hashtags=bool(entities.hashtags),
        )
        if kind is None:
            return _dropped("neither mentions, replies to nor quotes the brand", tweet.id_str)
        user = tweet.user
        return [Mention(
            platform=self.name, mention_id=tweet.id_str, kind=kind, text=text,
            author=Author(id=user.id_str, handle=_handle(user.screen_name), name=user.name,
                          followers=user.followers_count),
            created_at=tweet.created_at.isoformat(), url=_post_url(user.screen_name, tweet.id_str),
            reply_to_id=tweet.id_str, extra=extra, engagement=tweet.engagement,
        )]

    def _activity(self, event: ActivityEvent) -> list[Mention]:
        """XAA: {"data": {"event_uuid", "filter": {"user_id"}, "event_type", "payload", "includes"}} (§1.5)."""
        brand = _brand_ids(event.filter.user_id)
        extra = {"for_user_id": event.filter.user_id, "event_type": event.event_type}
        if event.event_type in ACTIVITY_POSTS:
            post = _read(V2Post, event.payload, "data.payload")
            users = {user.id: user for user in event.includes.users}
            kind = ACTIVITY_POSTS[event.event_type]
            return self._v2_post(post, kind, users.get(post.author_id), brand, extra, delivery_id=event.event_uuid)
        if event.event_type in ACTIVITY_DMS:
            dms = _read(ActivityDirectMessages, event.payload, "data.payload")
            users = {user_id: _v2_author(user) for user_id, user in dms.users.items()}
            return [m for dm in dms.direct_message_events
                    for m in self._dm(dm, users, brand, extra, delivery_id=event.event_uuid)]
        return _dropped(f"{event.event_type}: not a customer message", event.event_uuid)

    def _v2_post(self, post: V2Post, kind: str, author: V2User | None, brand: set[str], extra: dict,
                 delivery_id: str) -> list[Mention]:
        if post.author_id in brand:
            return _dropped("brand's own post", post.id)
        if any(reference.type == "retweeted" for reference in post.referenced_tweets):
            return _dropped("repost", post.id)
        username = author.username if author else ""
        return [Mention(
            platform=self.name, mention_id=post.id, kind=kind,
            text=post.note_tweet.text if post.note_tweet else post.text,  # a long post's full text (v2)
            author=_v2_author(author) if author else Author(id=post.author_id),
            created_at=post.created_at.isoformat(), url=_post_url(username, post.id),
            reply_to_id=post.id, delivery_id=delivery_id, extra=extra, engagement=post.public_metrics.engagement,
        )]

    def _dm(self, event: DmEvent, users: dict[str, Author], brand: set[str], extra: dict,
            delivery_id: str = "") -> list[Mention]:
        if event.type != "message_create" or event.message_create is None:
            return _dropped(f"{event.type or 'untyped'} DM event", event.id)
        if event.message_create.sender_id in brand:
            # our own outbound DMs are delivered back to us (§1.4)
            return _dropped("brand's own DM", event.id)
        # reply_to_id stays empty: a DM has nothing a public reply could answer
        return [Mention(
            platform=self.name, mention_id=event.id, kind="dm", text=event.message_create.message_data.text,
            author=users.get(event.message_create.sender_id) or Author(id=event.message_create.sender_id),
            created_at=event.created_timestamp.isoformat(), delivery_id=delivery_id, extra=extra,
        )]

    # -- outbound -----------------------------------------------------------------------------------------------------
    # X has no idempotency key; the caller records each post on the case and keeps handler results in the
    # idempotency table, so a retried step does not post twice.
    def post_reply(self, reply_to_id: str, text: str, idempotency_key: str, surface: str = "") -> PostReceipt:
        """POST /2/tweets with reply.in_reply_to_tweet_id → 201 {"data": {"id", "text"}} (§1.7)."""
        body = {"text": text, "reply": {"in_reply_to_tweet_id": reply_to_id}}
        post_id = _created(self._send("/tweets", body, "reply"), "id", "reply")
        return PostReceipt(platform_post_id=post_id, url=_post_url("", post_id))

    def post_status(self, text: str, idempotency_key: str) -> PostReceipt:
        """POST /2/tweets {"text"}, replying to nobody: a post on the brand's own timeline → 201 {"data": {"id",
        "text"}} (§1.7, the same endpoint without `reply`)."""
        post_id = _created(self._send("/tweets", {"text": text}, "post"), "id", "post")
        return PostReceipt(platform_post_id=post_id, url=_post_url(settings().x_brand_handle, post_id))

    def send_private(self, author_id: str, text: str, idempotency_key: str, human_agent: bool = False) -> PostReceipt:
        """POST /2/dm_conversations/with/:participant_id/messages → 201 {"data": {"dm_event_id", ...}} (§1.8). X has no
        messaging window: `human_agent` changes nothing."""
        response = self._send(f"/dm_conversations/with/{author_id}/messages", {"text": text}, "DM")
        return PostReceipt(platform_post_id=_created(response, "dm_event_id", "DM"))

    def _send(self, path: str, body: dict, what: str) -> requests.Response:
        """POST as the brand (OAuth 1.0a user context, §1.7: app-only auth cannot post); retry 429/5xx while the
        wait is short and the budget lasts."""
        # OAuth 1.0a rather than an OAuth 2.0 user token: its tokens do not expire every two hours and need no
        # rotating refresh token shared between concurrent functions. The session signs each attempt afresh.
        from requests_oauthlib import OAuth1  # posting's own dependency: the webhook function reads X without it

        self.session.auth = OAuth1(secret("X_CONSUMER_KEY"), secret("X_CONSUMER_SECRET"),
                                   secret("X_ACCESS_TOKEN"), secret("X_ACCESS_TOKEN_SECRET"))
        response = post_with_retries(self.session, API_URL + path, body, {}, platform="X", what=what,
                                     retry_wait=_retry_wait, sleep=self.sleep)
        return _accepted(response, what)


def _read(model: type[Model], value: object, where: str) -> Model:
    try:
        return model.model_validate(value)
    except ValidationError as error:
        problems = "; ".join(".".join(filter(None, [where, *map(str, e["loc"])])) + f": {e['msg']}"
                             for e in error.errors()[:5])
        raise InvalidMentionError(f"not an X delivery: {problems}") from None


def _brand_ids(subscribed_user_id: str) -> set[str]:
    """The brand is the account the delivery is for, and the one configured (X_BRAND_USER_ID)."""
    return {subscribed_user_id, settings().x_brand_user_id} - {""}


def _kind(replies_to_brand: bool, mentions_brand: bool, quotes_brand: bool, has_hashtags: bool) -> str | None:
    """Derived rules of §1.6: a reply first (it usually names the brand too), then an @mention, then a quote; a post
    that only carries hashtags is a hashtag mention."""
    if replies_to_brand:
        return "reply"
    if mentions_brand:
        return "mention"
    if quotes_brand:
        return "quote"
    return "hashtag" if has_hashtags else None


def _dropped(reason: str, event_id: str) -> list[Mention]:
    logger.info("x event dropped", extra={"reason": reason, "id": event_id})
    return []


def _handle(screen_name: str) -> str:
    return f"@{screen_name}" if screen_name else ""


def _post_url(username: str, post_id: str) -> str:
    return f"https://x.com/{username}/status/{post_id}" if username else f"https://x.com/i/web/status/{post_id}"


def _v2_author(user: V2User) -> Author:
    return Author(id=user.id, handle=_handle(user.username), name=user.name,
                  followers=user.public_metrics.followers_count)


def _retry_wait(response: requests.Response, attempt: int) -> float:
    """Retry-After when X sends it; for a 429 the time until x-rate-limit-reset (§1.10); else a short backoff."""
    after = retry_after(response)
    if after is not None:
        return after
    reset = response.headers.get("x-rate-limit-reset", "")
    if response.status_code == 429 and _whole_number(reset):
        return max(0.0, int(reset) - time.time())
    return backoff(attempt)


def _whole_number(value: str) -> bool:
    return value.isascii() and value.isdigit()


def _accepted(response: requests.Response, what: str) -> requests.Response:
    """A 2xx goes through; 429 and 5xx are worth retrying later; any other answer is X's final word."""
    status = response.status_code
    if 200 <= status < 300:
        return response
    said = f"{status} {_what_x_said(response)}"
    if status == 429:
        raise ChannelUnavailableError(f"X rate-limited the {what} ({said}); {_reset(response)}")
    if status >= 500:
        raise ChannelUnavailableError(f"X failed the {what} ({said})")
    explanation = {401: TOKEN_REFUSAL, 403: FORBIDDEN[what]}.get(status)
    raise ChannelRejectedError(f"X refused the {what} ({said})" + (f". {explanation}" if explanation else ""))


def _what_x_said(response: requests.Response) -> str:
    """X errors are problem documents {"title", "detail", "type"}, older ones {"errors": [{"message"}]} (§1.10)."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:300] or response.reason or ""
    if not isinstance(body, dict):
        return str(body)[:300]
    messages = [body.get("detail") or body.get("title") or ""]
    messages += [e.get("detail") or e.get("message") or "" for e in body.get("errors", []) if isinstance(e, dict)]
    return "; ".join(filter(None, messages)) or response.reason or ""


def _reset(response: requests.Response) -> str:
    reset = response.headers.get("x-rate-limit-reset", "")
    if not _whole_number(reset):
        return "X sent no x-rate-limit-reset"
    return f"x-rate-limit-reset {reset} ({datetime.fromtimestamp(int(reset), tz=UTC).isoformat()})"


def _created(response: requests.Response, field: str, what: str) -> str:
    try:
        return str(response.json()["data"][field])
    except (ValueError, KeyError, TypeError):
        # it may be posted: never retry blindly
        raise ChannelRejectedError(f"X answered {response.status_code} to the {what} without data.{field}; "
                                   "check on X before posting again") from None

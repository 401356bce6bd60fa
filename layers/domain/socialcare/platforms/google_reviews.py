"""Google Business Profile reviews (shared/platforms.md §3.1): polled, and answered with the review's one reply.

List: GET https://mybusiness.googleapis.com/v4/{accounts/*/locations/*}/reviews, newest update first (orderBy
"updateTime desc"), pageSize at most 50, pageToken. Reply: PUT .../{review name}/reply with {"comment"}. OAuth 2.0 with
the business.manage scope: an access token from the stored refresh token (google-auth), cached per process until it
is about to expire.

A review has no webhook here (the Pub/Sub notifications need a Google Cloud subscriber) and no id for its author: the
review itself is the author (one review per Google user per location), so an edit of the review joins its open case.
The mention id is the review id plus a digest of its stars and text: a re-poll of an unchanged review (its updateTime
moves when we reply) is a duplicate for ingest's dedupe, while an edit (new stars or text) is a new mention.
"""
from __future__ import annotations

import hashlib
import re
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, Literal
from urllib.parse import urlencode

import google.auth.exceptions
import google.auth.transport.requests
import google.oauth2.credentials
import requests
from aws_lambda_powertools import Logger
from pydantic import AwareDatetime, BaseModel, Field, ValidationError

from socialcare.config import settings
from socialcare.errors import ChannelRejectedError, ChannelUnavailableError
from socialcare.models import Author, Mention
from socialcare.platforms import own_channel_refusal
from socialcare.platforms.base import Platform, PostReceipt
from socialcare.platforms.outbound_http import CONNECT_TIMEOUT, READ_TIMEOUT, backoff, post_with_retries, retry_after
from socialcare.polling import PollResult, poll_each, poll_source
from socialcare.secrets import secret

logger = Logger()

API_URL = "https://mybusiness.googleapis.com/v4"
TOKEN_URI = "https://oauth2.googleapis.com/token"
SCOPES = ["https://www.googleapis.com/auth/business.manage"]
PAGE_SIZE = 50  # the most reviews.list returns in one page
MAX_REPLY_CHARACTERS = 4096
STARS = {"ONE": 1, "TWO": 2, "THREE": 3, "FOUR": 4, "FIVE": 5}
LOCATION = re.compile(r"^accounts/[^/\s]+/locations/[^/\s]+$")
REVIEW_NAME = re.compile(r"^accounts/[^/\s]+/locations/[^/\s]+/reviews/[^/\s]+$")
SOURCE_PREFIX = "google#"
ANONYMOUS = "Anonymous reviewer"
NO_OWN_CHANNEL = own_channel_refusal("google")
# Google puts its machine translation before the reviewer's words: "(Translated by Google) ...\n\n(Original)\n<text>"
_TRANSLATED = re.compile(r"^\(Translated by Google\).*?\n\(Original\)\n(?P<original>.*\S.*)$", re.DOTALL)
_SECRETS = ("GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET and GOOGLE_REFRESH_TOKEN (deployed: client_id, client_secret and "
            "refresh_token in the GoogleSecretName secret)")

Clock = Callable[[], float]
Sleep = Callable[[float], None]


class Reviewer(BaseModel):
    displayName: str = ""
    isAnonymous: bool = False


class Review(BaseModel):
    """The fields of the Review resource we read; every review Google shows has stars (STAR_RATING_UNSPECIFIED is a
    malformed review)."""

    name: str = Field(pattern=REVIEW_NAME.pattern)
    reviewId: str = Field(min_length=1)
    reviewer: Reviewer = Reviewer()
    starRating: Literal["ONE", "TWO", "THREE", "FOUR", "FIVE"]
    comment: str = ""
    createTime: AwareDatetime
    updateTime: AwareDatetime  # compared as a moment: Google writes 0, 3, 6 or 9 fractional digits


class ReviewsPage(BaseModel):
    reviews: list[Any] = []  # read one by one, so one odd review does not block the page
    nextPageToken: str | None = None


# -- OAuth -------------------------------------------------------------------------------------------------------------
class _TokenRequest(google.auth.transport.requests.Request):
    """google-auth's requests transport on our session, with our timeouts instead of its 120 seconds."""

    def __call__(self, url, method="GET", body=None, headers=None, timeout=(CONNECT_TIMEOUT, READ_TIMEOUT), **kwargs):
        return super().__call__(url, method=method, body=body, headers=headers, timeout=timeout, **kwargs)

    def __del__(self):
        """Leave the session open: it is the caller's (google-auth's Request closes it when collected)."""


_lock = threading.Lock()
_cached: tuple[tuple[str, str, str], google.oauth2.credentials.Credentials] | None = None


def access_token(session: requests.Session, *, renew: bool = False) -> str:
    """A current access token: the cached one while it is valid (google-auth counts it stale 225 seconds before it
    expires), else one refreshed from the stored refresh token. `renew` forces a refresh (Google refused the cached
    token). A changed secret starts over with the new one."""
    global _cached
    keys = (secret("GOOGLE_CLIENT_ID"), secret("GOOGLE_CLIENT_SECRET"), secret("GOOGLE_REFRESH_TOKEN"))
    with _lock:
        if _cached is None or _cached[0] != keys:
            client_id, client_secret, refresh_token = keys
            _cached = (keys, google.oauth2.credentials.Credentials(
                token=None, refresh_token=refresh_token, client_id=client_id, client_secret=client_secret,
                token_uri=TOKEN_URI, scopes=SCOPES))
        credentials = _cached[1]
        if renew or not credentials.valid:
            _refresh(credentials, session)
        return credentials.token


def forget_token() -> None:
    """Drop the cached token (tests; a rotated secret is noticed on its own)."""
    global _cached
    with _lock:
        _cached = None


def _refresh(credentials: google.oauth2.credentials.Credentials, session: requests.Session) -> None:
    try:
        credentials.refresh(_TokenRequest(session))
    except google.auth.exceptions.TransportError as error:
        raise ChannelUnavailableError(f"could not reach Google's token endpoint: {error}") from None
    except google.auth.exceptions.RefreshError as error:
        said = error.args[0] if error.args else type(error).__name__  # "invalid_grant: Token has been expired..."
        if error.retryable:  # 5xx, 429 or "temporarily_unavailable", after google-auth's own three attempts
            raise ChannelUnavailableError(f"Google's token endpoint failed: {said}") from None
        raise ChannelRejectedError(f"Google refused the refresh token ({said}); {_fix_for(error)}") from None


def _fix_for(error: google.auth.exceptions.RefreshError) -> str:
    """Which secret to fix, from the OAuth error code (RFC 6749 §5.2)."""
    response = error.args[1] if len(error.args) > 1 and isinstance(error.args[1], dict) else {}
    code = response.get("error", "")
    if code == "invalid_grant":
        return ("GOOGLE_REFRESH_TOKEN was revoked or has expired (an OAuth client whose consent screen is in "
                "'Testing' issues refresh tokens that last 7 days): grant a new one with the business.manage scope")
    if code in ("invalid_client", "unauthorized_client"):
        return ("GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET must be the OAuth client that GOOGLE_REFRESH_TOKEN was "
                "granted to")
    if code == "invalid_scope":
        return "GOOGLE_REFRESH_TOKEN must be granted the https://www.googleapis.com/auth/business.manage scope"
    return f"check {_SECRETS}"


# -- polling -----------------------------------------------------------------------------------------------------------
def reviews_page(location: str, since: str | None, next_token: str | None, *,
                 session: requests.Session | None = None, now: Clock = time.time,
                 sleep: Sleep = time.sleep) -> tuple[list[Mention], str | None, str | None]:
    """One page of a location's reviews, for polling.poll_source → (the reviews updated after `since`, the page's
    newest updateTime, the next page's token while every review of this page was new).

    `since` is the updateTime of the newest review already taken; None on the first poll of the location, when only
    reviews of the last POLL_LOOKBACK_MINUTES count (so deploying does not open a case for every old review).
    429/5xx (after a few quick retries) and network errors: ChannelUnavailableError; the cursor keeps its place and
    the next scheduled run asks again. 401/403/404 and other 4xx: ChannelRejectedError saying what to fix."""
    session = session or requests.Session()
    cutoff = (_moment(since) if since
              else datetime.fromtimestamp(now(), UTC) - timedelta(minutes=settings().poll_lookback_minutes))
    params = {"pageSize": PAGE_SIZE, "orderBy": "updateTime desc"}
    if next_token:
        params["pageToken"] = next_token
    response = _call(session, "GET", f"{API_URL}/{location}/reviews?{urlencode(params)}", None,
                     f"reviews list of {location}", sleep=sleep,
                     gone=f"Google has no location {location}: GOOGLE_REVIEW_LOCATIONS must name locations as "
                          "accounts/<account id>/locations/<location id>, of the account that granted "
                          "GOOGLE_REFRESH_TOKEN")
    try:
        page = ReviewsPage.model_validate(response.json())
    except (ValueError, ValidationError):
        raise ChannelUnavailableError(f"Google answered the reviews list of {location} with a body that is not a "
                                      "reviews page") from None
    reviews = [review for review in (_review(raw, location) for raw in page.reviews) if review is not None]
    fresh = [review for review in reviews if review.updateTime > cutoff]
    newest = _stamp(max(review.updateTime for review in reviews)) if reviews else None
    more = page.nextPageToken if len(fresh) == len(reviews) else None  # newest first: an older one ends the poll
    source = f"{SOURCE_PREFIX}{location}"
    return [_mention(review, location, source) for review in fresh], newest, more


def poll_google_reviews(max_pages: int = 5) -> dict[str, PollResult]:
    """What the scheduled function runs: each configured location (GOOGLE_REVIEW_LOCATIONS) polled as the source
    "google#<location>" from where its last poll stopped → {source: PollResult}; {} when none is configured.
    One failing location does not stop the others; PollFailedError after all ran names what failed."""
    locations = settings().google_review_locations
    for location in locations:
        if not LOCATION.match(location):
            raise ValueError(f"GOOGLE_REVIEW_LOCATIONS: {location!r} is not accounts/<account id>/locations/<location "
                             "id>; list the locations separated by commas")
    if not locations:
        logger.info("no Google review locations to poll: GOOGLE_REVIEW_LOCATIONS is empty")
        return {}
    sources = {f"{SOURCE_PREFIX}{location}": partial(reviews_page, location) for location in locations}
    return poll_each({source: partial(poll_source, source, fetch_page, max_pages=max_pages)
                      for source, fetch_page in sources.items()})


def _review(raw: object, location: str) -> Review | None:
    try:
        return Review.model_validate(raw)
    except ValidationError as error:
        problem = error.errors()[0]
        logger.warning("google review dropped", extra={
            "location": location, "review_id": str(raw.get("reviewId", "")) if isinstance(raw, dict) else "",
            "reason": f"{'.'.join(map(str, problem['loc']))}: {problem['msg']}"})
        return None


def _mention(review: Review, location: str, source: str) -> Mention:
    stars = STARS[review.starRating]
    comment = _original(review.comment).strip()
    digest = hashlib.sha256(f"{review.starRating}\n{comment}".encode()).hexdigest()[:12]
    reviewer = review.reviewer
    return Mention(
        platform="google", mention_id=f"{review.reviewId}-{digest}", kind="review",
        text=comment or f"{stars}-star review, no text",
        author=Author(id=review.name, name=ANONYMOUS if reviewer.isAnonymous else reviewer.displayName or ANONYMOUS),
        created_at=review.createTime.isoformat(), reply_to_id=review.name,
        extra={"surface": "google", "location": location, "star_rating": stars, "polled": source},
    )


def _original(comment: str) -> str:
    """The reviewer's own words when Google added its translation; else the comment as it is."""
    match = _TRANSLATED.match(comment)
    return match.group("original") if match else comment


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _moment(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


# -- HTTP --------------------------------------------------------------------------------------------------------------
def _call(session: requests.Session, method: str, url: str, body: dict | None, what: str, *, sleep: Sleep,
          gone: str) -> requests.Response:
    """The call with a Bearer token, retried on 429/5xx by outbound_http; once more with a new token when Google
    refuses the cached one (revoked early, or a clock out of step). The 2xx response, else the error it means."""
    for renew in (False, True):
        headers = {"Authorization": f"Bearer {access_token(session, renew=renew)}"}
        response = post_with_retries(session, url, body, headers, platform="Google", what=what,
                                     retry_wait=_retry_wait, sleep=sleep, method=method)
        if response.status_code != 401:
            break
    return _accepted(response, what, gone)


def _accepted(response: requests.Response, what: str, gone: str) -> requests.Response:
    status = response.status_code
    if 200 <= status < 300:
        return response
    said = f"{status} {_what_google_said(response)}".strip()
    if status == 429 or status >= 500:
        raise ChannelUnavailableError(f"Google failed the {what} ({said})")
    if status == 401:
        raise ChannelRejectedError(f"Google refused the access token for the {what} ({said}); GOOGLE_REFRESH_TOKEN "
                                   "must be granted the https://www.googleapis.com/auth/business.manage scope")
    if status == 403:
        raise ChannelRejectedError(
            f"Google refused the {what} ({said}); the Google account that granted GOOGLE_REFRESH_TOKEN must be an "
            "owner or manager of the location, the location must be verified, and the Google Cloud project of "
            "GOOGLE_CLIENT_ID must have the Google My Business API enabled (and its access approved)")
    if status == 404:
        raise ChannelRejectedError(f"{gone} ({said})")
    raise ChannelRejectedError(f"Google refused the {what} ({said})")


def _what_google_said(response: requests.Response) -> str:
    """Google's error body: {"error": {"code", "message", "status"}}."""
    try:
        error = response.json()["error"]
        return f"{error.get('status', '')}: {error.get('message', '')}".strip(": ")
    except (ValueError, KeyError, TypeError, AttributeError):
        return response.reason or ""


def _retry_wait(response: requests.Response, attempt: int) -> float:
    after = retry_after(response)
    return after if after is not None else backoff(attempt)


class GoogleReviewsPlatform(Platform):
    """Outbound only: Google reviews are polled (poll_google_reviews), never delivered to a webhook."""

    name = "google"

    def __init__(self, session: requests.Session | None = None, sleep: Sleep = time.sleep):
        self.session = session or requests.Session()
        self.sleep = sleep

    def post_reply(self, reply_to_id: str, text: str, idempotency_key: str, surface: str = "") -> PostReceipt:
        """PUT {review name}/reply {"comment": text} → 200 ReviewReply {comment, updateTime}.

        A review has ONE reply: a second PUT replaces the first, so the public follow-up replaces the acknowledgement
        (and a retried step puts the same reply again rather than posting twice)."""
        if not REVIEW_NAME.match(reply_to_id):
            raise ChannelRejectedError(f"{reply_to_id!r} is not a Google review (accounts/<account id>/locations/"
                                       "<location id>/reviews/<review id>)")
        if len(text) > MAX_REPLY_CHARACTERS:
            raise ChannelRejectedError(f"a review reply takes at most {MAX_REPLY_CHARACTERS} characters; this one "
                                       f"has {len(text)}")
        _call(self.session, "PUT", f"{API_URL}/{reply_to_id}/reply", {"comment": text}, "review reply",
              sleep=self.sleep, gone="the review is gone (deleted by its author?): there is nothing to reply to")
        return PostReceipt(platform_post_id=f"{reply_to_id}/reply")

    def send_private(self, author_id: str, text: str, idempotency_key: str, human_agent: bool = False) -> PostReceipt:
        raise ChannelRejectedError("Google reviews have no private messages: answer on the review, or reach the "
                                   "reviewer by a contact they give you")

    def post_status(self, text: str, idempotency_key: str) -> PostReceipt:
        raise ChannelRejectedError(NO_OWN_CHANNEL)

    def verify(self, headers: dict[str, str], raw_body: bytes) -> None:
        raise ChannelRejectedError("Google reviews are polled, not delivered to a webhook")

    def parse(self, raw_body: bytes) -> list[Mention]:
        raise ChannelRejectedError("Google reviews are polled, not delivered to a webhook")

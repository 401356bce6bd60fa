"""Google Business Profile reviews (shared/platforms.md §3.1): polled, and answered with the review's one reply.

List: GET https://mybusiness.googleapis.com/v4/{accounts/*/locations/*}/reviews, newest update first (orderBy
"updateTime desc"), pageSize at most 50, pageToken. Reply: PUT .../{review name}/reply with {"comment"}; a review
has ONE reply, so a second PUT replaces the first (the public follow-up replaces the acknowledgement). OAuth 2.0
with the business.manage scope: an access token from a stored refresh token (google-auth), cached per process.

A review has no webhook here and no id for its author: the review itself is the author (one review per Google user
per location), so an edit of the review joins its open case. The mention id is the review id plus a digest of its
stars and text: a re-poll of an unchanged review (its updateTime moves when we reply) is a duplicate, an edit is new.
"""
from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial

import google.auth.exceptions
import google.auth.transport.requests
import google.oauth2.credentials
import requests
from aws_lambda_powertools import Logger
from pydantic import BaseModel, Field, ValidationError

from socialcare.config import settings
from socialcare.errors import ChannelRejectedError, ChannelUnavailableError, PollFailedError
from socialcare.models import Author, Mention
from socialcare.platforms.base import Platform, PostReceipt
from socialcare.platforms.outbound_http import ATTEMPTS, CONNECT_TIMEOUT, READ_TIMEOUT, RETRY_STATUSES, backoff
from socialcare.polling import PollResult, poll_source
from socialcare.secrets import secret

logger = Logger()

API_URL = "https://mybusiness.googleapis.com/v4"
TOKEN_URI = "https://oauth2.googleapis.com/token"
SCOPES = ["https://www.googleapis.com/auth/business.manage"]
PAGE_SIZE = 50
MAX_REPLY_CHARACTERS = 4096
STARS = {"ONE": 1, "TWO": 2, "THREE": 3, "FOUR": 4, "FIVE": 5}
LOCATION = re.compile(r"^accounts/[^/\s]+/locations/[^/\s]+$")
# Google appends a machine translation to some comments: "(Translated by Google) ...\n\n(Original)\n<text>"
_TRANSLATED = re.compile(r"^\(Translated by Google\).*?\n\(Original\)\n(?P<original>.+)$", re.DOTALL)
SOURCE_PREFIX = "google#"


class Reviewer(BaseModel):
    displayName: str = ""
    isAnonymous: bool = False


class Review(BaseModel):
    name: str = Field(pattern=r"^accounts/[^/]+/locations/[^/]+/reviews/[^/]+$")
    reviewId: str = Field(min_length=1)
    reviewer: Reviewer = Reviewer()
    starRating: str = "STAR_RATING_UNSPECIFIED"
    comment: str = ""
    createTime: datetime
    updateTime: datetime


class ReviewsPage(BaseModel):
    reviews: list[dict] = []  # read one by one, so one odd review does not block the page
    nextPageToken: str | None = None


# -- OAuth -------------------------------------------------------------------------------------------------------------
_credentials: google.oauth2.credentials.Credentials | None = None


def access_token(session: requests.Session) -> str:
    """A current access token, refreshed from the stored refresh token when it is missing or about to expire."""
    global _credentials
    if _credentials is None or _credentials.refresh_token != secret("GOOGLE_REFRESH_TOKEN"):
        _credentials = google.oauth2.credentials.Credentials(
            token=None, refresh_token=secret("GOOGLE_REFRESH_TOKEN"), token_uri=TOKEN_URI,
            client_id=secret("GOOGLE_CLIENT_ID"), client_secret=secret("GOOGLE_CLIENT_SECRET"), scopes=SCOPES)
    if not _credentials.valid:
        try:
            _credentials.refresh(google.auth.transport.requests.Request(session))
        except google.auth.exceptions.TransportError as error:
            raise ChannelUnavailableError(f"Google's token endpoint unreachable: {error}") from None
        except google.auth.exceptions.RefreshError as error:
            raise ChannelRejectedError(
                f"Google refused the refresh token ({error}); GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET and "
                "GOOGLE_REFRESH_TOKEN must be an OAuth client and a refresh token granted the business.manage "
                "scope") from None
    return _credentials.token


def forget_token() -> None:
    """Drop the cached token (tests; a rotated secret is noticed on its own)."""
    global _credentials
    _credentials = None


# -- polling -------------------------------------------------------------------------------------------------------
def reviews_page(location: str, since: str | None, next_token: str | None, *,
                 session: requests.Session | None = None,
                 now: Callable[[], float] = time.time) -> tuple[list[Mention], str | None, str | None]:
    """One page of a location's reviews for polling.poll_source → (mentions updated after `since`, the page's newest
    updateTime, the next page's token while every review of this page was new). `since` is None on the first poll:
    then only reviews of the last POLL_LOOKBACK_MINUTES count."""
    session = session or requests.Session()
    cutoff = (_parse(since) if since
              else datetime.fromtimestamp(now(), UTC) - timedelta(minutes=settings().poll_lookback_minutes))
    params = {"pageSize": PAGE_SIZE, "orderBy": "updateTime desc"}
    if next_token:
        params["pageToken"] = next_token
    response = _call(session, "GET", f"{API_URL}/{location}/reviews", "reviews list", params=params)
    try:
        page = ReviewsPage.model_validate(response.json())
    except (ValueError, ValidationError):
        raise ChannelUnavailableError(f"Google answered the reviews list of {location} unreadably") from None
    source = f"{SOURCE_PREFIX}{location}"
    reviews = [r for r in (_review(raw, location) for raw in page.reviews) if r is not None]
    fresh = [r for r in reviews if r.updateTime > cutoff]
    newest = _stamp(reviews[0].updateTime) if reviews else None
    more = page.nextPageToken if len(fresh) == len(reviews) else None  # an older review: the rest are older
    return [_mention(r, location, source) for r in fresh], newest, more


def poll_google_reviews(max_pages: int = 5) -> dict[str, PollResult]:
    """What the scheduled function runs: each configured location from where its last poll stopped. One failing
    location does not stop the others; PollFailedError after all ran names what failed."""
    locations = settings().google_review_locations
    for location in locations:
        if not LOCATION.match(location):
            raise ValueError(f"GOOGLE_REVIEW_LOCATIONS: {location!r} is not accounts/<account id>/locations/<id>")
    if not locations:
        logger.info("no Google review locations configured (GOOGLE_REVIEW_LOCATIONS)")
        return {}
    results, failures = {}, []
    for location in locations:
        source = f"{SOURCE_PREFIX}{location}"
        try:
            results[source] = poll_source(source, partial(reviews_page, location), max_pages=max_pages)
        except (ChannelUnavailableError, ChannelRejectedError) as error:
            logger.warning("google reviews poll failed", extra={"location": location, "reason": str(error)})
            failures.append(f"{location}: {error}")
    if failures:
        raise PollFailedError("; ".join(failures))
    return results


def _review(raw: dict, location: str) -> Review | None:
    try:
        return Review.model_validate(raw)
    except ValidationError as error:
        logger.warning("google review dropped", extra={"location": location, "id": str(raw.get("reviewId", "")),
                                                       "reason": str(error.errors()[0]["msg"])})
        return None


def _mention(review: Review, location: str, source: str) -> Mention:
    stars = STARS.get(review.starRating, 0)
    comment = _original(review.comment).strip()
    digest = hashlib.sha256(f"{review.starRating}\n{comment}".encode()).hexdigest()[:12]
    return Mention(
        platform="google", mention_id=f"{review.reviewId}-{digest}", kind="review",
        text=comment or f"{stars}-star review, no text",
        author=Author(id=review.name, name="Anonymous reviewer" if review.reviewer.isAnonymous
                      else review.reviewer.displayName),
        created_at=review.createTime.isoformat(), reply_to_id=review.name,
        extra={"surface": "google", "location": location, "star_rating": stars, "polled": source},
    )


def _original(comment: str) -> str:
    match = _TRANSLATED.match(comment)
    return match.group("original") if match else comment


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


# -- HTTP -----------------------------------------------------------------------------------------------------------
def _call(session: requests.Session, method: str, url: str, what: str, *, params: dict | None = None,
          body: dict | None = None, sleep: Callable[[float], None] = time.sleep) -> requests.Response:
    """Retry 429/5xx a few times with backoff; then ChannelUnavailableError. Other 4xx: ChannelRejectedError."""
    for attempt in range(1, ATTEMPTS + 1):
        headers = {"Authorization": f"Bearer {access_token(session)}"}
        try:
            response = session.request(method, url, params=params, json=body, headers=headers,
                                       timeout=(CONNECT_TIMEOUT, READ_TIMEOUT))
        except requests.Timeout:
            raise ChannelUnavailableError(f"Google did not answer the {what} in time") from None
        except requests.RequestException as error:
            raise ChannelUnavailableError(f"could not reach Google for the {what}: {type(error).__name__}") from None
        status = response.status_code
        if 200 <= status < 300:
            return response
        said = f"{status} {_what_google_said(response)}"
        if status in RETRY_STATUSES:
            if attempt < ATTEMPTS:
                sleep(backoff(attempt))
                continue
            raise ChannelUnavailableError(f"Google failed the {what} ({said})")
        if status == 401 or status == 403:
            raise ChannelRejectedError(f"Google refused the {what} ({said}); the refresh token's account must manage "
                                       "the location, with the business.manage scope")
        if status == 404:
            raise ChannelRejectedError(f"Google has no such review or location for the {what} ({said}); the review "
                                       "may have been deleted by its author")
        raise ChannelRejectedError(f"Google refused the {what} ({said})")
    raise AssertionError("unreachable")


def _what_google_said(response: requests.Response) -> str:
    try:
        error = response.json().get("error", {})
        return f"{error.get('status', '')}: {error.get('message', '')}".strip(": ") or response.reason or ""
    except (ValueError, AttributeError):
        return response.reason or ""


class GoogleReviewsPlatform(Platform):
    """Outbound only: Google reviews are polled, never delivered to a webhook."""

    name = "google"

    def __init__(self, session: requests.Session | None = None, sleep: Callable[[float], None] = time.sleep):
        self.session = session or requests.Session()
        self.sleep = sleep

    def post_reply(self, reply_to_id: str, text: str, idempotency_key: str, surface: str = "") -> PostReceipt:
        """PUT {review name}/reply {"comment"} → 200 ReviewReply. Replaces any earlier reply (one per review)."""
        if len(text) > MAX_REPLY_CHARACTERS:
            raise ChannelRejectedError(f"a review reply takes at most {MAX_REPLY_CHARACTERS} characters; this one "
                                       f"has {len(text)}")
        _call(self.session, "PUT", f"{API_URL}/{reply_to_id}/reply", "review reply", body={"comment": text},
              sleep=self.sleep)
        return PostReceipt(platform_post_id=f"{reply_to_id}/reply")

    def send_private(self, author_id: str, text: str, idempotency_key: str) -> PostReceipt:
        raise ChannelRejectedError("Google reviews have no private messages: reach the reviewer through the reply, "
                                   "or by the contact they give you")

    def verify(self, headers: dict[str, str], raw_body: bytes) -> None:
        raise ChannelRejectedError("Google reviews are polled, not delivered to a webhook")

    def parse(self, raw_body: bytes) -> list[Mention]:
        raise ChannelRejectedError("Google reviews are polled, not delivered to a webhook")

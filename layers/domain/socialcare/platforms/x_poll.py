"""X: polling the brand's mentions timeline, GET /2/users/:id/mentions (shared/platforms.md §1.9, §1.10).

One call is one page: newest first, meta {newest_id, oldest_id, result_count, next_token}. polling.poll_source
keeps since_id and the next_token between pages and runs; this module only fetches and reads one page.
"""
from __future__ import annotations

import time
from collections.abc import Callable

import requests
from aws_lambda_powertools import Logger
from pydantic import BaseModel

from socialcare.config import settings
from socialcare.errors import ChannelRejectedError, ChannelUnavailableError, InvalidMentionError
from socialcare.models import Mention
from socialcare.platforms.x import (
    API_URL,
    V2Includes,
    V2Post,
    XPlatform,
    _read,
    _reset,
    _what_x_said,
    _whole_number,
)
from socialcare.polling import PollResult, poll_source
from socialcare.secrets import secret

logger = Logger()

X_MENTIONS_SOURCE = "x#mentions"
MAX_RESULTS = 100
TWEET_FIELDS = "author_id,created_at,in_reply_to_user_id,referenced_tweets,entities,note_tweet"  # note_tweet: posts over 280 characters
EXPANSIONS = "author_id"
USER_FIELDS = "public_metrics,username,name"
TIMEOUT_SECONDS = 10
MAX_RATE_LIMIT_WAIT_SECONDS = 10.0
RATE_LIMIT_RETRIES = 2  # waits for x-rate-limit-reset at most this often in one call


class PolledPost(V2Post):
    in_reply_to_user_id: str | None = None


class MentionsMeta(BaseModel):
    newest_id: str | None = None
    next_token: str | None = None


class MentionsPage(BaseModel):
    data: list[dict] = []  # read one by one, so one odd post does not block the timeline
    includes: V2Includes = V2Includes()
    meta: MentionsMeta = MentionsMeta()


def mentions_timeline_page(since_id: str | None, next_token: str | None, *,
                           session: requests.Session | None = None,
                           sleep: Callable[[float], None] = time.sleep,
                           now: Callable[[], float] = time.time,
                           max_wait: float = MAX_RATE_LIMIT_WAIT_SECONDS,
                           ) -> tuple[list[Mention], str | None, str | None]:
    """One page of the brand's mentions timeline → (mentions, meta.newest_id, meta.next_token).

    429: wait until x-rate-limit-reset when that is at most `max_wait` seconds away, else ChannelUnavailableError
    (the cursor stays; the next scheduled run resumes). 5xx and network errors: ChannelUnavailableError. Any other
    4xx: ChannelRejectedError."""
    brand = settings().x_brand_user_id
    if not brand:
        raise ChannelRejectedError("set X_BRAND_USER_ID to poll the brand's X mentions")
    params = {"max_results": MAX_RESULTS, "tweet.fields": TWEET_FIELDS, "expansions": EXPANSIONS,
              "user.fields": USER_FIELDS}
    if since_id:
        params["since_id"] = since_id
    if next_token:
        params["pagination_token"] = next_token
    response = _get(session or requests.Session(), f"{API_URL}/users/{brand}/mentions", params,
                    sleep=sleep, now=now, max_wait=max_wait)
    try:
        body = response.json()
    except ValueError:
        raise ChannelUnavailableError(f"X answered {response.status_code} with a body that is not JSON") from None
    page = _read(MentionsPage, body, "")
    return _mentions(page, brand), page.meta.newest_id, page.meta.next_token


def poll_x_mentions(max_pages: int = 10) -> PollResult:
    """What a scheduled function runs: poll the brand's mentions timeline from where the last run stopped."""
    return poll_source(X_MENTIONS_SOURCE, mentions_timeline_page, max_pages=max_pages)


def _get(session: requests.Session, url: str, params: dict, *, sleep: Callable[[float], None],
         now: Callable[[], float], max_wait: float) -> requests.Response:
    headers = {"Authorization": f"Bearer {secret('X_BEARER_TOKEN')}"}
    for attempt in range(RATE_LIMIT_RETRIES + 1):
        try:
            response = session.get(url, params=params, headers=headers, timeout=TIMEOUT_SECONDS)
        except requests.RequestException as error:
            raise ChannelUnavailableError(f"X mentions timeline unreachable: {type(error).__name__}") from None
        status = response.status_code
        if 200 <= status < 300:
            return response
        said = f"{status} {_what_x_said(response)}"
        if status == 429:
            wait = _until_reset(response, now)
            if wait is not None and wait <= max_wait and attempt < RATE_LIMIT_RETRIES:
                logger.info("x rate limit: waiting for the reset", extra={"seconds": wait})
                sleep(wait)
                continue
            raise ChannelUnavailableError(f"X rate-limited the mentions timeline ({said}); {_reset(response)}")
        if status >= 500:
            raise ChannelUnavailableError(f"X failed the mentions timeline ({said})")
        raise ChannelRejectedError(f"X refused the mentions timeline ({said}); X_BEARER_TOKEN and X_BRAND_USER_ID "
                                   "must be an app bearer token and the brand's numeric user id")
    raise AssertionError("unreachable")


def _until_reset(response: requests.Response, now: Callable[[], float]) -> float | None:
    reset = response.headers.get("x-rate-limit-reset", "")
    return max(0.0, int(reset) - now()) if _whole_number(reset) else None


def _mentions(page: MentionsPage, brand: str) -> list[Mention]:
    """Each post through XPlatform's v2 reading (drops the brand's own posts and reposts); a reply to the brand is
    a reply, anything else in the timeline names the brand: a mention."""
    platform = XPlatform()
    users = {user.id: user for user in page.includes.users}
    extra = {"for_user_id": brand, "polled": X_MENTIONS_SOURCE}
    mentions: list[Mention] = []
    for raw in page.data:
        try:
            post = _read(PolledPost, raw, "data")
        except InvalidMentionError as error:
            logger.warning("x polled post dropped", extra={"reason": str(error), "id": str(raw.get("id", ""))})
            continue
        kind = "reply" if post.in_reply_to_user_id == brand else "mention"
        mentions += platform._v2_post(post, kind, users.get(post.author_id), {brand}, extra, delivery_id="")
    return mentions

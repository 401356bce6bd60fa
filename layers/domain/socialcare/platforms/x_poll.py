"""X: polling for accounts without webhook access (shared/platforms.md §1.9, §1.10): the brand's mentions timeline,
GET /2/users/:id/mentions, and recent search, GET /2/tweets/search/recent, for the brand's handle, hashtags and
keywords (X_BRAND_HANDLE, X_SEARCH_TERMS).

One call is one page: newest first, meta {newest_id, oldest_id, result_count, next_token}. polling.poll_source
keeps since_id and the next_token between pages and runs; this module only fetches and reads one page. The first
poll of a source (no since_id yet) takes only posts of the last POLL_LOOKBACK_MINUTES, so turning polling on does not
open a case for every mention of the past week.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial

import requests
from aws_lambda_powertools import Logger
from pydantic import BaseModel

from socialcare.config import settings
from socialcare.errors import ChannelRejectedError, ChannelUnavailableError, InvalidMentionError, PollFailedError
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
from socialcare.polling import PollResult, poll_each, poll_source
from socialcare.secrets import secret

logger = Logger()

X_MENTIONS_SOURCE = "x#mentions"
X_SEARCH_SOURCE = "x#search"
MAX_RESULTS = 100
MAX_QUERY_LENGTH = 512  # recent search on self-serve plans (§1.9)
TWEET_FIELDS = "author_id,created_at,in_reply_to_user_id,referenced_tweets,entities,note_tweet,public_metrics"  # note_tweet: posts over 280 characters
EXPANSIONS = "author_id"
SEARCH_EXPANSIONS = "author_id,referenced_tweets.id"  # the quoted post, to tell a quote of the brand's post
USER_FIELDS = "public_metrics,username,name"
TIMEOUT_SECONDS = 10
MAX_RATE_LIMIT_WAIT_SECONDS = 10.0
RATE_LIMIT_RETRIES = 2  # waits for x-rate-limit-reset at most this often in one call

Clock = Callable[[], float]
KindOf = Callable[["PolledPost", dict[str, str]], str]  # (post, authors of the posts it references) -> its kind


class PolledMention(BaseModel):
    username: str = ""
    id: str = ""


class PolledHashtag(BaseModel):
    tag: str = ""


class PolledEntities(BaseModel):
    mentions: list[PolledMention] = []
    hashtags: list[PolledHashtag] = []


class PolledPost(V2Post):
    in_reply_to_user_id: str | None = None
    entities: PolledEntities = PolledEntities()


class ReferencedPost(BaseModel):
    id: str
    author_id: str = ""


class PolledIncludes(V2Includes):
    tweets: list[ReferencedPost] = []


class PageMeta(BaseModel):
    newest_id: str | None = None
    next_token: str | None = None


class PostsPage(BaseModel):
    data: list[dict] = []  # read one by one, so one odd post does not block the timeline
    includes: PolledIncludes = PolledIncludes()
    meta: PageMeta = PageMeta()


def mentions_timeline_page(since_id: str | None, next_token: str | None, *,
                           session: requests.Session | None = None,
                           sleep: Callable[[float], None] = time.sleep, now: Clock = time.time,
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
    if next_token:
        params["pagination_token"] = next_token
    return _page(f"{API_URL}/users/{brand}/mentions", params, since_id, next_token, "mentions timeline",
                 partial(_timeline_kind, brand=brand), X_MENTIONS_SOURCE,
                 session=session, sleep=sleep, now=now, max_wait=max_wait)


def recent_search_page(since_id: str | None, next_token: str | None, *,
                       session: requests.Session | None = None,
                       sleep: Callable[[float], None] = time.sleep, now: Clock = time.time,
                       max_wait: float = MAX_RATE_LIMIT_WAIT_SECONDS,
                       ) -> tuple[list[Mention], str | None, str | None]:
    """One page of recent search for the brand's handle, hashtags and keywords → (mentions, newest_id, next_token).
    Errors as mentions_timeline_page."""
    query = search_query()
    if query is None:
        raise ChannelRejectedError("set X_BRAND_HANDLE or X_SEARCH_TERMS to search X for the brand")
    params = {"query": query, "max_results": MAX_RESULTS, "tweet.fields": TWEET_FIELDS,
              "expansions": SEARCH_EXPANSIONS, "user.fields": USER_FIELDS}
    if next_token:
        params["next_token"] = next_token
    config = settings()
    kind_of = partial(_search_kind, brand=config.x_brand_user_id, handle=config.x_brand_handle,
                      hashtags=_hashtags(config.x_search_terms))
    return _page(f"{API_URL}/tweets/search/recent", params, since_id, next_token, "recent search", kind_of,
                 X_SEARCH_SOURCE, session=session, sleep=sleep, now=now, max_wait=max_wait)


def search_query() -> str | None:
    """`(@handle OR #hashtag OR keyword OR "two words") -is:retweet -from:handle` from the configuration; None when
    nothing is configured. ValueError when X would refuse it (quotes inside a term, longer than 512 characters)."""
    config = settings()
    terms = [f"@{config.x_brand_handle}"] if config.x_brand_handle else []
    for term in config.x_search_terms:
        if '"' in term or "(" in term or ")" in term:
            raise ValueError(f"X_SEARCH_TERMS: {term!r} may not contain quotes or parentheses; list plain "
                             "hashtags and keywords, separated by commas")
        terms.append(f'"{term}"' if " " in term else term)
    if not terms:
        return None
    query = f"({' OR '.join(terms)}) -is:retweet"
    if config.x_brand_handle:
        query += f" -from:{config.x_brand_handle}"
    if len(query) > MAX_QUERY_LENGTH:
        raise ValueError(f"X_BRAND_HANDLE and X_SEARCH_TERMS make a search query of {len(query)} characters; X "
                         f"allows {MAX_QUERY_LENGTH}: list fewer terms")
    return query


def poll_x(max_pages: int = 5) -> dict[str, PollResult]:
    """What the scheduled function runs: each configured source from where its last run stopped. One failing source
    does not stop the other; PollFailedError after both ran names what failed (its cursor kept its place)."""
    sources = {X_MENTIONS_SOURCE: poll_x_mentions} if settings().x_brand_user_id else {}
    if search_query() is not None:
        sources[X_SEARCH_SOURCE] = poll_x_search
    if not sources:
        raise PollFailedError("nothing to poll on X: set X_BRAND_USER_ID (the mentions timeline) and/or "
                              "X_BRAND_HANDLE / X_SEARCH_TERMS (recent search)")
    return poll_each({source: partial(poll, max_pages=max_pages) for source, poll in sources.items()})


def poll_x_mentions(max_pages: int = 10) -> PollResult:
    """The brand's mentions timeline from where the last run stopped."""
    return poll_source(X_MENTIONS_SOURCE, mentions_timeline_page, max_pages=max_pages)


def poll_x_search(max_pages: int = 10) -> PollResult:
    """Recent search for the handle and terms from where the last run stopped."""
    return poll_source(X_SEARCH_SOURCE, recent_search_page, max_pages=max_pages)


def _page(url: str, params: dict, since_id: str | None, next_token: str | None, what: str,
          kind_of: KindOf, source: str, *,
          session: requests.Session | None, sleep: Callable[[float], None], now: Clock,
          max_wait: float) -> tuple[list[Mention], str | None, str | None]:
    if since_id:
        params["since_id"] = since_id
    response = _get(session or requests.Session(), url, params, what, sleep=sleep, now=now, max_wait=max_wait)
    try:
        body = response.json()
    except ValueError:
        raise ChannelUnavailableError(f"X answered {response.status_code} with a body that is not JSON") from None
    page = _read(PostsPage, body, "")
    mentions = _mentions(page, kind_of, source)
    if since_id is None:  # the first poll of this source: only what is recent, and no older pages
        cutoff = datetime.fromtimestamp(now(), UTC) - timedelta(minutes=settings().poll_lookback_minutes)
        recent = [m for m in mentions if datetime.fromisoformat(m.created_at) >= cutoff]
        return recent, page.meta.newest_id, None if _any_older(page, cutoff) else page.meta.next_token
    return mentions, page.meta.newest_id, page.meta.next_token


def _any_older(page: PostsPage, cutoff: datetime) -> bool:
    """Whether any post of the page (the dropped ones too) is older than the cutoff: the pages after it are older
    still."""
    for raw in page.data:
        try:
            if datetime.fromisoformat(str(raw.get("created_at", "")).replace("Z", "+00:00")) < cutoff:
                return True
        except ValueError:
            continue
    return False


def _get(session: requests.Session, url: str, params: dict, what: str, *, sleep: Callable[[float], None],
         now: Clock, max_wait: float) -> requests.Response:
    headers = {"Authorization": f"Bearer {secret('X_BEARER_TOKEN')}"}
    for attempt in range(RATE_LIMIT_RETRIES + 1):
        try:
            response = session.get(url, params=params, headers=headers, timeout=TIMEOUT_SECONDS)
        except requests.RequestException as error:
            raise ChannelUnavailableError(f"X {what} unreachable: {type(error).__name__}") from None
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
            raise ChannelUnavailableError(f"X rate-limited the {what} ({said}); {_reset(response)}")
        if status >= 500:
            raise ChannelUnavailableError(f"X failed the {what} ({said})")
        raise ChannelRejectedError(f"X refused the {what} ({said}); X_BEARER_TOKEN must be an app bearer token, "
                                   "X_BRAND_USER_ID the brand's numeric user id and X_SEARCH_TERMS valid terms")
    raise AssertionError("unreachable")


def _until_reset(response: requests.Response, now: Clock) -> float | None:
    reset = response.headers.get("x-rate-limit-reset", "")
    return max(0.0, int(reset) - now()) if _whole_number(reset) else None


def _mentions(page: PostsPage, kind_of: KindOf,
              source: str) -> list[Mention]:
    """Each post through XPlatform's v2 reading (drops the brand's own posts and reposts), of the kind `kind_of`
    says."""
    platform = XPlatform()
    brand = settings().x_brand_user_id
    users = {user.id: user for user in page.includes.users}
    quoted_authors = {post.id: post.author_id for post in page.includes.tweets}
    extra = {"for_user_id": brand, "polled": source}
    mentions: list[Mention] = []
    for raw in page.data:
        try:
            post = _read(PolledPost, raw, "data")
        except InvalidMentionError as error:
            logger.warning("x polled post dropped", extra={"reason": str(error), "id": str(raw.get("id", ""))})
            continue
        mentions += platform._v2_post(post, kind_of(post, quoted_authors), users.get(post.author_id),
                                      {brand} - {""}, extra, delivery_id="")
    return mentions


def _timeline_kind(post: PolledPost, quoted_authors: dict[str, str], *, brand: str) -> str:
    """In the mentions timeline a reply to the brand is a reply; anything else there names the brand: a mention."""
    return "reply" if post.in_reply_to_user_id == brand else "mention"


def _search_kind(post: PolledPost, quoted_authors: dict[str, str], *, brand: str, handle: str,
                 hashtags: set[str]) -> str:
    """The rules of §1.6 for a search hit: a reply to the brand, an @mention of it, a quote of its post, one of its
    hashtags; else a keyword match."""
    if brand and post.in_reply_to_user_id == brand:
        return "reply"
    if any((brand and m.id == brand) or (handle and m.username.lower() == handle.lower())
           for m in post.entities.mentions):
        return "mention"
    if brand and any(r.type == "quoted" and quoted_authors.get(r.id) == brand for r in post.referenced_tweets):
        return "quote"
    if any(h.tag.lower() in hashtags for h in post.entities.hashtags):
        return "hashtag"
    return "keyword"


def _hashtags(terms: tuple[str, ...]) -> set[str]:
    return {term[1:].lower() for term in terms if term.startswith("#")}

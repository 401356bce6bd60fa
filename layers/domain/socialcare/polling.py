"""Polling a platform for mentions, for sources without webhooks or as a safety net behind them.

The pattern of shared/platforms.md §1.9: since_id = the newest id of the FIRST page of the previous poll; while a
poll paginates it keeps the same since_id and follows next_token. Each page is enqueued BEFORE the cursor moves past
it, so a crash re-fetches that page on the next run: nothing is lost, and ingest's dedupe drops the doubles.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aws_lambda_powertools import Logger

from socialcare import queue
from socialcare.errors import ChannelRejectedError, ChannelUnavailableError, PollFailedError
from socialcare.models import Mention
from socialcare.storage.cursors import PollCursor, PollCursorsRepository

logger = Logger()

# (since_id, next_token) -> (mentions, newest_id of this page, next_token of the page after it)
FetchPage = Callable[[str | None, str | None], tuple[list[Mention], str | None, str | None]]


@dataclass(frozen=True)
class PollResult:
    enqueued: int
    pages: int
    done: bool  # False: max_pages was reached mid-pagination; the next run resumes at the saved next_token


def poll_each(polls: dict[str, Callable[[], PollResult]]) -> dict[str, PollResult]:
    """Poll every source, one failing not stopping the others; then PollFailedError names each that failed (its
    cursor kept its place), so the run fails and its alarm tells the operations topic."""
    results, failures = {}, []
    for source, poll in polls.items():
        try:
            results[source] = poll()
        except (ChannelUnavailableError, ChannelRejectedError) as error:
            logger.warning("poll failed", extra={"source": source, "reason": str(error)})
            failures.append(f"{source}: {error}")
    if failures:
        raise PollFailedError("; ".join(failures))
    return results


def poll_source(source: str, fetch_page: FetchPage, max_pages: int = 10,
                cursors: PollCursorsRepository | None = None) -> PollResult:
    cursors = cursors or PollCursorsRepository()
    cursor = cursors.load(source)
    since_id, token, pending = cursor.since_id, cursor.next_token, cursor.pending_newest_id
    enqueued = pages = 0
    while pages < max_pages:
        mentions, newest_id, next_token = fetch_page(since_id, token)
        pages += 1
        if token is None:  # the first page of a new poll: its newest id becomes since_id once the poll is done
            pending = newest_id
        if mentions:
            enqueued += queue.enqueue(mentions)
        if next_token:
            token = next_token
            cursors.save(PollCursor(source, since_id, token, pending))
            continue
        cursors.save(PollCursor(source, pending or since_id))
        logger.info("poll done", extra={"source": source, "pages": pages, "enqueued": enqueued,
                                        "since_id": pending or since_id})
        return PollResult(enqueued, pages, done=True)
    logger.info("poll paused mid-pagination", extra={"source": source, "pages": pages, "enqueued": enqueued})
    return PollResult(enqueued, pages, done=False)

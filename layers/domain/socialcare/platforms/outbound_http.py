"""The outbound HTTP the platform adapters share: a POST (or a PUT or GET, by `method`) retried on 429/5xx while the
wait is short and the time budget lasts. A longer wait (a rate-limit window lasts minutes) is the state machine's to
make: it retries ChannelUnavailableError with its own backoff."""
from __future__ import annotations

import time
from collections.abc import Callable

import requests

from socialcare.errors import ChannelUnavailableError

CONNECT_TIMEOUT, READ_TIMEOUT = 3.05, 10.0
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
ATTEMPTS = 3
BACKOFF_SECONDS = 0.5
MAX_WAIT_SECONDS = 4.0
# Retries fit inside the time one slow attempt may take, so a call never outlasts the posting functions' timeout.
BUDGET_SECONDS = CONNECT_TIMEOUT + READ_TIMEOUT
MIN_RETRY_READ_SECONDS = 2.0


def backoff(attempt: int) -> float:
    return BACKOFF_SECONDS * 2 ** (attempt - 1)


def retry_after(response: requests.Response) -> float | None:
    """The Retry-After header in seconds, when the platform sent one."""
    value = response.headers.get("retry-after", "")
    return float(value) if value.isascii() and value.isdigit() else None


def post_with_retries(session: requests.Session, url: str, body: dict | None, headers: dict, *, platform: str,
                      what: str, retry_wait: Callable[[requests.Response, int], float],
                      sleep: Callable[[float], None], method: str = "POST") -> requests.Response:
    """The last response (to be classified by the adapter); ChannelUnavailableError when the platform could not be
    reached or did not answer in time (after a read timeout nothing is retried: the post may have been made).
    `method` names the session's method to call (post, put, get); `body` None sends no body."""
    send = getattr(session, method.lower())
    deadline = time.monotonic() + BUDGET_SECONDS
    for attempt in range(1, ATTEMPTS + 1):
        # the first attempt gets the whole read timeout; a retry only what is left of the budget
        read_timeout = READ_TIMEOUT if attempt == 1 else min(READ_TIMEOUT, deadline - time.monotonic() - CONNECT_TIMEOUT)
        try:
            response = send(url, json=body, headers=headers, timeout=(CONNECT_TIMEOUT, read_timeout))
        except requests.Timeout as error:
            raise ChannelUnavailableError(f"{platform} did not answer the {what} in time: {error}") from None
        except requests.RequestException as error:
            raise ChannelUnavailableError(f"could not reach {platform} for the {what}: {error}") from None
        if response.status_code not in RETRY_STATUSES or attempt == ATTEMPTS:
            return response
        wait = retry_wait(response, attempt)
        if wait > MAX_WAIT_SECONDS or time.monotonic() + wait + CONNECT_TIMEOUT + MIN_RETRY_READ_SECONDS > deadline:
            return response
        sleep(wait)
    return response

"""Mirrors functions/poll_google_reviews/app.py: the scheduled event ({"maxPages": 5} from the template) polls each
configured location and answers with each source's result. Google answered by `responses`; DynamoDB and SQS by moto."""
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from functions.poll_google_reviews import app
from socialcare.config import settings
from socialcare.errors import PollFailedError
from socialcare.platforms import google_reviews
from socialcare.storage.cursors import PollCursorRecord
from tests.unit.socialcare.platforms.test_google_reviews import LOCATION, REVIEWS_URL, TOKEN_URL, page, review

SOURCE = f"google#{LOCATION}"


@pytest.fixture
def google(cloud, monkeypatch):
    monkeypatch.setenv("GOOGLE_REVIEW_LOCATIONS", LOCATION)
    settings.cache_clear()
    google_reviews.forget_token()
    if not PollCursorRecord.exists():
        PollCursorRecord.create_table(billing_mode="PAY_PER_REQUEST", wait=True)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.post(TOKEN_URL, json={"access_token": "ya29.local", "expires_in": 3599, "token_type": "Bearer"})
        yield mock
    google_reviews.forget_token()
    settings.cache_clear()


def listed(mock) -> list[tuple]:
    """(method, URL, query) of each call to the reviews list"""
    return [(c.request.method, c.request.url.split("?")[0], parse_qs(urlsplit(c.request.url).query))
            for c in mock.calls if c.request.url != TOKEN_URL]


def test_the_scheduled_event_polls_each_location_up_to_max_pages(google, lambda_context, load_event):
    # Given a location polled before, and Google's sample page of three newer reviews with a next page
    PollCursorRecord(SOURCE, since_id="2026-11-21T00:00:00.000000Z").save()
    google.get(REVIEWS_URL, json=load_event("poll_google_reviews.reviews_page"))
    # When the schedule fires with one page allowed
    result = app.lambda_handler({"maxPages": 1}, lambda_context)
    # Then the three are enqueued, and the poll stops at the next page for the next run
    assert result == {SOURCE: {"enqueued": 3, "pages": 1, "done": False}}
    assert listed(google) == [("GET", REVIEWS_URL, {"pageSize": ["50"], "orderBy": ["updateTime desc"]})]
    assert PollCursorRecord.get(SOURCE).next_token == "CgwI2f7y8wUQgJ7U7gE"


def test_without_max_pages_the_poll_runs_to_its_end(google, lambda_context):
    google.get(REVIEWS_URL, json=page(review("R1", minutes_ago=2)))
    assert app.lambda_handler({}, lambda_context) == {SOURCE: {"enqueued": 1, "pages": 1, "done": True}}


def test_no_location_configured_polls_nothing(google, lambda_context, monkeypatch):
    monkeypatch.setenv("GOOGLE_REVIEW_LOCATIONS", "")
    settings.cache_clear()
    assert app.lambda_handler({"maxPages": 5}, lambda_context) == {}
    assert len(google.calls) == 0


def test_a_failed_poll_fails_the_run_and_keeps_the_cursor(google, lambda_context):
    # the schedule does not retry (MaximumRetryAttempts 0): the next scheduled run is the retry
    PollCursorRecord(SOURCE, since_id="2026-11-21T00:00:00.000000Z").save()
    google.get(REVIEWS_URL, status=503, json={"error": {"code": 503, "message": "The service is currently unavailable.",
                                                        "status": "UNAVAILABLE"}})
    with pytest.raises(PollFailedError, match="Google failed the reviews list"):
        app.lambda_handler({"maxPages": 5}, lambda_context)
    assert PollCursorRecord.get(SOURCE).since_id == "2026-11-21T00:00:00.000000Z"

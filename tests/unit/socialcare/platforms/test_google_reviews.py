"""Mirrors layers/domain/socialcare/platforms/google_reviews.py: Google Business Profile reviews, polled from a cursor
and answered with the review's reply (platforms.md §3.1). Google answered by `responses`; DynamoDB and SQS by moto."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from socialcare.config import settings
from socialcare.errors import ChannelRejectedError, ChannelUnavailableError, PollFailedError, UnknownPlatformError
from socialcare import platforms
from socialcare.platforms import google_reviews
from socialcare.platforms.base import PostReceipt
from socialcare.platforms.google_reviews import GoogleReviewsPlatform, poll_google_reviews, reviews_page
from socialcare.polling import PollResult
from socialcare.storage.cursors import PollCursorRecord
from socialcare.storage.records import CASE_RECORD, CaseRecord

LOCATION = "accounts/108374932154789012345/locations/5419237384720946512"
REVIEWS_URL = f"https://mybusiness.googleapis.com/v4/{LOCATION}/reviews"
TOKEN_URL = "https://oauth2.googleapis.com/token"
SOURCE = f"google#{LOCATION}"
SAMPLE_NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC).timestamp()


@pytest.fixture
def google(cloud, monkeypatch):
    monkeypatch.setenv("GOOGLE_CLIENT_ID", "client-123.apps.googleusercontent.com")
    monkeypatch.setenv("GOOGLE_CLIENT_SECRET", "client-secret")
    monkeypatch.setenv("GOOGLE_REFRESH_TOKEN", "1//refresh-token")
    monkeypatch.setenv("GOOGLE_REVIEW_LOCATIONS", LOCATION)
    settings.cache_clear()
    google_reviews.forget_token()
    if not PollCursorRecord.exists():
        PollCursorRecord.create_table(billing_mode="PAY_PER_REQUEST", wait=True)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.post(TOKEN_URL, json={"access_token": "ya29.first", "expires_in": 3599, "token_type": "Bearer",
                                   "scope": "https://www.googleapis.com/auth/business.manage"})
        yield mock
    google_reviews.forget_token()
    settings.cache_clear()


def review(review_id: str, minutes_ago: int = 5, stars: str = "ONE", comment: str | None = "Nobody came",
           anonymous: bool = False) -> dict:
    at = (datetime.now(UTC) - timedelta(minutes=minutes_ago)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    body = {"name": f"{LOCATION}/reviews/{review_id}", "reviewId": review_id,
            "reviewer": {"displayName": "Priya Raman", "isAnonymous": anonymous}, "starRating": stars,
            "createTime": at, "updateTime": at}
    if comment is not None:
        body["comment"] = comment
    return body


def page(*reviews: dict, next_token: str | None = None) -> dict:
    body = {"reviews": list(reviews), "averageRating": 3.0, "totalReviewCount": 99}
    if next_token:
        body["nextPageToken"] = next_token
    return body


def gets(mock) -> list[dict]:
    calls = [c for c in mock.calls if c.request.method == "GET"]
    return [{**parse_qs(urlsplit(c.request.url).query), "auth": c.request.headers["Authorization"]} for c in calls]


LIST = {"pageSize": ["50"], "orderBy": ["updateTime desc"], "auth": "Bearer ya29.first"}


# -- reading a page ------------------------------------------------------------------------------------------------
def test_the_official_shape_is_read_as_reviews_with_stars_and_the_original_text(google, load_event):
    google.get(REVIEWS_URL, json=load_event("poll_google_reviews.reviews_page"))
    mentions, newest, next_token = reviews_page(LOCATION, "2026-11-20T00:00:00Z", None)
    assert [(m.kind, m.text, m.author.name, m.extra["star_rating"]) for m in mentions] == [
        ("review", "Waited 40 minutes at the click & collect desk and nobody came. Staff just walked past.",
         "Priya Raman", 1),
        ("review", "4-star review, no text", "Anonymous reviewer", 4),
        ("review", "Czajnik zepsuł się po tygodniu.", "Tomasz Nowak", 2),
    ]
    first = mentions[0]
    assert first.platform == "google" and first.mention_id.startswith("AbFvOqnAh9Lk3mZ0sQ-")
    assert first.author.id == first.reply_to_id == f"{LOCATION}/reviews/AbFvOqnAh9Lk3mZ0sQ"
    assert first.extra == {"surface": "google", "location": LOCATION, "star_rating": 1, "polled": SOURCE}
    assert newest == "2026-11-22T09:12:44.602000Z" and next_token == "CgwI2f7y8wUQgJ7U7gE"
    assert gets(google) == [LIST]


def test_only_reviews_updated_after_the_cursor_count_and_an_older_one_ends_the_poll(google, load_event):
    google.get(REVIEWS_URL, json=load_event("poll_google_reviews.reviews_page"))
    mentions, _newest, next_token = reviews_page(LOCATION, "2026-11-22T08:03:10.120Z", None)
    assert [m.author.name for m in mentions] == ["Priya Raman"] and next_token is None


def test_the_first_poll_takes_only_the_lookback(google, load_event):
    google.get(REVIEWS_URL, json=load_event("poll_google_reviews.reviews_page"))
    mentions, newest, next_token = reviews_page(LOCATION, None, None, now=lambda: SAMPLE_NOW)
    assert [m.author.name for m in mentions] == ["Priya Raman"]  # 09:12; 08:03 is more than 60 minutes before 09:30
    assert newest == "2026-11-22T09:12:44.602000Z" and next_token is None


def test_an_unchanged_review_keeps_its_key_and_an_edit_gets_a_new_one(google):
    google.get(REVIEWS_URL, json=page(review("R1", comment="Nobody came")))
    [before], _, _ = reviews_page(LOCATION, "2026-01-01T00:00:00Z", None)
    google.replace(responses.GET, REVIEWS_URL, json=page(review("R1", minutes_ago=1, comment="Nobody came")))
    [replied], _, _ = reviews_page(LOCATION, "2026-01-01T00:00:00Z", None)
    google.replace(responses.GET, REVIEWS_URL, json=page(review("R1", stars="THREE", comment="They called back")))
    [edited], _, _ = reviews_page(LOCATION, "2026-01-01T00:00:00Z", None)
    assert before.key == replied.key != edited.key
    assert before.author_key == edited.author_key  # the edit joins the review's open case


def test_a_malformed_review_is_dropped_not_the_page(google):
    google.get(REVIEWS_URL, json=page(review("R2"), {"reviewId": "broken"}, review("R3")))
    mentions, _, _ = reviews_page(LOCATION, "2026-01-01T00:00:00Z", None)
    assert [m.reply_to_id.rsplit("/", 1)[1] for m in mentions] == ["R2", "R3"]


# -- polling with the cursor -----------------------------------------------------------------------------------------
def test_two_polls_pick_up_only_new_reviews_and_make_one_case_each(google, cloud):
    r0, r1, r2 = review("R0", minutes_ago=600), review("R1", minutes_ago=10), review("R2", minutes_ago=1)
    google.get(REVIEWS_URL, json=page(r1, r0))
    assert poll_google_reviews() == {SOURCE: PollResult(enqueued=1, pages=1, done=True)}  # R0 is older than the lookback
    google.replace(responses.GET, REVIEWS_URL, json=page(r2, r1, r0, next_token="MORE"))
    assert poll_google_reviews() == {SOURCE: PollResult(enqueued=1, pages=1, done=True)}
    assert len(gets(google)) == 2  # the second poll stopped at R1: no request for the page MORE
    assert cloud.deliver_queue() == 2
    assert sorted(r.case_id.split("-")[1] for r in CaseRecord.scan() if r.record == CASE_RECORD) == ["R1", "R2"]


def test_pagination_follows_the_token_while_every_review_is_new(google, cloud):
    PollCursorRecord(SOURCE, since_id="2026-01-01T00:00:00.000000Z").save()
    r5 = review("R5", minutes_ago=1)
    google.get(REVIEWS_URL, json=page(r5, next_token="P2"))
    google.get(REVIEWS_URL, json=page(review("R4", minutes_ago=2)))
    assert poll_google_reviews()[SOURCE] == PollResult(enqueued=2, pages=2, done=True)
    assert gets(google) == [LIST, {**LIST, "pageToken": ["P2"]}]
    assert PollCursorRecord.get(SOURCE).since_id == r5["updateTime"].replace("Z", "000Z")  # the first page's newest


def test_a_crash_on_page_two_resumes_there_and_loses_nothing(google, cloud):
    PollCursorRecord(SOURCE, since_id="2026-01-01T00:00:00.000000Z").save()
    google.get(REVIEWS_URL, json=page(review("R5", minutes_ago=1), next_token="P2"))
    google.get(REVIEWS_URL, body=requests.ConnectionError("reset"))
    with pytest.raises(PollFailedError, match="could not reach Google for the reviews list"):
        poll_google_reviews()
    saved = PollCursorRecord.get(SOURCE)
    assert (saved.since_id, saved.next_token) == ("2026-01-01T00:00:00.000000Z", "P2")
    google.replace(responses.GET, REVIEWS_URL, json=page(review("R4", minutes_ago=2)))
    assert poll_google_reviews()[SOURCE].enqueued == 1
    assert gets(google)[-1] == {**LIST, "pageToken": ["P2"]}
    assert cloud.deliver_queue() == 2
    assert sorted(r.case_id.split("-")[1] for r in CaseRecord.scan() if r.record == CASE_RECORD) == ["R4", "R5"]


def test_bad_location_settings_are_named(google, monkeypatch):
    monkeypatch.setenv("GOOGLE_REVIEW_LOCATIONS", "locations/123")
    settings.cache_clear()
    with pytest.raises(ValueError, match="GOOGLE_REVIEW_LOCATIONS: 'locations/123' is not accounts/"):
        poll_google_reviews()
    monkeypatch.setenv("GOOGLE_REVIEW_LOCATIONS", "")
    settings.cache_clear()
    assert poll_google_reviews() == {}


# -- OAuth ---------------------------------------------------------------------------------------------------------
def test_the_access_token_comes_from_the_refresh_token_once_per_process(google):
    google.get(REVIEWS_URL, json=page())
    reviews_page(LOCATION, "2026-01-01T00:00:00Z", None)
    reviews_page(LOCATION, "2026-01-01T00:00:00Z", None)
    [token_call] = [c for c in google.calls if c.request.url == TOKEN_URL]
    body = token_call.request.body
    form = parse_qs(body.decode() if isinstance(body, bytes) else body)
    assert form["grant_type"] == ["refresh_token"] and form["refresh_token"] == ["1//refresh-token"]
    assert form["client_id"] == ["client-123.apps.googleusercontent.com"] and form["client_secret"] == ["client-secret"]
    assert [g["auth"] for g in gets(google)] == ["Bearer ya29.first"] * 2


def test_a_refused_refresh_token_says_which_secrets_to_fix(google):
    google.replace(responses.POST, TOKEN_URL, status=400,
                   json={"error": "invalid_grant", "error_description": "Token has been expired or revoked."})
    with pytest.raises(ChannelRejectedError, match="GOOGLE_REFRESH_TOKEN must be an OAuth client and a refresh"):
        reviews_page(LOCATION, "2026-01-01T00:00:00Z", None)


# -- replying -----------------------------------------------------------------------------------------------------
REPLY_URL = f"https://mybusiness.googleapis.com/v4/{LOCATION}/reviews/R1/reply"


def test_a_reply_is_put_on_the_review(google):
    google.put(REPLY_URL, json={"comment": "Priya, we're so sorry.", "updateTime": "2026-11-22T09:40:00Z"})
    receipt = GoogleReviewsPlatform(sleep=lambda s: None).post_reply(f"{LOCATION}/reviews/R1",
                                                                     "Priya, we're so sorry.", "google-R1:ack")
    assert receipt == PostReceipt(f"{LOCATION}/reviews/R1/reply")
    [put] = [c for c in google.calls if c.request.method == "PUT"]
    assert put.request.url == REPLY_URL and json.loads(put.request.body) == {"comment": "Priya, we're so sorry."}
    assert put.request.headers["Authorization"] == "Bearer ya29.first"


def test_an_overlong_reply_is_refused_without_a_call(google):
    with pytest.raises(ChannelRejectedError, match="at most 4096 characters; this one has 4097"):
        GoogleReviewsPlatform().post_reply(f"{LOCATION}/reviews/R1", "x" * 4097, "key")
    assert len(google.calls) == 0


@pytest.mark.parametrize(("status", "error", "said"), [
    (503, ChannelUnavailableError, "Google failed the review reply (503 UNAVAILABLE: The service is unavailable."),
    (429, ChannelUnavailableError, "Google failed the review reply (429"),
    (403, ChannelRejectedError, "must manage the location, with the business.manage scope"),
    (404, ChannelRejectedError, "may have been deleted by its author"),
    (400, ChannelRejectedError, "Google refused the review reply (400"),
])
def test_reply_errors_are_classified(google, status, error, said):
    waits = []
    google.put(REPLY_URL, status=status, json={"error": {"code": status, "message": "The service is unavailable.",
                                                          "status": "UNAVAILABLE" if status == 503 else "OTHER"}})
    with pytest.raises(error) as raised:
        GoogleReviewsPlatform(sleep=waits.append).post_reply(f"{LOCATION}/reviews/R1", "Sorry", "key")
    assert said in str(raised.value)
    puts = [c for c in google.calls if c.request.method == "PUT"]
    assert len(puts) == (3 if status in (429, 503) else 1)


def test_google_has_no_private_messages_and_no_webhook(google, monkeypatch):
    with pytest.raises(ChannelRejectedError, match="no private messages"):
        GoogleReviewsPlatform().send_private("x", "hi", "key")
    with pytest.raises(UnknownPlatformError):
        platforms.inbound("google")
    monkeypatch.setenv("OUTBOUND_MODE", "live")
    settings.cache_clear()
    assert isinstance(platforms.outbound("google"), GoogleReviewsPlatform)

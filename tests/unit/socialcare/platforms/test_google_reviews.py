"""Mirrors layers/domain/socialcare/platforms/google_reviews.py: Google Business Profile reviews, polled from a cursor
and answered with the review's reply (platforms.md §3.1). Google is answered by `responses`; DynamoDB and SQS by moto
(the `cloud` fixture) where a test polls with the cursor."""
from __future__ import annotations

import gc
import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
import requests
import responses

from google.auth import _exponential_backoff as google_backoff

from socialcare import platforms
from socialcare.config import settings
from socialcare.errors import ChannelRejectedError, ChannelUnavailableError, PollFailedError, UnknownPlatformError
from socialcare.platforms import google_reviews
from socialcare.platforms.base import PostReceipt
from socialcare.platforms.google_reviews import GoogleReviewsPlatform, poll_google_reviews, reviews_page
from socialcare.platforms.sandbox import SandboxPlatform
from socialcare.polling import PollResult
from socialcare.storage.cursors import PollCursorRecord

LOCATION = "accounts/108374932154789012345/locations/5419237384720946512"
REVIEWS_URL = f"https://mybusiness.googleapis.com/v4/{LOCATION}/reviews"
TOKEN_URL = "https://oauth2.googleapis.com/token"
SOURCE = f"google#{LOCATION}"
OTHER_LOCATION = "accounts/108374932154789012345/locations/777"
SAMPLE_NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC).timestamp()  # 18 minutes after the sample's newest review
LONG_AGO = "2026-01-01T00:00:00Z"
CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN = "client-123.apps.googleusercontent.com", "client-secret", "1//refresh-token"
TOKEN = {"access_token": "ya29.first", "expires_in": 3599, "token_type": "Bearer",
         "scope": "https://www.googleapis.com/auth/business.manage"}


@pytest.fixture
def google(monkeypatch):
    """Google's token endpoint (one token, valid for an hour) and the secrets of a local run."""
    monkeypatch.setenv("GOOGLE_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("GOOGLE_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.setenv("GOOGLE_REFRESH_TOKEN", REFRESH_TOKEN)
    monkeypatch.setenv("GOOGLE_REVIEW_LOCATIONS", LOCATION)
    settings.cache_clear()
    google_reviews.forget_token()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.post(TOKEN_URL, json=TOKEN)
        yield mock
    google_reviews.forget_token()
    settings.cache_clear()


@pytest.fixture
def polled(cloud, google):
    """Google as above, with the local cloud's cursor table, ingest queue and secrets (the cloud first: moto under
    responses)."""
    for name, value in (("GOOGLE_CLIENT_ID", CLIENT_ID), ("GOOGLE_CLIENT_SECRET", CLIENT_SECRET),
                        ("GOOGLE_REFRESH_TOKEN", REFRESH_TOKEN)):
        cloud.put_secret(name, value)
    if not PollCursorRecord.exists():
        PollCursorRecord.create_table(billing_mode="PAY_PER_REQUEST", wait=True)
    return google


def review(review_id: str, minutes_ago: int = 5, stars: str = "ONE", comment: str | None = "Nobody came",
           anonymous: bool = False, location: str = LOCATION) -> dict:
    """A Review resource as reviews.list returns it, updated `minutes_ago` (as createTime)."""
    at = (datetime.now(UTC) - timedelta(minutes=minutes_ago)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    body = {"name": f"{location}/reviews/{review_id}", "reviewId": review_id,
            "reviewer": {"profilePhotoUrl": "https://lh3.googleusercontent.com/a/photo", "displayName": "Priya Raman",
                         "isAnonymous": anonymous},
            "starRating": stars, "createTime": at, "updateTime": at}
    if anonymous:
        body["reviewer"] = {"displayName": "A Google User", "isAnonymous": True}
    if comment is not None:
        body["comment"] = comment
    return body


def page(*reviews: dict, next_token: str | None = None) -> dict:
    body = {"reviews": list(reviews), "averageRating": 3.0, "totalReviewCount": 99}
    if next_token:
        body["nextPageToken"] = next_token
    return body


def sent(call) -> dict:
    """What one recorded call sent: method, URL without query, query params, JSON body, Authorization."""
    parts = urlsplit(call.request.url)
    body = call.request.body
    return {"method": call.request.method, "url": f"{parts.scheme}://{parts.netloc}{parts.path}",
            "params": parse_qs(parts.query), "body": json.loads(body) if body else None,
            "auth": call.request.headers.get("Authorization")}


def api_calls(mock) -> list[dict]:
    return [sent(c) for c in mock.calls if c.request.url != TOKEN_URL]


def token_calls(mock) -> list[dict]:
    """The form of each token request."""
    forms = []
    for call in mock.calls:
        if call.request.url == TOKEN_URL:
            assert call.request.method == "POST"
            assert call.request.headers["Content-Type"] == "application/x-www-form-urlencoded"
            body = call.request.body
            forms.append({k: v[0] for k, v in parse_qs(body.decode() if isinstance(body, bytes) else body).items()})
    return forms


def listed(page_token: str | None = None, url: str = REVIEWS_URL, token: str = "ya29.first") -> dict:
    params = {"pageSize": ["50"], "orderBy": ["updateTime desc"]}
    if page_token:
        params["pageToken"] = [page_token]
    return {"method": "GET", "url": url, "params": params, "body": None, "auth": f"Bearer {token}"}


REFRESH_FORM = {"grant_type": "refresh_token", "refresh_token": REFRESH_TOKEN, "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET, "scope": "https://www.googleapis.com/auth/business.manage"}


def queued() -> list[str]:
    """The mention keys waiting in the ingest queue, taken off it."""
    sqs, url, keys = boto3.client("sqs"), settings().ingest_queue_url, []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                          VisibilityTimeout=0).get("Messages", []):
        for message in messages:
            body = json.loads(message["Body"])
            keys.append(f"{body['platform']}#{body['mention_id']}")
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return keys


def ids(keys: list[str]) -> list[str]:
    """google#R1-<digest> → R1"""
    return [key.split("#", 1)[1].rsplit("-", 1)[0] for key in keys]


def cursor(source: str = SOURCE) -> tuple:
    record = PollCursorRecord.get(source)
    return record.since_id, record.next_token, record.pending_newest_id


# -- reading a page ----------------------------------------------------------------------------------------------------
def test_the_official_shape_is_read_as_reviews_with_stars_and_the_original_text(google, load_event):
    google.get(REVIEWS_URL, json=load_event("poll_google_reviews.reviews_page"))
    mentions, newest, next_token = reviews_page(LOCATION, "2026-11-20T00:00:00Z", None)
    assert [(m.kind, m.text, m.author.name, m.extra["star_rating"]) for m in mentions] == [
        ("review", "Waited 40 minutes at the click & collect desk and nobody came. Staff just walked past.",
         "Priya Raman", 1),
        ("review", "4-star review, no text", "Anonymous reviewer", 4),  # rating-only, anonymous
        ("review", "Czajnik zepsuł się po tygodniu.", "Tomasz Nowak", 2),  # Google's translation left out
    ]
    first = mentions[0]
    assert first.platform == "google" and first.mention_id.startswith("AbFvOqnAh9Lk3mZ0sQ-")
    assert first.author.id == first.reply_to_id == f"{LOCATION}/reviews/AbFvOqnAh9Lk3mZ0sQ"
    assert first.author.followers == 0 and first.created_at == "2026-11-22T09:12:44.602000+00:00"
    assert first.extra == {"surface": "google", "location": LOCATION, "star_rating": 1, "polled": SOURCE}
    assert newest == "2026-11-22T09:12:44.602000Z" and next_token == "CgwI2f7y8wUQgJ7U7gE"
    assert api_calls(google) == [listed()]
    assert token_calls(google) == [REFRESH_FORM]


def test_the_next_page_is_asked_for_with_its_token(google):
    google.get(REVIEWS_URL, json=page())
    assert reviews_page(LOCATION, LONG_AGO, "CgwI2f7y8wUQgJ7U7gE") == ([], None, None)
    assert api_calls(google) == [listed("CgwI2f7y8wUQgJ7U7gE")]


def test_only_reviews_updated_after_the_cursor_count_and_an_older_one_ends_the_poll(google, load_event):
    google.get(REVIEWS_URL, json=load_event("poll_google_reviews.reviews_page"))
    mentions, newest, next_token = reviews_page(LOCATION, "2026-11-22T08:03:10.120Z", None)
    assert [m.author.name for m in mentions] == ["Priya Raman"] and next_token is None
    assert newest == "2026-11-22T09:12:44.602000Z"


def test_timestamps_are_compared_as_moments_not_strings(google):
    # as strings "...:44.5Z" < "...:44Z" ('.' sorts before 'Z'); as moments it is half a second later
    later = {**review("R1"), "updateTime": "2026-11-22T09:12:44.5Z"}
    same = {**review("R0"), "updateTime": "2026-11-22T09:12:44.000000000Z"}
    google.get(REVIEWS_URL, json=page(later, same, next_token="MORE"))
    mentions, newest, next_token = reviews_page(LOCATION, "2026-11-22T09:12:44Z", None)
    assert ids([m.key for m in mentions]) == ["R1"] and next_token is None
    assert newest == "2026-11-22T09:12:44.500000Z"


def test_the_first_poll_takes_only_the_lookback(google, load_event):
    google.get(REVIEWS_URL, json=load_event("poll_google_reviews.reviews_page"))
    mentions, newest, next_token = reviews_page(LOCATION, None, None, now=lambda: SAMPLE_NOW)
    assert [m.author.name for m in mentions] == ["Priya Raman"]  # 09:12; 08:03 is more than 60 minutes before 09:30
    assert newest == "2026-11-22T09:12:44.602000Z" and next_token is None


def test_an_unchanged_review_keeps_its_key_and_an_edit_gets_a_new_one(google):
    google.get(REVIEWS_URL, json=page(review("R1", comment="Nobody came")))
    [before], _, _ = reviews_page(LOCATION, LONG_AGO, None)
    # we replied: Google moved its updateTime, stars and text are the same
    google.replace(responses.GET, REVIEWS_URL, json=page(review("R1", minutes_ago=1, comment="Nobody came")))
    [replied], _, _ = reviews_page(LOCATION, LONG_AGO, None)
    # the customer edited it: other stars and text
    google.replace(responses.GET, REVIEWS_URL, json=page(review("R1", stars="THREE", comment="They called back")))
    [edited], _, _ = reviews_page(LOCATION, LONG_AGO, None)
    # only the stars changed
    google.replace(responses.GET, REVIEWS_URL, json=page(review("R1", stars="TWO", comment="Nobody came")))
    [restarred], _, _ = reviews_page(LOCATION, LONG_AGO, None)
    assert before.key == replied.key
    assert len({before.key, edited.key, restarred.key}) == 3
    assert before.author_key == edited.author_key == f"google#{LOCATION}/reviews/R1"  # the edit joins the case
    assert (edited.text, edited.extra["star_rating"]) == ("They called back", 3)


def test_a_rating_only_review_reads_as_its_stars_and_an_anonymous_one_keeps_no_name(google):
    google.get(REVIEWS_URL, json=page(review("R1", stars="TWO", comment=None, anonymous=True),
                                      review("R2", stars="FIVE", comment="  ")))
    mentions, _, _ = reviews_page(LOCATION, LONG_AGO, None)
    assert [(m.text, m.author.name, m.extra["star_rating"]) for m in mentions] == [
        ("2-star review, no text", "Anonymous reviewer", 2), ("5-star review, no text", "Priya Raman", 5)]


def test_a_translated_comment_keeps_the_reviewers_words_and_an_odd_one_is_left_as_it_is(google):
    translated = "(Translated by Google) Rude staff.\n\n(Original)\nPersonnel impoli.\nJamais plus."
    no_original = "(Translated by Google) Rude staff."
    google.get(REVIEWS_URL, json=page(review("R1", comment=translated), review("R2", comment=no_original)))
    mentions, _, _ = reviews_page(LOCATION, LONG_AGO, None)
    assert [m.text for m in mentions] == ["Personnel impoli.\nJamais plus.", "(Translated by Google) Rude staff."]


def test_a_malformed_review_is_dropped_with_its_reason_not_the_page(google, caplog):
    caplog.set_level("INFO", logger=google_reviews.logger.service)
    naive = {**review("R5"), "updateTime": "2026-11-22T09:12:44"}  # no time zone: not a moment
    unrated = review("R3", stars="STAR_RATING_UNSPECIFIED")
    google.get(REVIEWS_URL, json=page(review("R2"), {"reviewId": "broken"}, unrated, "not a review", naive,
                                      review("R4")))
    mentions, _, _ = reviews_page(LOCATION, LONG_AGO, None)
    assert ids([m.key for m in mentions]) == ["R2", "R4"]
    drops = [(r.review_id, r.reason.split(":")[0]) for r in caplog.records if r.getMessage() == "google review dropped"]
    assert drops == [("broken", "name"), ("R3", "starRating"), ("", ""), ("R5", "updateTime")]


def test_a_body_that_is_not_a_reviews_page_is_unavailable(google):
    google.get(REVIEWS_URL, body="<html>oops</html>")
    with pytest.raises(ChannelUnavailableError, match="not a reviews page"):
        reviews_page(LOCATION, LONG_AGO, None)


# -- polling with the cursor -------------------------------------------------------------------------------------------
def test_two_polls_pick_up_only_new_reviews(polled):
    r0, r1, r2 = review("R0", minutes_ago=600), review("R1", minutes_ago=10), review("R2", minutes_ago=1)
    polled.get(REVIEWS_URL, json=page(r1, r0, next_token="OLDER"))
    assert poll_google_reviews() == {SOURCE: PollResult(enqueued=1, pages=1, done=True)}
    assert ids(queued()) == ["R1"]  # R0 is older than the lookback, and so is the page after it
    assert cursor() == (r1["updateTime"].replace("Z", "000Z"), None, None)
    # the second run's page starts with the new review, then the ones already taken
    polled.replace(responses.GET, REVIEWS_URL, json=page(r2, r1, r0, next_token="OLDER"))
    assert poll_google_reviews() == {SOURCE: PollResult(enqueued=1, pages=1, done=True)}
    assert ids(queued()) == ["R2"]
    assert cursor() == (r2["updateTime"].replace("Z", "000Z"), None, None)
    assert api_calls(polled) == [listed(), listed()]  # neither run asked for the page OLDER
    assert token_calls(polled) == [REFRESH_FORM]  # one token for both runs


def test_pagination_follows_the_token_while_every_review_is_new_and_saves_the_cursor_between_pages(polled):
    PollCursorRecord(SOURCE, since_id="2026-01-01T00:00:00.000000Z").save()
    r5, r4, r3 = review("R5", minutes_ago=1), review("R4", minutes_ago=2), review("R3", minutes_ago=3)
    polled.get(REVIEWS_URL, json=page(r5, next_token="P2"))
    polled.get(REVIEWS_URL, json=page(r4, next_token="P3"))
    polled.get(REVIEWS_URL, json=page(r3))
    newest = r5["updateTime"].replace("Z", "000Z")
    # a run of one page stops mid-pagination: since_id stays, the next page and the first page's newest are saved
    assert poll_google_reviews(max_pages=1) == {SOURCE: PollResult(enqueued=1, pages=1, done=False)}
    assert cursor() == ("2026-01-01T00:00:00.000000Z", "P2", newest)
    assert ids(queued()) == ["R5"]
    # the next run resumes at P2 and finishes: the first page's newest becomes since_id
    assert poll_google_reviews() == {SOURCE: PollResult(enqueued=2, pages=2, done=True)}
    assert ids(queued()) == ["R4", "R3"]
    assert cursor() == (newest, None, None)
    assert api_calls(polled) == [listed(), listed("P2"), listed("P3")]


def test_a_crash_on_page_two_resumes_there_and_loses_nothing(polled):
    PollCursorRecord(SOURCE, since_id="2026-01-01T00:00:00.000000Z").save()
    r5 = review("R5", minutes_ago=1)
    polled.get(REVIEWS_URL, json=page(r5, next_token="P2"))
    polled.get(REVIEWS_URL, body=requests.ConnectionError("connection reset"))
    with pytest.raises(PollFailedError, match="could not reach Google for the reviews list"):
        poll_google_reviews()
    assert ids(queued()) == ["R5"]  # page one was enqueued before the cursor moved past it
    assert cursor() == ("2026-01-01T00:00:00.000000Z", "P2", r5["updateTime"].replace("Z", "000Z"))
    polled.replace(responses.GET, REVIEWS_URL, json=page(review("R4", minutes_ago=2)))
    assert poll_google_reviews() == {SOURCE: PollResult(enqueued=1, pages=1, done=True)}
    assert ids(queued()) == ["R4"]
    assert cursor() == (r5["updateTime"].replace("Z", "000Z"), None, None)
    assert api_calls(polled) == [listed(), listed("P2"), listed("P2")]


def test_one_failing_location_does_not_stop_the_others(polled, monkeypatch):
    monkeypatch.setenv("GOOGLE_REVIEW_LOCATIONS", f"{OTHER_LOCATION}, {LOCATION}")
    settings.cache_clear()
    other_url = f"https://mybusiness.googleapis.com/v4/{OTHER_LOCATION}/reviews"
    polled.get(other_url, status=404, json={"error": {"code": 404, "message": "Requested entity was not found.",
                                                      "status": "NOT_FOUND"}})
    polled.get(REVIEWS_URL, json=page(review("R1")))
    with pytest.raises(PollFailedError, match=f"{OTHER_LOCATION}: Google has no location {OTHER_LOCATION}: "
                                              "GOOGLE_REVIEW_LOCATIONS must name"):
        poll_google_reviews()
    assert ids(queued()) == ["R1"]
    assert api_calls(polled) == [listed(url=other_url), listed()]
    assert not PollCursorRecord.count(f"google#{OTHER_LOCATION}")


def test_bad_location_settings_are_named_and_none_polls_nothing(polled, monkeypatch):
    monkeypatch.setenv("GOOGLE_REVIEW_LOCATIONS", f"{LOCATION},locations/123")
    settings.cache_clear()
    with pytest.raises(ValueError, match="GOOGLE_REVIEW_LOCATIONS: 'locations/123' is not accounts/"):
        poll_google_reviews()
    monkeypatch.setenv("GOOGLE_REVIEW_LOCATIONS", "")
    settings.cache_clear()
    assert poll_google_reviews() == {}
    assert len(polled.calls) == 0


# -- OAuth -------------------------------------------------------------------------------------------------------------
def test_the_access_token_comes_from_the_refresh_token_once_per_process(google):
    google.get(REVIEWS_URL, json=page())
    reviews_page(LOCATION, LONG_AGO, None)
    reviews_page(LOCATION, LONG_AGO, None)
    assert token_calls(google) == [REFRESH_FORM]
    assert [c["auth"] for c in api_calls(google)] == ["Bearer ya29.first"] * 2


def test_a_token_about_to_expire_is_refreshed_before_the_call(google):
    # google-auth counts a token stale 3 min 45 s before it expires
    google.replace(responses.POST, TOKEN_URL, json={**TOKEN, "expires_in": 120})
    google.get(REVIEWS_URL, json=page())
    reviews_page(LOCATION, LONG_AGO, None)
    reviews_page(LOCATION, LONG_AGO, None)
    assert token_calls(google) == [REFRESH_FORM, REFRESH_FORM]


def test_a_changed_refresh_token_is_used_at_once(google, monkeypatch):
    google.get(REVIEWS_URL, json=page())
    reviews_page(LOCATION, LONG_AGO, None)
    monkeypatch.setenv("GOOGLE_REFRESH_TOKEN", "1//rotated")
    reviews_page(LOCATION, LONG_AGO, None)
    assert [form["refresh_token"] for form in token_calls(google)] == [REFRESH_TOKEN, "1//rotated"]


@pytest.mark.parametrize(("error", "fix"), [
    ("invalid_grant", "GOOGLE_REFRESH_TOKEN was revoked or has expired"),
    ("invalid_client", "GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET must be the OAuth client"),
    ("invalid_scope", "GOOGLE_REFRESH_TOKEN must be granted the https://www.googleapis.com/auth/business.manage"),
    ("access_denied", "check GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET and GOOGLE_REFRESH_TOKEN"),
])
def test_a_refused_refresh_says_which_secret_to_fix(google, error, fix):
    google.replace(responses.POST, TOKEN_URL, status=400 if error != "invalid_client" else 401,
                   json={"error": error, "error_description": "Token has been expired or revoked."})
    with pytest.raises(ChannelRejectedError, match=f"Google refused the refresh token \\({error}: .*\\); {fix}"):
        reviews_page(LOCATION, LONG_AGO, None)
    assert api_calls(google) == []


def test_a_failing_or_unreachable_token_endpoint_is_unavailable(google, monkeypatch):
    monkeypatch.setattr(google_backoff, "time", SimpleNamespace(sleep=lambda seconds: None))  # its waits
    google.replace(responses.POST, TOKEN_URL, status=503, json={"error": "temporarily_unavailable"})
    with pytest.raises(ChannelUnavailableError, match="Google's token endpoint failed"):
        reviews_page(LOCATION, LONG_AGO, None)
    assert len(token_calls(google)) == 3  # google-auth's own attempts
    google.replace(responses.POST, TOKEN_URL, body=requests.ConnectionError("no route"))
    with pytest.raises(ChannelUnavailableError, match="could not reach Google's token endpoint"):
        reviews_page(LOCATION, LONG_AGO, None)
    assert api_calls(google) == []


def test_a_refused_access_token_is_renewed_once(google):
    google.replace(responses.POST, TOKEN_URL, json=TOKEN)
    google.add(responses.POST, TOKEN_URL, json={**TOKEN, "access_token": "ya29.second"})
    google.get(REVIEWS_URL, status=401, json={"error": {"code": 401, "status": "UNAUTHENTICATED",
                                                        "message": "Request had invalid authentication credentials."}})
    google.get(REVIEWS_URL, json=page(review("R1")))
    mentions, _, _ = reviews_page(LOCATION, LONG_AGO, None)
    assert ids([m.key for m in mentions]) == ["R1"]
    assert api_calls(google) == [listed(), listed(token="ya29.second")]
    assert token_calls(google) == [REFRESH_FORM, REFRESH_FORM]


# -- errors of the reviews list ----------------------------------------------------------------------------------------
def google_error(status: int, name: str, message: str) -> dict:
    return {"error": {"code": status, "message": message, "status": name}}


@pytest.mark.parametrize(("status", "name", "error", "said", "calls"), [
    (429, "RESOURCE_EXHAUSTED", ChannelUnavailableError, "Google failed the reviews list of accounts/", 3),
    (503, "UNAVAILABLE", ChannelUnavailableError, "(503 UNAVAILABLE: The service is unavailable.)", 3),
    (401, "UNAUTHENTICATED", ChannelRejectedError, "GOOGLE_REFRESH_TOKEN must be granted the https://", 2),
    (403, "PERMISSION_DENIED", ChannelRejectedError, "the Google account that granted GOOGLE_REFRESH_TOKEN must be", 1),
    (404, "NOT_FOUND", ChannelRejectedError, f"Google has no location {LOCATION}: GOOGLE_REVIEW_LOCATIONS", 1),
    (400, "INVALID_ARGUMENT", ChannelRejectedError, "Google refused the reviews list of accounts/", 1),
])
def test_list_errors_are_classified(google, status, name, error, said, calls):
    waits = []
    google.get(REVIEWS_URL, status=status, json=google_error(status, name, "The service is unavailable."))
    with pytest.raises(error) as raised:
        reviews_page(LOCATION, LONG_AGO, None, sleep=waits.append)
    assert said in str(raised.value)
    assert api_calls(google) == [listed()] * calls
    assert waits == ([0.5, 1.0] if calls == 3 else [])


# -- replying ----------------------------------------------------------------------------------------------------------
REVIEW = f"{LOCATION}/reviews/R1"
REPLY_URL = f"https://mybusiness.googleapis.com/v4/{REVIEW}/reply"


def put(text: str, token: str = "ya29.first") -> dict:
    return {"method": "PUT", "url": REPLY_URL, "params": {}, "body": {"comment": text}, "auth": f"Bearer {token}"}


@pytest.fixture
def waits() -> list[float]:
    return []


@pytest.fixture
def platform(waits) -> GoogleReviewsPlatform:
    return GoogleReviewsPlatform(sleep=waits.append)  # retries record their wait instead of sleeping


def test_a_reply_is_put_on_the_review_and_a_second_one_replaces_it(google, platform):
    google.put(REPLY_URL, json={"comment": "Priya, we're so sorry.", "updateTime": "2026-11-22T09:40:00Z"})
    receipt = platform.post_reply(REVIEW, "Priya, we're so sorry.", "google-R1:acknowledge")
    assert receipt == PostReceipt(f"{REVIEW}/reply")
    google.replace(responses.PUT, REPLY_URL, json={"comment": "It's fixed.", "updateTime": "2026-11-23T10:00:00Z"})
    assert platform.post_reply(REVIEW, "It's fixed.", "google-R1:follow-up") == receipt
    assert api_calls(google) == [put("Priya, we're so sorry."), put("It's fixed.")]
    assert token_calls(google) == [REFRESH_FORM]


def test_a_reply_of_4096_characters_is_put_and_a_longer_one_refused_without_a_call(google, platform):
    google.put(REPLY_URL, json={"comment": "é" * 4096, "updateTime": "2026-11-22T09:40:00Z"})
    platform.post_reply(REVIEW, "é" * 4096, "key")
    with pytest.raises(ChannelRejectedError, match="at most 4096 characters; this one has 4097"):
        platform.post_reply(REVIEW, "x" * 4097, "key")
    assert api_calls(google) == [put("é" * 4096)]


def test_a_reply_to_something_that_is_not_a_review_is_refused_without_a_call(google, platform):
    for target in ("R1", f"{LOCATION}/reviews/R1/../../../R2", f"{LOCATION}/reviews/"):
        with pytest.raises(ChannelRejectedError, match="is not a Google review"):
            platform.post_reply(target, "Sorry", "key")
    assert len(google.calls) == 0


@pytest.mark.parametrize(("status", "name", "error", "said", "calls"), [
    (503, "UNAVAILABLE", ChannelUnavailableError, "Google failed the review reply (503 UNAVAILABLE: Try again.)", 3),
    (500, "INTERNAL", ChannelUnavailableError, "Google failed the review reply (500 INTERNAL", 3),
    (429, "RESOURCE_EXHAUSTED", ChannelUnavailableError, "Google failed the review reply (429", 3),
    (401, "UNAUTHENTICATED", ChannelRejectedError, "GOOGLE_REFRESH_TOKEN must be granted the https://www.google", 2),
    (403, "PERMISSION_DENIED", ChannelRejectedError, "must be an owner or manager of the location", 1),
    (404, "NOT_FOUND", ChannelRejectedError, "the review is gone (deleted by its author?)", 1),
    (400, "FAILED_PRECONDITION", ChannelRejectedError, "Google refused the review reply (400 FAILED_PRECONDITION", 1),
])
def test_reply_errors_are_classified(google, platform, waits, status, name, error, said, calls):
    google.put(REPLY_URL, status=status, json=google_error(status, name, "Try again."))
    with pytest.raises(error) as raised:
        platform.post_reply(REVIEW, "Sorry", "key")
    assert said in str(raised.value)
    assert api_calls(google) == [put("Sorry")] * calls  # a 401: once more with a renewed token
    assert waits == ([0.5, 1.0] if calls == 3 else [])


def test_a_reply_honours_retry_after(google, platform, waits):
    google.put(REPLY_URL, status=429, headers={"Retry-After": "2"}, json=google_error(429, "RESOURCE_EXHAUSTED", ""))
    google.put(REPLY_URL, json={"comment": "Sorry", "updateTime": "2026-11-22T09:40:00Z"})
    platform.post_reply(REVIEW, "Sorry", "key")
    assert waits == [2.0] and api_calls(google) == [put("Sorry")] * 2


@pytest.mark.parametrize(("failure", "message"), [
    (requests.ReadTimeout("read timed out"), "Google did not answer the review reply in time"),
    (requests.ConnectionError("connection refused"), "could not reach Google for the review reply"),
])
def test_a_reply_that_times_out_or_cannot_connect_is_unavailable_at_once(google, platform, failure, message):
    google.put(REPLY_URL, body=failure)
    with pytest.raises(ChannelUnavailableError, match=message):
        platform.post_reply(REVIEW, "Sorry", "key")
    assert api_calls(google) == [put("Sorry")]


# -- what Google is not ------------------------------------------------------------------------------------------------
def test_google_has_no_private_messages_and_no_webhook(google, platform, monkeypatch):
    with pytest.raises(ChannelRejectedError, match="Google reviews have no private messages"):
        platform.send_private(REVIEW, "hi", "key")
    with pytest.raises(ChannelRejectedError, match="polled, not delivered to a webhook"):
        platform.verify({}, b"{}")
    with pytest.raises(ChannelRejectedError, match="polled, not delivered to a webhook"):
        platform.parse(b"{}")
    with pytest.raises(UnknownPlatformError, match="no platform called 'google'"):
        platforms.inbound("google")
    assert len(google.calls) == 0


def test_outbound_google_is_this_adapter_when_live_and_the_sandbox_otherwise(monkeypatch):
    monkeypatch.setenv("OUTBOUND_MODE", "live")
    settings.cache_clear()
    try:
        assert isinstance(platforms.outbound("google"), GoogleReviewsPlatform)
        assert platforms.outbound("google").name == "google"
        monkeypatch.setenv("OUTBOUND_MODE", "sandbox")
        settings.cache_clear()
        assert isinstance(platforms.outbound("google"), SandboxPlatform)
    finally:
        settings.cache_clear()


def test_the_token_request_and_the_reply_use_the_documented_timeouts_on_one_open_session(google):
    # google-auth would wait up to 120 seconds for the token endpoint, and close the session it was given
    timeouts = []

    class Session:
        def request(self, method, url, **kwargs):  # google-auth's transport
            timeouts.append(("token", kwargs["timeout"]))
            return answer(200, TOKEN)

        def put(self, url, **kwargs):
            timeouts.append(("reply", kwargs["timeout"]))
            return answer(200, {"comment": "ok", "updateTime": "2026-11-22T09:40:00Z"})

        def close(self):
            timeouts.append(("closed", None))

    def answer(status: int, body: dict) -> requests.Response:
        response = requests.Response()
        response.status_code, response._content = status, json.dumps(body).encode()
        return response

    GoogleReviewsPlatform(session=Session()).post_reply(REVIEW, "ok", "key")
    gc.collect()
    assert [what for what, _ in timeouts] == ["token", "reply"]
    assert timeouts[0][1] == (3.05, 10.0)
    connect, read = timeouts[1][1]
    assert connect == 3.05 and read == pytest.approx(10.0, abs=0.05)


def test_google_has_no_channel_of_the_brands_own_and_says_so_whatever_the_mode(monkeypatch):
    from socialcare import platforms
    from socialcare.platforms.google_reviews import GoogleReviewsPlatform
    with pytest.raises(ChannelRejectedError, match="no channel of its own to post a statement on"):
        GoogleReviewsPlatform().post_status("We know…", "key")
    assert "post it on the Business Profile by hand" in platforms.own_channel_refusal("google")
    assert [platforms.own_channel_refusal(name) for name in ("x", "meta", "generic")] == ["", "", ""]

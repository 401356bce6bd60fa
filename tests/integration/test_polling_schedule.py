"""The scheduled pollers, run as their Lambdas on the local cloud: new X mentions become cases and a second run asks X
only for what is newer; a Google review becomes a case answered on the review itself."""
from __future__ import annotations

import json
import threading

import pytest
import responses
from botocore.exceptions import ClientError

from socialcare.config import settings
from tests.integration.helpers import act, wait_until_waiting
from tests.unit.socialcare.test_polling import BRAND, URL, page, post


def test_two_scheduled_polls_open_cases_for_new_mentions_only(cloud, monkeypatch):
    monkeypatch.setenv("X_BRAND_USER_ID", BRAND)
    cloud.put_secret("X_BEARER_TOKEN", "local-bearer")
    settings.cache_clear()
    try:
        with responses.RequestsMock() as x:
            # Given X's mentions timeline with one mention
            x.get(URL, json=page(post("1200", "77")))
            # When the schedule fires the poll function and the queue is delivered
            first = cloud.invoke("PollXFunction", {"maxPages": 5})
            cloud.deliver_queue()
            # Then the mention is a case waiting for its acknowledgement
            assert first["x#mentions"]["enqueued"] == 1
            wait_until_waiting(cloud, "x-1200", "acknowledge")
            # When the next run finds one newer mention
            x.replace(responses.GET, URL, json=page(post("1300", "78")))
            second = cloud.invoke("PollXFunction", {"maxPages": 5})
            cloud.deliver_queue()
            # Then it asked X only for posts after the first run's newest, and opened one more case
            assert x.calls[-1].request.params["since_id"] == "1200"
            assert second["x#mentions"]["enqueued"] == 1
            wait_until_waiting(cloud, "x-1300", "acknowledge")
            assert sorted(e["name"] for e in cloud.executions()) == ["x-1200", "x-1300"]
    finally:
        settings.cache_clear()


def test_a_google_review_is_polled_answered_on_the_review_and_handed_off_without_a_dm(make_cloud, monkeypatch):
    from socialcare.platforms import google_reviews
    from tests.unit.socialcare.platforms.test_google_reviews import LOCATION, REVIEWS_URL, TOKEN_URL, page, review

    monkeypatch.setenv("OUTBOUND_MODE", "live")
    monkeypatch.setenv("GOOGLE_REVIEW_LOCATIONS", LOCATION)
    settings.cache_clear()
    google_reviews.forget_token()
    cloud = make_cloud()
    priya = review("R9", minutes_ago=3, comment="Waited 40 minutes at click & collect and nobody came.")
    reply_url = f"https://mybusiness.googleapis.com/v4/{priya['name']}/reply"
    try:
        with responses.RequestsMock(assert_all_requests_are_fired=True) as google:
            google.post(TOKEN_URL, json={"access_token": "ya29.local", "expires_in": 3599, "token_type": "Bearer"})
            google.get(REVIEWS_URL, json=page(priya))
            reply = google.put(reply_url, json={"comment": "ok", "updateTime": "2026-11-22T10:00:00Z"})
            # Given the schedule fires the Google poll and the queue is delivered
            polled = cloud.invoke("PollGoogleReviewsFunction", {"maxPages": 5})
            assert polled[f"google#{LOCATION}"]["enqueued"] == 1
            cloud.deliver_queue()
            [case_id] = [e["name"] for e in cloud.executions()]
            assert case_id.startswith("google-R9-")
            wait_until_waiting(cloud, case_id, "acknowledge")
            # When an agent acknowledges
            assert act(cloud, case_id, "acknowledge", replyText="Priya, we're so sorry you waited.").status == 200
            # Then the reply is PUT on the review, and with no private channel the case goes straight to triage
            case = wait_until_waiting(cloud, case_id, "claim")
            assert [json.loads(c.request.body) for c in google.calls if c.request.method == "PUT"] == [
                {"comment": "Priya, we're so sorry you waited."}]
            assert reply.call_count == 1
            assert not any(e["event"] == "posted publicly" and e.get("kind") == "dm-invitation"
                           for e in case["timeline"])
    finally:
        google_reviews.forget_token()
        settings.cache_clear()


def test_a_scheduled_poll_that_starts_while_one_runs_is_throttled_not_run_twice(cloud, monkeypatch):
    # The pollers reserve a concurrency of 1 (storage/cursors.py assumes one poller per source at a time)
    assert cloud.stack.functions["PollXFunction"].reserved_concurrency == 1
    monkeypatch.setenv("X_BRAND_USER_ID", BRAND)
    cloud.put_secret("X_BEARER_TOKEN", "local-bearer")
    settings.cache_clear()
    asked, release = threading.Event(), threading.Event()

    def slow_x(request):  # X answers the first run only when the test says so
        asked.set()
        assert release.wait(20), "the test never released X's answer"
        return 200, {}, json.dumps(page(post("1400", "79")))
    runs: dict[str, object] = {}

    def first_run():
        try:
            runs["first"] = cloud.run_schedule("social-care-local-poll-x")
        except Exception as error:  # noqa: BLE001 - the assertion below shows it
            runs["first"] = error
    try:
        with responses.RequestsMock() as x:
            x.add_callback(responses.GET, URL, callback=slow_x)
            # Given a scheduled run waiting for X's answer
            running = threading.Thread(target=first_run, name="first-poll")
            running.start()
            assert asked.wait(20), "the first run never asked X"
            # When the schedule fires again meanwhile
            with pytest.raises(ClientError) as throttled:
                cloud.run_schedule("social-care-local-poll-x")
            # Then Lambda throttles that run, as it does a function at its reserved concurrency
            assert throttled.value.response["Error"]["Code"] == "TooManyRequestsException"
            assert throttled.value.response["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
            # and the first run finishes as if alone: X was asked once, one mention enqueued
            release.set()
            running.join(30)
            assert runs["first"]["x#mentions"]["enqueued"] == 1, runs["first"]
            assert len(x.calls) == 1
        assert [f for f, _ in cloud.invocations].count("PollXFunction") == 1
        # and once it is done, the next scheduled run is not throttled
        with responses.RequestsMock() as x:
            x.get(URL, json=page())
            assert cloud.run_schedule("social-care-local-poll-x")["x#mentions"]["enqueued"] == 0
    finally:
        release.set()
        settings.cache_clear()

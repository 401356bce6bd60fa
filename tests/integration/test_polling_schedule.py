"""The scheduled X poller, run as its Lambda on the local cloud: new mentions become cases, a second run asks X only
for what is newer."""
from __future__ import annotations

import responses

from socialcare.config import settings
from tests.integration.helpers import wait_until_waiting
from tests.unit.socialcare.test_polling import BRAND, URL, page, post


def test_two_scheduled_polls_open_cases_for_new_mentions_only(cloud, monkeypatch):
    monkeypatch.setenv("X_BRAND_USER_ID", BRAND)
    monkeypatch.setenv("X_BEARER_TOKEN", "local-bearer")
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

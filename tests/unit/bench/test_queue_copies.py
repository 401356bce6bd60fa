"""The queue bench's copies are cases of their own, in the shape of the ingested one they copy, on the index the queue
reads (status + deadline)."""
from datetime import UTC, datetime

from bench.queue import copies

TEMPLATE = {"case_id": {"S": "generic-queue-0"}, "record": {"S": "CASE"}, "status": {"S": "OPEN"},
            "deadline": {"S": "2026-11-30T10:00:00.000Z"}, "author_key": {"S": "generic#queue-0"},
            "summary_text": {"S": "@brand my order 0 is late"}, "waiting_for": {"S": "acknowledge"},
            "task_token": {"S": "token"}, "mention_count": {"N": "1"}}


def test_each_copy_is_its_own_case_on_the_queue_s_index():
    items = copies([TEMPLATE], 200, datetime(2026, 11, 22, 9, 0, tzinfo=UTC))
    assert len({item["case_id"]["S"] for item in items}) == 200
    assert len({item["author_key"]["S"] for item in items}) == 200
    assert len({item["deadline"]["S"] for item in items}) == 200  # one order, whatever the ties would do
    assert all(item["record"] == {"S": "CASE"} and "deadline" in item and "task_token" in item for item in items)
    statuses = {item["status"]["S"] for item in items}
    assert statuses == {"OPEN", "DISMISSED"}
    assert all("waiting_for" not in item for item in items if item["status"]["S"] != "OPEN")
    assert any("flagged_reason" in item for item in items) and any("summary_text" not in item for item in items)
    assert TEMPLATE["case_id"] == {"S": "generic-queue-0"}  # the template itself is left as it was

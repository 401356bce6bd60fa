"""The customer's private messages are kept only as long as the care policy says: a case closed with a DM is erased
by the daily function (run as its own role), its timeline says the DM was received and erased, and nothing is
erased early or twice."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from socialcare.cases import retention
from socialcare.storage.records import CaseRecord
from tests.integration.helpers import act, customer_dm, run_to_acknowledged, show, wait_until_waiting

PRIVATE_DM = "Email me: ann@example.com or call 555-0100"


def closed_with_a_dm(cloud, mention_id: str) -> str:
    case_id = run_to_acknowledged(cloud, mention_id)
    wait_until_waiting(cloud, case_id, "customer-dm")
    customer_dm(cloud, f"{mention_id}-dm", text=PRIVATE_DM)
    wait_until_waiting(cloud, case_id, "claim")
    assert act(cloud, case_id, "dismiss", reason="solved-elsewhere").status == 200
    cloud.wait_for_status(case_id)
    return case_id


def days_from_now(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def test_a_closed_cases_dm_is_erased_after_the_retention_days_and_the_timeline_says_so(cloud, monkeypatch):
    case_id = closed_with_a_dm(cloud, "7701")
    record = CaseRecord.get(case_id, "CASE")
    assert record.private_contact == PRIVATE_DM
    assert record.erase_private_at[:10] == days_from_now(90)[:10]  # the policy's default, 90 days after closing
    # The daily run before the day erases nothing...
    monkeypatch.setattr(retention, "now_iso", lambda: days_from_now(89))
    assert cloud.run_schedule("social-care-local-erase-private-messages") == {"erased": 0}
    assert CaseRecord.get(case_id, "CASE").private_contact == PRIVATE_DM
    # ...the run after it erases the message, as the function's own role
    monkeypatch.setattr(retention, "now_iso", lambda: days_from_now(91))
    assert cloud.run_schedule("social-care-local-erase-private-messages") == {"erased": 1}
    record = CaseRecord.get(case_id, "CASE")
    assert record.private_contact is None and record.dm_sender_id is None and record.private_erased_at
    events = [e["event"] for e in show(cloud, case_id)["timeline"]]
    assert "customer DM received (erased)" in events and "customer DM received" not in events
    assert "ann@example.com" not in json.dumps(show(cloud, case_id))
    # A second run finds nothing left to erase
    assert cloud.run_schedule("social-care-local-erase-private-messages") == {"erased": 0}
    assert cloud.iam.denials == []


def test_a_case_closed_without_a_dm_is_never_on_the_erasure_list(cloud):
    case_id = run_to_acknowledged(cloud, "7702")
    wait_until_waiting(cloud, case_id, "customer-dm")
    assert act(cloud, case_id, "dismiss", reason="spam").status == 200
    cloud.wait_for_status(case_id)
    record = CaseRecord.get(case_id, "CASE")
    assert record.private_data is None and record.erase_private_at is None
    assert retention.erase_due_private_messages(now=days_from_now(365)) == []

"""The customer's private messages are kept only as long as the care policy says: every DM of a case closed with DMs
is erased by the daily function (run as its own role), its timeline says each DM was received and erased, and nothing
is erased early or twice."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from socialcare.cases import retention
from socialcare.storage.cases import CasesRepository
from socialcare.storage.records import CaseRecord
from tests.integration.helpers import act, customer_dm, run_to_acknowledged, show, wait_until_waiting

PRIVATE_DM = "Email me: ann@example.com or call 555-0100"
LATER_DM = "Actually, my work address is better: ann@work.example"


def closed_with_two_dms(cloud, mention_id: str) -> str:
    case_id = run_to_acknowledged(cloud, mention_id)
    wait_until_waiting(cloud, case_id, "customer-dm")
    customer_dm(cloud, f"{mention_id}-dm", text=PRIVATE_DM)
    wait_until_waiting(cloud, case_id, "claim")
    customer_dm(cloud, f"{mention_id}-dm-2", text=LATER_DM)
    assert act(cloud, case_id, "dismiss", reason="solved-elsewhere").status == 200
    cloud.wait_for_status(case_id)
    return case_id


def days_from_now(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def thread(case_id: str) -> list[str]:
    return [message.private_contact for message in CasesRepository().private_messages(case_id)]


def test_a_closed_cases_dms_are_erased_after_the_retention_days_and_the_timeline_says_so(cloud, monkeypatch):
    case_id = closed_with_two_dms(cloud, "7701")
    record = CaseRecord.get(case_id, "CASE")
    assert thread(case_id) == [PRIVATE_DM, LATER_DM]
    assert record.erase_private_at[:10] == days_from_now(90)[:10]  # the policy's default, 90 days after closing
    # The daily run before the day erases nothing...
    monkeypatch.setattr(retention, "now_iso", lambda: days_from_now(89))
    assert cloud.run_schedule("social-care-local-erase-private-messages") == {"erased": 0}
    assert thread(case_id) == [PRIVATE_DM, LATER_DM]
    # ...the run after it erases every message, as the function's own role
    monkeypatch.setattr(retention, "now_iso", lambda: days_from_now(91))
    assert cloud.run_schedule("social-care-local-erase-private-messages") == {"erased": 1}
    record = CaseRecord.get(case_id, "CASE")
    assert thread(case_id) == [] and CasesRepository().private_message_times(case_id) == []
    assert record.private_contact is None and record.dm_sender_id is None and record.private_erased_at
    case = show(cloud, case_id)
    events = [e["event"] for e in case["timeline"]]
    assert events.count("customer DM received (erased)") == 2 and "customer DM received" not in events
    assert case["privateMessages"] == 0
    assert "ann@" not in json.dumps(case)
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

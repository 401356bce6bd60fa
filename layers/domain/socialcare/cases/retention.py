"""Private messages are kept only as long as the care policy says (privacy.erase_private_messages_after_days): a case
that closes holding the customer's DMs is marked with the day to erase them, and the daily erasure removes every one of
them from the case and marks each in its timeline "customer DM received (erased)"."""
from __future__ import annotations

from datetime import datetime, timedelta

from aws_lambda_powertools import Logger

from socialcare.care.policy import policy
from socialcare.storage.cases import CasesRepository, now_iso
from socialcare.storage.records import PRIVATE_DATA_HELD, CaseRecord

logger = Logger(child=True)
DM_RECEIVED = "customer DM received"
ERASED_SUFFIX = " (erased)"


def erase_at(closed_at: str) -> str:
    """The moment a case closed at `closed_at` loses its private message."""
    days = policy().privacy.erase_private_messages_after_days
    erase = datetime.fromisoformat(closed_at) + timedelta(days=days)
    return erase.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def marks_for_closing(case: CaseRecord, closed_at: str) -> list:
    """The update actions that put a closing case holding a private message on the erasure index. A DM marks its open
    case (dm_received) before it is kept there, so a case with any DM item is marked, even one kept as it closed."""
    if not (case.dm_received or case.private_contact):
        return []
    return [CaseRecord.private_data.set(PRIVATE_DATA_HELD), CaseRecord.erase_private_at.set(erase_at(closed_at))]


def erase_due_private_messages(now: str | None = None, repo: CasesRepository | None = None) -> list[str]:
    """Erase every private message due by `now`; returns the cases erased. Safe to run twice, or to stop half-way:
    a case leaves the index only with its messages gone."""
    repo = repo or CasesRepository()
    now = now or now_iso()
    erased = []
    for case_id in repo.due_for_erasure(now):
        for entry in repo.timeline(case_id):
            if entry.event == DM_RECEIVED:
                repo.rename_event(case_id, entry.record, DM_RECEIVED + ERASED_SUFFIX)
        repo.erase_private_data(case_id, erased_at=now)
        logger.info("private message erased", extra={"caseId": case_id})
        erased.append(case_id)
    return erased

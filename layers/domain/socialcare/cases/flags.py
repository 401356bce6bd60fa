"""Clearing an author's flag: an agent who judges a flagged author's record wrong, or out of date, clears it with a
reason.

The clearance is kept under the author, like a link between accounts (when, who, why). From then on only the
author's dismissals after it count towards the flag, and their open case, if any, loses its flag at once: it is
answered and escalated like anyone's. Clearing an author who is not flagged is allowed (a retried call, or an agent
vouching for someone one dismissal short of the flag) and audited the same way; the answer says they were not.
"""
from __future__ import annotations

from socialcare.care.assessment import flag_reason
from socialcare.care.policy import policy
from socialcare.cases import history, service
from socialcare.storage.cases import CasesRepository, now_iso


def clear_flag(platform: str, author_id: str, reason: str, agent: str, repo: CasesRepository | None = None) -> dict:
    repo = repo or CasesRepository()
    key = history.author_key(platform, author_id)
    flagged_by_record = flag_reason(history.earlier_record(key, repo), policy(), history.flag_cleared_at(key, repo))
    cleared_at = now_iso()
    repo.add_flag_clearance(key, cleared_at, by=agent, reason=reason)
    open_case = repo.open_case_of(key)
    unflagged = bool(open_case) and service.lift_flag(open_case, agent, reason, cleared_at, repo)
    return {"author": {"platform": platform, "authorId": author_id}, "clearedAt": cleared_at, "by": agent,
            "reason": reason, "wasFlagged": bool(flagged_by_record) or unflagged,
            "unflaggedCase": open_case if unflagged else None}

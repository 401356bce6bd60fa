"""The guardrails applied to a case: which limit its surface has, which recent replies count as someone else's."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from socialcare.errors import ReplyRejectedError
from socialcare.care.guardrails import check_private_reply, check_public_reply, echoes, without_personal_details
from socialcare.care.policy import policy
from socialcare.storage.records import CaseRecord
from socialcare.storage.replies import RecentRepliesRepository


def check_reply(case: CaseRecord, text: str, automatic: bool = False, private: bool = False,
                replies: RecentRepliesRepository | None = None) -> None:
    """Raise ReplyRejectedError naming every broken rule of a public reply (a private one: `private`). Automatic
    notices are the same for everyone by design: they are not checked for being canned."""
    rules = policy().guardrails
    limits = rules.private_length_limits if private else rules.length_limits
    surface = case.surface if case.surface in limits else case.platform or ""
    recent: list[str] = []
    if not automatic and rules.canned_window_days:
        since = (datetime.now(UTC) - timedelta(days=rules.canned_window_days)).isoformat()
        recent = (replies or RecentRepliesRepository()).since(since, not_to=case.author_key or "")
    rejections = (check_private_reply if private else check_public_reply)(text, surface, recent, rules,
                                                                           to_praise=case.intent == "praise")
    if rejections:
        raise ReplyRejectedError(rejections)


def echo_of_our_reply(case: CaseRecord, replies: RecentRepliesRepository | None = None) -> str:
    """The brand's recent public reply that the case's opening mention only repeats ("" when it says something of
    its own): such a mention is our own words coming back, not a customer asking."""
    rules = policy().echoes
    if not rules.dismiss:
        return ""
    since = (datetime.now(UTC) - timedelta(days=rules.window_days)).isoformat()
    return echoes(case.summary_text or "", (replies or RecentRepliesRepository()).since(since, not_to=""),
                  rules.similarity)


def remember_reply(case: CaseRecord, kind: str, text: str, private: bool = False,
                   replies: RecentRepliesRepository | None = None) -> None:
    """Keep a sent agent reply for the canned check of the next ones (a private one without its personal details)."""
    (replies or RecentRepliesRepository()).add(datetime.now(UTC).isoformat(), case.case_id, kind,
                                               case.author_key or "",
                                               without_personal_details(text) if private else text)

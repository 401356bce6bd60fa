"""The customer's history: an author's cases, with those of the accounts agents linked as the same person's, and
the record behind an author's flag (the dismissals that count, the agents' clearances).

An entry says how a case went (opened, status, how it ended, topic, priority) and which account it came from. It
never carries the customer's private message or the internal resolution notes.
"""
from __future__ import annotations

import re
from datetime import datetime

from socialcare.care.assessment import EarlierCase, counted_dismissals
from socialcare.cases import clocks, lifecycle
from socialcare.errors import InvalidAuthorError, LinkingOffError
from socialcare.care.policy import policy
from socialcare.storage.cases import CasesRepository
from socialcare.storage.records import CaseRecord

# The platforms whose authors keep one id from post to post, and the ids each gives (ASCII only). Google names no
# reviewer: each review is its own author, so a Google author has no history to look up.
AUTHOR_IDS = {"generic": re.compile(r"[A-Za-z0-9._:@-]{1,128}"), "meta": re.compile(r"[0-9]{1,32}"),
              "x": re.compile(r"[0-9]{1,20}")}
EARLIER_CASES_SHOWN = 20  # on a case; the author's route lists them all
MAX_ACCOUNTS = 20  # one person's linked accounts, followed link by link


def author_key(platform: str, author_id: str) -> str:
    """The key cases are stored under (as ingest builds it), once the platform and the id are checked."""
    pattern = AUTHOR_IDS.get(platform)
    if pattern is None:
        raise InvalidAuthorError(f"no author history on platform {platform!r}; one of {', '.join(AUTHOR_IDS)}")
    if not pattern.fullmatch(author_id):
        raise InvalidAuthorError(f"{author_id[:140]!r} is not a {platform} author id")
    return f"{platform}#{author_id}"


def author_cases(platform: str, author_id: str, repo: CasesRepository | None = None) -> dict:
    """Every case of the author and of their linked accounts, newest first."""
    repo = repo or CasesRepository()
    key = author_key(platform, author_id)
    accounts = linked_accounts(key, repo)
    clearances = [(account, clearance) for account in accounts for clearance in repo.flag_clearances(account)]
    return {"platform": platform, "authorId": author_id,
            "linkedAccounts": [_account(other) for other in accounts[1:]],
            "cases": [_entry(case, key) for case in _newest_first(accounts, repo)],
            "flagClearances": [{**_account(account), **_clearance(clearance)} for account, clearance
                               in sorted(clearances, key=lambda pair: pair[1].at, reverse=True)]}


def earlier_cases(case: CaseRecord, repo: CasesRepository | None = None) -> list[dict]:
    """The cases the same person opened before this one (any of their linked accounts), newest first."""
    repo = repo or CasesRepository()
    earlier = [other for other in _newest_first(linked_accounts(case.author_key, repo), repo,
                                                limit=EARLIER_CASES_SHOWN + 1, opened_by=case.opened_at)
               if other.case_id != case.case_id]
    return [_entry(other, case.author_key) for other in earlier[:EARLIER_CASES_SHOWN]]


def earlier_record(author_key: str, repo: CasesRepository, opened_by: str | None = None,
                   cases: list[CaseRecord] | None = None) -> list[EarlierCase]:
    """The author's cases (opened by `opened_by`, when given) as the assessment reads them: when each opened, and
    why and when it was dismissed. The flag is the account's own: linked accounts do not add to it. `cases`: the
    author's cases as list_by_author just gave them (then `opened_by` is not used)."""
    if cases is None:
        cases = repo.list_by_author(author_key, opened_by=opened_by)
    return [EarlierCase(case.case_id, clocks.parse(case.opened_at),
                        (case.closed_reason or "") if case.status == lifecycle.DISMISSED else "",
                        clocks.parse(case.closed_at) if case.closed_at else None)
            for case in cases if case.opened_at]


def flag_cleared_at(author_key: str, repo: CasesRepository, by: str | None = None,
                    clearances: list[CaseRecord] | None = None) -> datetime | None:
    """When an agent last cleared the author's flag (by `by`, when given), or None. `clearances`: the author's, as
    the repository just gave them."""
    if clearances is None:
        clearances = repo.flag_clearances(author_key)
    times = [clearance.at for clearance in clearances if by is None or clearance.at <= by]
    return clocks.parse(times[-1]) if times else None


def flag_of(case: CaseRecord, repo: CasesRepository | None = None) -> dict:
    """Why the case's author is flagged, as it was decided when the case opened: the dismissals that counted (newest
    first; the policy's reasons, since the author's last clearance before then) and the clearances before it."""
    repo = repo or CasesRepository()
    earlier = [other for other in earlier_record(case.author_key, repo, opened_by=case.opened_at)
               if other.case_id != case.case_id]
    clearances = [c for c in repo.flag_clearances(case.author_key) if c.at <= (case.opened_at or "")]
    cleared_at = clocks.parse(clearances[-1].at) if clearances else None
    return {"reason": case.flagged_reason,
            "dismissedCases": [{"caseId": other.case_id, "closedAt": clocks.iso(other.closed_at) if other.closed_at
                                else None, "reason": other.dismissed_reason}
                               for other in counted_dismissals(earlier, policy(), cleared_at)],
            "clearances": [_clearance(clearance) for clearance in reversed(clearances)]}


def link(platform: str, author_id: str, other_platform: str, other_id: str, agent: str,
         repo: CasesRepository | None = None) -> dict:
    """An agent says two accounts are one person's. Linking them again changes nothing."""
    if not policy().privacy.link_accounts:
        raise LinkingOffError("the care policy does not link accounts (privacy.link_accounts)")
    key, other = author_key(platform, author_id), author_key(other_platform, other_id)
    if key == other:
        raise InvalidAuthorError("an account cannot be linked to itself")
    created = (repo or CasesRepository()).link_authors(key, other, by=agent)
    return {"author": _account(key), "linked": _account(other), "alreadyLinked": not created}


def linked_accounts(key: str, repo: CasesRepository) -> list[str]:
    """The author key first, then every account linked to it, directly or through another of the person's accounts
    (none when the care policy does not link accounts)."""
    accounts = [key]
    if not policy().privacy.link_accounts:
        return accounts
    for account in accounts:  # the list grows as links are found: a breadth-first walk
        accounts += [other for other in repo.links_of(account) if other not in accounts]
        if len(accounts) >= MAX_ACCOUNTS:
            break
    return accounts[:MAX_ACCOUNTS]


def _newest_first(accounts: list[str], repo: CasesRepository, limit: int | None = None,
                  opened_by: str | None = None) -> list[CaseRecord]:
    cases = [case for account in accounts
             for case in repo.list_by_author(account, newest_first=True, limit=limit, opened_by=opened_by)]
    return sorted(cases, key=lambda case: case.opened_at or "", reverse=True)[:limit]


def _account(key: str) -> dict:
    platform, author_id = key.split("#", 1)
    return {"platform": platform, "authorId": author_id}


def _clearance(clearance: CaseRecord) -> dict:
    return {"at": clearance.at, "by": clearance.cleared_by, "reason": clearance.clearance_reason}


def _entry(case: CaseRecord, asked: str) -> dict:
    """One case of the history; `linked`: it came from another account of the person than the one asked about."""
    return {"caseId": case.case_id, **_account(case.author_key), "author": case.author_handle,
            "linked": case.author_key != asked, "openedAt": case.opened_at, "status": case.status,
            "closedAt": case.closed_at, "closedReason": case.closed_reason, "topic": case.topic,
            "priority": case.priority or "normal", "text": case.summary_text}

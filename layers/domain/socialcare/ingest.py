"""Ingest: a normalised mention becomes a new case, a line on its author's open case, or the DM a case waits for.
A DM from someone without an open case opens a private case: the customer wrote to us privately first.

Idempotent end to end, so a platform retry, an SQS redelivery or a crash half-way changes nothing twice:
  1. the mention's platform id is claimed with a conditional put (the dedupe);
  2. the case id is derived from the opening mention, and the case and its author pointer are created in one
     conditional transaction, so concurrent deliveries agree on one case;
  3. timeline entries have deterministic keys;
  4. StartExecution is named by the case id with a fixed input, so a second start returns the same execution;
  5. the mention is linked to its case last: a linked mention is fully done (its pile-on incident's alert included).
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from pynamodb.exceptions import TransactWriteError

from socialcare import notify, workflow
from socialcare.care import csat, drafts, incidents
from socialcare.care.assessment import Assessment, EarlierCase, assess, pile_on_priority, worth_a_case
from socialcare.cases import clocks, facts, history, lifecycle, service
from socialcare.errors import InvalidCaseTransitionError
from socialcare.models import Mention, case_id_for
from socialcare.care.policy import policy
from socialcare.storage.cases import AuthorHasOpenCaseError, CasesRepository, now_iso
from socialcare.storage.incidents import Complaint, IncidentsRepository
from socialcare.storage.records import CASE_RECORD, CaseRecord

OPENED = "opened"
ATTACHED = "attached"
DM_RESUMED = "dm-resumed"
DM_ATTACHED = "dm-attached"
DUPLICATE = "duplicate"
RATED = "rated"  # a DM that answers "how did we do?": the asked case's score, no case of its own
WATCHED = "watched"  # an indirect mention that is no case (yet): kept for pile-ons


@dataclass(frozen=True)
class IngestOutcome:
    mention_key: str
    outcome: str
    case_id: str | None


def ingest_mention(mention: Mention, repo: CasesRepository | None = None) -> IngestOutcome:
    repo = repo or CasesRepository()
    record, _first_sighting = repo.claim_mention(mention.key, mention.kind, mention.author_key)
    if record.outcome and record.outcome != WATCHED:  # a watched post seen again, addressed to us, may be a case
        return IngestOutcome(mention.key, DUPLICATE, record.case_id)
    if mention.is_private:
        return _private_message(mention, record.received_at, repo)
    return _public_mention(mention, repo)


def _private_message(mention: Mention, received_at: str, repo: CasesRepository) -> IngestOutcome:
    """The DM joins its author's open case, in the order of its first sighting (the same on a redelivery); from
    someone without an open case it opens a private case, assessed like a public mention. A score that answers our
    "how did we do?" is recorded on the case we asked about, and is nothing more."""
    rated = _rated_case(mention, repo)
    if rated:
        repo.link_mention(mention.key, rated, RATED)
        return IngestOutcome(mention.key, RATED, rated)
    author = _author_record(mention, repo)
    assessment = assess(mention, author.earlier, policy(), clocks.now(), flag_cleared_at=author.cleared_at)
    outcome, case_id = _open_or_attach(mention, assessment, repo, received_at, author)
    repo.link_mention(mention.key, case_id, outcome)
    return IngestOutcome(mention.key, outcome, case_id)


def _rated_case(mention: Mention, repo: CasesRepository) -> str | None:
    """The case the DM scores: only a score (care/csat.py), from someone we asked how we did within the policy's
    window, about their latest case (not one they opened since), not scored yet. None: a normal DM."""
    score = csat.parse_score(mention.text)
    asked = repo.asked_case_of(mention.author_key) if score is not None else None
    if asked is None:
        return None
    case_id, asked_at = asked
    if clocks.now() - clocks.parse(asked_at) > timedelta(hours=policy().csat.window_hours):
        return None
    if repo.open_case_of(mention.author_key) not in (None, case_id):
        return None  # they wrote to us about something new since: the number belongs to that conversation
    return case_id if service.record_score(case_id, score, mention.key, repo) else None


def _public_mention(mention: Mention, repo: CasesRepository, pile: incidents.PileOn | None = None) -> IngestOutcome:
    """Assess, note a complaint for pile-ons, then open or attach a case, or only watch an indirect mention."""
    now = clocks.now()
    _note_review_rating(mention, repo)
    author = _author_record(mention, repo)
    earlier, cleared_at = author.earlier, author.cleared_at
    assessment = assess(mention, earlier, policy(), now, flag_cleared_at=cleared_at)
    complaint = None
    # a flagged author's complaint counts towards no pile-on: it neither opens an incident nor grows one up the ladder
    # (their case never pages leadership), and it stays their own case
    if pile is None and assessment.complaint and assessment.topic and not assessment.flagged:
        # the window counts from when complaints reach us: a poll may bring a post late, and a pile-on is now
        complaint = Complaint(mention.key, mention.author_key, incidents.posted_at(now.isoformat(), now), "",
                              mention.to_message(), _who(mention), mention.author.followers or 0, mention.platform)
        pile = incidents.note_complaint(assessment.topic, complaint, policy(), now)
    in_pile_on = pile is not None and pile.incident is not None
    if in_pile_on:
        assessment = assess(mention, earlier, policy(), now, pile_on=True, flag_cleared_at=cleared_at)
    if not (worth_a_case(mention, assessment, policy()) or in_pile_on):
        repo.mark_watched(mention.key)
        return IngestOutcome(mention.key, WATCHED, None)
    outcome, case_id = _open_or_attach(mention, assessment, repo, author=author)
    if complaint is not None:
        IncidentsRepository().set_complaint_case(assessment.topic, complaint, case_id)
    if in_pile_on:
        _group(pile, case_id, mention.key, repo, tell=complaint is not None)
    repo.link_mention(mention.key, case_id, outcome)  # last: a redelivery before this finishes the incident's work
    return IngestOutcome(mention.key, outcome, case_id)


REPLIES = ("post:acknowledgement", "post:answer", "post:follow-up")  # our reply on a review (one reply: replaced)


def _stars(mention: Mention) -> int | None:
    """A Google review's star rating as the poll read it (None for anything else)."""
    stars = mention.extra.get("star_rating") if mention.platform == "google" else None
    return int(stars) if stars else None


def _note_review_rating(mention: Mention, repo: CasesRepository) -> None:
    """A poll reads a review again with other stars (the reviewer edited it): on the latest case of that review we
    replied on, the stars before (when it opened) and after are recorded. Google reviews have no private messages to
    ask how we did: this is their answer. The edited review then goes on as any mention does."""
    stars = _stars(mention)
    if stars is None:
        return
    for case in repo.list_by_author(mention.author_key, newest_first=True, limit=5):
        if case.review_rating_before is None or not any(repo.get_event(case.case_id, key) for key in REPLIES):
            continue
        before, now = int(case.review_rating_before), int(case.review_rating_after or case.review_rating_before)
        if stars != now:
            repo.update(case.case_id, [CaseRecord.review_rating_after.set(stars)])
            repo.add_event(case.case_id, f"review-rating:{mention.key}", f"review rated {stars} stars after our "
                           f"reply (was {before})", {"before": before, "after": stars})
            facts.record(case.case_id, repo)  # the stars after our reply join the case's facts
        return


def _group(pile: incidents.PileOn, case_id: str, mention_key: str, repo: CasesRepository, tell: bool = True) -> None:
    """Put the case in its incident. The complaint that opened the incident also groups the cases before it and opens
    cases for the watched complaints that made it. Then the tier the incident's growth has reached hears it, once
    (`tell`: not for a watched complaint opened by the opener, which tells for all of them)."""
    incident = pile.incident
    for grouped in {case_id, *pile.grouped_cases}:
        if repo.add_event(grouped, f"incident:{incident.incident_id}", "grouped in an incident",
                          {"incident": incident.incident_id, "topic": incident.topic}):
            repo.update(grouped, [CaseRecord.incident_id.set(incident.incident_id)])
        case = repo.get(grouped)
        IncidentsRepository().group_case(incident.incident_id, grouped, case.platform if case else "", now_iso())
        if grouped != case_id:  # opened before anyone knew it was a pile-on: assess it again knowing
            service.raise_priority(grouped, pile_on_priority(_opening_assessment(grouped, repo)),
                                   f"part of the {incident.topic} incident", repo)
    if pile.alert_leads:
        for watched in pile.watched:
            if watched.mention_key == mention_key or not watched.mention:
                continue
            earlier = Mention.from_message(watched.mention)
            if repo.claim_mention(earlier.key, earlier.kind, earlier.author_key)[0].outcome == WATCHED:
                opened = _public_mention(earlier, repo, pile=incidents.PileOn(incident))
                IncidentsRepository().set_complaint_case(incident.topic, watched, opened.case_id or "")
    if tell:
        _tell_growth(incident.incident_id, mention_key)
    if pile.alert_leads:
        IncidentsRepository().mark_alerted(incident, now_iso())


def _tell_growth(incident_id: str, mention_key: str) -> None:
    """The tier the incident's growth reached, if nobody told it yet: once, with its cases and the holding
    statement to post."""
    alert = incidents.growth_alert(incident_id, mention_key, policy(), now_iso())
    if alert is None:
        return
    incident = IncidentsRepository().load(incident_id) or alert.incident
    notify.notify_incident(incident_id, incident.topic, alert.level, incident.authors, list(incident.case_ids),
                           incident.holding_statement, incident.reach, growing=len(incident.tiers) > 1)
    IncidentsRepository().mark_tier_alerted(incident_id, alert.level)


OPEN_ATTEMPTS = 5


@dataclass(frozen=True)
class _AuthorRecord:
    """What ingest reads of the author before it decides, read once: their cases, their open case's id, and when an
    agent last cleared their flag (only later dismissals count)."""
    cases: list[CaseRecord]
    earlier: list[EarlierCase]
    open_case_id: str | None
    cleared_at: datetime | None


def _author_record(mention: Mention, repo: CasesRepository) -> _AuthorRecord:
    cases = repo.list_by_author(mention.author_key)
    open_case_id, clearances = repo.author_pointers(mention.author_key)
    return _AuthorRecord(cases, history.earlier_record(mention.author_key, repo, cases=cases), open_case_id,
                         history.flag_cleared_at(mention.author_key, repo, clearances=clearances))


def _open_or_attach(mention: Mention, assessment: Assessment, repo: CasesRepository,
                    received_at: str = "", author: _AuthorRecord | None = None) -> tuple[str, str]:
    """Attach to the author's open case, or open one. The first attempt goes by what was read of the author a moment
    ago (a case opened or closed since is found as the writes' conditions refuse, and the next attempt reads again)."""
    for attempt in range(OPEN_ATTEMPTS):
        case_id = author.open_case_id if author and attempt == 0 else repo.open_case_of(mention.author_key)
        if case_id and case_id != case_id_for(mention):
            outcome = _attach(case_id, mention, assessment, received_at, repo)
            if outcome:
                return outcome, case_id
            continue  # the case closed as we attached: the author's pointer is gone, so open a new case
        try:
            return OPENED, _open(mention, assessment, repo, received_at,
                                 author.cases if author and attempt == 0 else None)
        except AuthorHasOpenCaseError:
            continue  # another mention of the author opened first: attach to its case
        except TransactWriteError:
            time.sleep(random.uniform(0, 0.05 * 2 ** attempt))  # a concurrent transaction: back off and look again
    raise RuntimeError(f"could not settle the open case of {mention.author_key}; the queue will redeliver")


def _open(mention: Mention, assessment: Assessment, repo: CasesRepository, received_at: str = "",
          cases: list[CaseRecord] | None = None) -> str:
    """Open the mention's case and start its execution. A DM opens a private case: its text stays in the thread (a
    DM item), never in the case's public summary, its timeline or the execution."""
    case_id = case_id_for(mention)
    opened_at = now_iso()
    taken_up = _answered_case_to_take_up(mention, repo, cases)
    private = mention.is_private
    repo.open(CaseRecord(
        case_id, CASE_RECORD, status=lifecycle.OPEN, deadline=opened_at, author_key=mention.author_key,
        opened_at=opened_at, platform=mention.platform, author_handle=_who(mention),
        author_name=(mention.author.name or "").strip()[:100] or None,
        author_followers=mention.author.followers, opening_mention_key=mention.key,
        reply_to_id=None if private else mention.reply_to_id, surface=mention.extra.get("surface") or None,
        summary_text=None if private else mention.text[:500], step=lifecycle.NEW, escalation_level=0,
        mention_count=1, priority=assessment.priority, team=assessment.team, topic=assessment.topic or None,
        intent=assessment.intent, flagged_reason=assessment.flagged_reason or None,
        draft_reply=drafts.acknowledgement(mention, assessment), reopens_case_id=taken_up, promise_since=opened_at,
        holding_reply=drafts.holding_reply(mention, assessment),
        visibility=lifecycle.PRIVATE if private else None, review_rating_before=_stars(mention),
        dm_received=True if private else None, dm_sender_id=mention.author.id if private else None,
    ))
    if private:  # before the execution starts: the agents are told of a case whose message is there to read
        repo.add_private_message(case_id, received_at, mention.key, mention.text)
    repo.add_event(case_id, f"mention:{mention.key}", "case opened",
                   {**_public_detail(mention), **assessment.to_detail()}, at=opened_at)
    if taken_up:  # the customer wrote again soon after our public answer: the answer was not the end of it
        repo.add_event(case_id, f"reopens:{taken_up}", "reopens a case answered in public", {"case": taken_up})
        repo.add_event(taken_up, f"reopened-by:{case_id}", "reopened by the customer writing again",
                       {"case": case_id})
    execution_arn = workflow.start_case(case_id, mention.platform,
                                        lifecycle.PRIVATE if private else lifecycle.PUBLIC)
    repo.update(case_id, [CaseRecord.execution_arn.set(execution_arn)])
    return case_id


def _answered_case_to_take_up(mention: Mention, repo: CasesRepository,
                              cases: list[CaseRecord] | None = None) -> str | None:
    """The author's latest case closed as answered in one reply (in public, or privately) within the policy's
    window, if any. `cases`: the author's, as list_by_author just gave them."""
    since = clocks.now() - timedelta(days=policy().intent.reopen_window_days)
    answered = [case for case in (repo.list_by_author(mention.author_key) if cases is None else cases)
                if case.closed_reason in lifecycle.ANSWERED and case.closed_at
                and clocks.parse(case.closed_at) >= since]
    return max(answered, key=lambda case: case.closed_at).case_id if answered else None


def _attach(case_id: str, mention: Mention, assessment: Assessment, received_at: str,
            repo: CasesRepository) -> str | None:
    """Add the mention to the author's open case: its outcome, or None when the case had closed meanwhile. A DM
    joins the case's private thread; a public post raises the case's priority if it is angrier."""
    if mention.is_private:
        try:
            resumed = service.receive_private_message(case_id, mention.key, mention.text, received_at, repo,
                                                      sender_id=mention.author.id)
        except InvalidCaseTransitionError:
            return None
        return DM_RESUMED if resumed else DM_ATTACHED
    if repo.add_event(case_id, f"mention:{mention.key}", "mention attached", _public_detail(mention)):
        case = service.count_mention(case_id, repo)  # a post without our response: the wall-clock promise runs again
    else:
        case = repo.get(case_id)
    if case is None or case.status != lifecycle.OPEN:
        return None
    service.raise_priority(case_id, assessment.priority, "the customer wrote again", repo, known=case)
    return ATTACHED


def _opening_assessment(case_id: str, repo: CasesRepository) -> dict:
    case = repo.get(case_id)
    opening = repo.get_event(case_id, f"mention:{case.opening_mention_key}") if case else None
    return opening.detail.as_dict() if opening and opening.detail else {}


def _public_detail(mention: Mention) -> dict:
    """What the timeline may show of a mention: a DM's text stays in the private thread."""
    if mention.is_private:
        return {"mentionId": mention.mention_id, "kind": mention.kind, "author": _who(mention), "private": True}
    return {"mentionId": mention.mention_id, "kind": mention.kind, "text": mention.text[:500],
            "author": _who(mention), "url": mention.url}


def _who(mention: Mention) -> str:
    """How the author shows to agents: their handle, else their name (Facebook has no handles), else their id."""
    return mention.author.handle or mention.author.name or mention.author.id

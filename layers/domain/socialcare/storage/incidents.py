"""Complaints by topic and the incidents they make, in CasesTable beside the cases:

  case_id = "TOPIC#<topic>", record = "COMPLAINT#<posted at>#<mention key>"   one complaint (a case's or a watched one)
  case_id = "TOPIC#<topic>", record = "INCIDENT"                              the topic's latest incident (its pointer)
  case_id = "INCIDENT#<id>", record = "INCIDENT"                              the incident itself (IncidentsByStatus)
  case_id = "INCIDENT#<id>", record = "AUTHOR#<author key>"                   one person in it, from when they joined
  case_id = "INCIDENT#<id>", record = "CASE#<case id>"                        one case grouped in it
  case_id = "INCIDENT#<id>", record = "STATEMENT#<target>#<where>"            its holding statement on one channel

The complaint's key is the platform's time and id, so a redelivered mention writes the same item. The pointer's
conditional put (in one transaction with the incident's item) is what makes "one incident opens" hold when several
ingests see the pile-on at once; it remembers which mention opened it and when that opener's work was done, so a
crash between the two is finished by the redelivery of that mention. A person joins once (a conditional put of their
item, in one transaction with the count and reach on the incident), and each growth alert is claimed by a conditional
write on the incident before it is sent, so concurrent ingests tell each tier once. A statement is claimed the same
way before it is posted: at most once per channel.
"""
from __future__ import annotations

import os
import random
import time
from dataclasses import dataclass, field, replace

from pynamodb.attributes import (
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.exceptions import DeleteError, PutError, TransactWriteError, UpdateError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from socialcare.storage.cases import _transactions_connection

COMPLAINT_PREFIX = "COMPLAINT#"
INCIDENT_RECORD = "INCIDENT"
AUTHOR_PREFIX = "AUTHOR#"
CASE_PREFIX = "CASE#"
STATEMENT_PREFIX = "STATEMENT#"
OPEN = "OPEN"
RESOLVED = "RESOLVED"
STATUSES = (OPEN, RESOLVED)
JOIN_ATTEMPTS = 6  # transactions on one incident conflict while many people pile on at once: back off, try again


class TopicRecord(Model):
    class Meta:
        table_name = os.environ.get("CASES_TABLE_NAME", "cases")

    case_id = UnicodeAttribute(hash_key=True)  # "TOPIC#<topic>"
    record = UnicodeAttribute(range_key=True)
    # a complaint
    mention_key = UnicodeAttribute(null=True)
    author_key = UnicodeAttribute(null=True)
    complaint_case_id = UnicodeAttribute(null=True)  # empty while the complaint is only watched
    posted_at = UnicodeAttribute(null=True)
    mention = MapAttribute(null=True)  # a watched complaint's mention, to open its case if a pile-on forms
    author_handle = UnicodeAttribute(null=True)  # how the author shows, and their followers when they complained
    followers = NumberAttribute(null=True)
    platform = UnicodeAttribute(null=True)
    # the pointer to the topic's latest incident
    incident_id = UnicodeAttribute(null=True)
    started_at = UnicodeAttribute(null=True)
    last_at = UnicodeAttribute(null=True)
    opened_by = UnicodeAttribute(null=True)  # the mention key whose ingest opened it, and owes the opener's work
    alerted_at = UnicodeAttribute(null=True)  # when the opener's work (grouping, first alert) was done
    resolved_at = UnicodeAttribute(null=True)  # the incident was resolved: complaints since count for a new one


class TierTold(MapAttribute):
    level = NumberAttribute()
    authors = NumberAttribute()
    at = UnicodeAttribute()


class IncidentsByStatusIndex(GlobalSecondaryIndex):
    """Incidents by status, newest opened last. Sparse: only incident items carry incident_status."""

    class Meta:
        index_name = "IncidentsByStatus"
        projection = AllProjection()

    incident_status = UnicodeAttribute(hash_key=True)
    opened_at = UnicodeAttribute(range_key=True)


class IncidentRecord(Model):
    class Meta:
        table_name = os.environ.get("CASES_TABLE_NAME", "cases")

    case_id = UnicodeAttribute(hash_key=True)  # "INCIDENT#<incident id>"
    record = UnicodeAttribute(range_key=True)
    # the incident (record == INCIDENT)
    incident_id = UnicodeAttribute(null=True)
    topic = UnicodeAttribute(null=True)
    incident_status = UnicodeAttribute(null=True)
    opened_at = UnicodeAttribute(null=True)  # when it opened
    started_at = UnicodeAttribute(null=True)  # its first complaint
    author_count = NumberAttribute(null=True)
    case_count = NumberAttribute(null=True)
    reach = NumberAttribute(null=True)  # the followers of its people, each counted once, as they joined
    platforms = UnicodeSetAttribute(null=True)  # the platforms of its cases: where the brand's statement goes
    told_level = NumberAttribute(null=True)  # the highest escalation level claimed for a growth alert
    tiers = ListAttribute(of=TierTold, null=True)  # each level told: at how many authors, when
    alert_claimed_by = UnicodeAttribute(null=True)  # the mention whose ingest claimed the latest alert...
    alerted_level = NumberAttribute(null=True)  # ...and the highest level whose alert went out
    holding_statement = UnicodeAttribute(null=True)  # drafted when it opened, for the leads to post
    outcome = UnicodeAttribute(null=True)
    resolved_by = UnicodeAttribute(null=True)
    resolved_at = UnicodeAttribute(null=True)
    # a person (AUTHOR#...)
    joined_at = UnicodeAttribute(null=True)
    followers = NumberAttribute(null=True)
    handle = UnicodeAttribute(null=True)
    platform = UnicodeAttribute(null=True)
    # a grouped case (CASE#...): grouped_at; a statement (STATEMENT#...)
    grouped_at = UnicodeAttribute(null=True)
    target = UnicodeAttribute(null=True)  # brand | replies
    where = UnicodeAttribute(null=True)  # the platform (brand), or the case id (replies)
    state = UnicodeAttribute(null=True)  # posting | posted | sent | refused
    platform_post_id = UnicodeAttribute(null=True)
    text = UnicodeAttribute(null=True)
    at = UnicodeAttribute(null=True)
    by = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)

    by_status = IncidentsByStatusIndex()


@dataclass(frozen=True)
class Complaint:
    mention_key: str
    author_key: str
    posted_at: str
    case_id: str
    mention: dict
    author: str = ""  # how the author shows (handle, else name)
    followers: int = 0
    platform: str = ""


@dataclass(frozen=True)
class Incident:
    """The topic's pointer to its latest incident: what ingest needs to decide whether a complaint joins it."""

    incident_id: str
    topic: str
    started_at: str
    last_at: str
    opened_by: str = ""
    alerted_at: str = ""
    resolved_at: str = ""


@dataclass(frozen=True)
class Member:
    author_key: str
    joined_at: str
    followers: int = 0
    author: str = ""
    platform: str = ""


@dataclass(frozen=True)
class Statement:
    target: str
    where: str
    state: str
    text: str = ""
    at: str = ""
    by: str = ""
    platform_post_id: str = ""
    reason: str = ""


@dataclass(frozen=True)
class IncidentState:
    """The incident as its own item keeps it; `members`, `case_ids` and `statements` are filled by load()."""

    incident_id: str
    topic: str
    status: str
    opened_at: str
    started_at: str = ""
    authors: int = 0
    cases: int = 0
    reach: int = 0
    platforms: tuple[str, ...] = ()
    told_level: int = 0
    tiers: tuple[dict, ...] = ()
    alert_claimed_by: str = ""
    alerted_level: int = 0
    holding_statement: str = ""
    outcome: str = ""
    resolved_by: str = ""
    resolved_at: str = ""
    members: tuple[Member, ...] = field(default=())
    case_ids: tuple[str, ...] = field(default=())
    statements: tuple[Statement, ...] = field(default=())


def _topic(topic: str) -> str:
    return f"TOPIC#{topic}"


def _incident(incident_id: str) -> str:
    return f"INCIDENT#{incident_id}"


def _complaint_key(complaint: Complaint) -> str:
    return f"{COMPLAINT_PREFIX}{complaint.posted_at}#{complaint.mention_key}"


def _int(value) -> int:
    return int(value or 0)


class IncidentsRepository:

    # -- complaints by topic ------------------------------------------------------------------------------------
    def record_complaint(self, topic: str, complaint: Complaint) -> None:
        TopicRecord(_topic(topic), _complaint_key(complaint),
                    mention_key=complaint.mention_key, author_key=complaint.author_key,
                    complaint_case_id=complaint.case_id or None, posted_at=complaint.posted_at,
                    mention=None if complaint.case_id else complaint.mention,
                    author_handle=complaint.author or None, followers=complaint.followers,
                    platform=complaint.platform or None).save()

    def set_complaint_case(self, topic: str, complaint: Complaint, case_id: str) -> None:
        record = TopicRecord(_topic(topic), _complaint_key(complaint))
        record.update(actions=[TopicRecord.complaint_case_id.set(case_id), TopicRecord.mention.remove()])

    def complaints_since(self, topic: str, since: str) -> list[Complaint]:
        records = TopicRecord.query(_topic(topic), TopicRecord.record.between(f"{COMPLAINT_PREFIX}{since}",
                                                                              f"{COMPLAINT_PREFIX}\uffff"),
                                    consistent_read=True)
        return [Complaint(r.mention_key or "", r.author_key or "", r.posted_at or "", r.complaint_case_id or "",
                          r.mention.as_dict() if r.mention else {}, r.author_handle or "", _int(r.followers),
                          r.platform or "") for r in records]

    # -- the topic's pointer --------------------------------------------------------------------------------------
    def current_incident(self, topic: str) -> Incident | None:
        try:
            record = TopicRecord.get(_topic(topic), INCIDENT_RECORD, consistent_read=True)
        except TopicRecord.DoesNotExist:
            return None
        return Incident(record.incident_id or "", topic, record.started_at or "", record.last_at or "",
                        record.opened_by or "", record.alerted_at or "", record.resolved_at or "")

    def open_incident(self, incident: Incident, previous_id: str | None, opened_at: str,
                      holding_statement: str) -> bool:
        """Start a new incident for the topic unless another ingest did first (False: theirs stands): the topic's
        pointer and the incident's own item, together."""
        condition = (TopicRecord.incident_id.does_not_exist() if previous_id is None
                     else TopicRecord.incident_id == previous_id)
        pointer = TopicRecord(_topic(incident.topic), INCIDENT_RECORD, incident_id=incident.incident_id,
                              started_at=incident.started_at, last_at=incident.last_at,
                              opened_by=incident.opened_by or None)
        item = IncidentRecord(_incident(incident.incident_id), INCIDENT_RECORD, incident_id=incident.incident_id,
                              topic=incident.topic, incident_status=OPEN, opened_at=opened_at,
                              started_at=incident.started_at, author_count=0, case_count=0, reach=0, told_level=0,
                              alerted_level=0, tiers=[], holding_statement=holding_statement)
        for attempt in range(JOIN_ATTEMPTS):
            try:
                with TransactWrite(connection=_transactions_connection()) as transaction:
                    transaction.save(pointer, condition=condition)
                    transaction.save(item, condition=IncidentRecord.case_id.does_not_exist())
            except TransactWriteError:
                current = self.current_incident(incident.topic)
                if (current.incident_id if current else None) != previous_id or self._exists(item):
                    return False  # another ingest opened it first (or one with that id exists: this second's)
                time.sleep(random.uniform(0, 0.05 * 2 ** attempt))  # a concurrent opener that failed too: again
                continue
            return True
        raise RuntimeError(f"could not open an incident of {incident.topic}; the queue will redeliver")

    def extend_incident(self, incident: Incident, at: str) -> None:
        """Move the incident's last complaint forward (never back: complaints arrive out of order)."""
        record = TopicRecord(_topic(incident.topic), INCIDENT_RECORD)
        try:
            record.update(actions=[TopicRecord.last_at.set(at)],
                          condition=(TopicRecord.incident_id == incident.incident_id) & (TopicRecord.last_at < at))
        except UpdateError as error:
            if not _condition_failed(error):
                raise

    def mark_alerted(self, incident: Incident, at: str) -> None:
        """The opener's work is done: a later redelivery of the opening mention does not do it again."""
        try:
            TopicRecord(_topic(incident.topic), INCIDENT_RECORD).update(
                actions=[TopicRecord.alerted_at.set(at)], condition=TopicRecord.incident_id == incident.incident_id)
        except UpdateError as error:
            if not _condition_failed(error):  # failed: a newer incident of the topic replaced it, nothing to mark
                raise

    # -- the incident ---------------------------------------------------------------------------------------------
    def get(self, incident_id: str) -> IncidentState | None:
        try:
            record = IncidentRecord.get(_incident(incident_id), INCIDENT_RECORD, consistent_read=True)
        except IncidentRecord.DoesNotExist:
            return None
        return _state(record)

    def load(self, incident_id: str) -> IncidentState | None:
        """The incident with its people (by when they joined), its cases and its statements: one query."""
        state, members, case_ids, statements = None, [], [], []
        for item in IncidentRecord.query(_incident(incident_id), consistent_read=True):
            if item.record == INCIDENT_RECORD:
                state = _state(item)
            elif item.record.startswith(AUTHOR_PREFIX):
                members.append(Member(item.record.removeprefix(AUTHOR_PREFIX), item.joined_at or "",
                                      _int(item.followers), item.handle or "", item.platform or ""))
            elif item.record.startswith(CASE_PREFIX):
                case_ids.append(item.record.removeprefix(CASE_PREFIX))
            elif item.record.startswith(STATEMENT_PREFIX):
                statements.append(Statement(item.target or "", item.where or "", item.state or "", item.text or "",
                                            item.at or "", item.by or "", item.platform_post_id or "",
                                            item.reason or ""))
        if state is None:
            return None
        members.sort(key=lambda m: (m.joined_at, m.author_key))
        return replace(state, members=tuple(members), case_ids=tuple(sorted(case_ids)), statements=tuple(statements))

    def list(self, status: str, limit: int) -> list[IncidentState]:
        """Incidents of a status, newest opened first."""
        return [_state(r) for r in IncidentRecord.by_status.query(status, scan_index_forward=False, limit=limit)]

    def join(self, incident_id: str, member: Member) -> bool:
        """Add a person to the open incident, once: their item, the count and the reach together. False: they were
        in it already, or the incident is resolved or gone."""
        item = IncidentRecord(_incident(incident_id), f"{AUTHOR_PREFIX}{member.author_key}", joined_at=member.joined_at,
                              followers=member.followers, handle=member.author or None,
                              platform=member.platform or None)
        count = [IncidentRecord.author_count.add(1), IncidentRecord.reach.add(member.followers)]
        return self._add_to(incident_id, item, count)

    def group_case(self, incident_id: str, case_id: str, platform: str, at: str) -> bool:
        """Put a case in the incident (and its platform among the incident's), once."""
        item = IncidentRecord(_incident(incident_id), f"{CASE_PREFIX}{case_id}", grouped_at=at)
        actions = [IncidentRecord.case_count.add(1)]
        if platform:
            actions.append(IncidentRecord.platforms.add({platform}))
        return self._add_to(incident_id, item, actions)

    def _add_to(self, incident_id: str, item: IncidentRecord, actions: list) -> bool:
        for attempt in range(JOIN_ATTEMPTS):
            try:
                with TransactWrite(connection=_transactions_connection()) as transaction:
                    transaction.save(item, condition=IncidentRecord.record.does_not_exist())
                    transaction.update(IncidentRecord(_incident(incident_id), INCIDENT_RECORD), actions=actions,
                                       condition=IncidentRecord.incident_status == OPEN)
            except TransactWriteError:
                if self._exists(item) or (state := self.get(incident_id)) is None or state.status != OPEN:
                    return False
                time.sleep(random.uniform(0, 0.05 * 2 ** attempt))  # a concurrent join: back off, look again
                continue
            return True
        raise RuntimeError(f"could not add {item.record} to incident {incident_id}; the queue will redeliver")

    @staticmethod
    def _exists(item: IncidentRecord) -> bool:
        try:
            IncidentRecord.get(item.case_id, item.record, consistent_read=True, attributes_to_get=["record"])
        except IncidentRecord.DoesNotExist:
            return False
        return True

    def claim_tier(self, incident_id: str, level: int, authors: int, at: str, by: str) -> bool:
        """Claim the growth alert of `level` for the mention `by`: only if no level as high was claimed, while the
        incident is open. True: this caller tells that tier (and marks it told afterwards)."""
        record = IncidentRecord(_incident(incident_id), INCIDENT_RECORD)
        tier = TierTold(level=level, authors=authors, at=at)
        try:
            record.update(actions=[IncidentRecord.told_level.set(level), IncidentRecord.alert_claimed_by.set(by),
                                   IncidentRecord.tiers.set((IncidentRecord.tiers | []).append([tier]))],
                          condition=(IncidentRecord.incident_status == OPEN) & (IncidentRecord.told_level < level))
        except UpdateError as error:
            if _condition_failed(error):
                return False
            raise
        return True

    def mark_tier_alerted(self, incident_id: str, level: int) -> None:
        """The tier of `level` has been told: a redelivery of the claiming mention does not tell it again."""
        try:
            IncidentRecord(_incident(incident_id), INCIDENT_RECORD).update(
                actions=[IncidentRecord.alerted_level.set(level)], condition=IncidentRecord.alerted_level < level)
        except UpdateError as error:
            if not _condition_failed(error):
                raise

    def resolve(self, incident: IncidentState, outcome: str, by: str, at: str, complaints_from: str) -> bool:
        """Close the incident with its outcome, once (False: it was resolved already). The topic's pointer, if it
        still names it, remembers when (`complaints_from`, as complaints are keyed): complaints from then on count
        towards a new incident."""
        try:
            IncidentRecord(_incident(incident.incident_id), INCIDENT_RECORD).update(
                actions=[IncidentRecord.incident_status.set(RESOLVED), IncidentRecord.outcome.set(outcome),
                         IncidentRecord.resolved_by.set(by), IncidentRecord.resolved_at.set(at)],
                condition=IncidentRecord.incident_status == OPEN)
        except UpdateError as error:
            if _condition_failed(error):
                return False
            raise
        try:
            TopicRecord(_topic(incident.topic), INCIDENT_RECORD).update(
                actions=[TopicRecord.resolved_at.set(complaints_from)],
                condition=TopicRecord.incident_id == incident.incident_id)
        except UpdateError as error:
            if not _condition_failed(error):  # a newer incident of the topic took the pointer: nothing to mark
                raise
        return True

    # -- statements -----------------------------------------------------------------------------------------------
    def claim_statement(self, incident_id: str, target: str, where: str, text: str, by: str, at: str) -> bool:
        """Claim the statement's post on one channel before posting it: False when it was claimed (posted, or being
        posted) already. At most once per channel, even when two leads post at the same moment."""
        try:
            IncidentRecord(_incident(incident_id), f"{STATEMENT_PREFIX}{target}#{where}", target=target, where=where,
                           state="posting", text=text, by=by, at=at).save(
                condition=IncidentRecord.record.does_not_exist())
        except PutError as error:
            if _condition_failed(error):
                return False
            raise
        return True

    def record_statement(self, incident_id: str, target: str, where: str, state: str, platform_post_id: str = "",
                         reason: str = "") -> None:
        actions = [IncidentRecord.state.set(state)]
        if platform_post_id:
            actions.append(IncidentRecord.platform_post_id.set(platform_post_id))
        if reason:
            actions.append(IncidentRecord.reason.set(reason))
        IncidentRecord(_incident(incident_id), f"{STATEMENT_PREFIX}{target}#{where}").update(actions=actions)

    def release_statement(self, incident_id: str, target: str, where: str) -> None:
        """The platform could not take the post now (nothing was posted): the channel may be tried again."""
        try:
            IncidentRecord(_incident(incident_id), f"{STATEMENT_PREFIX}{target}#{where}").delete(
                condition=IncidentRecord.state == "posting")
        except DeleteError as error:
            if not _condition_failed(error):
                raise

    def statement(self, incident_id: str, target: str, where: str) -> Statement | None:
        try:
            item = IncidentRecord.get(_incident(incident_id), f"{STATEMENT_PREFIX}{target}#{where}",
                                      consistent_read=True)
        except IncidentRecord.DoesNotExist:
            return None
        return Statement(item.target or "", item.where or "", item.state or "", item.text or "", item.at or "",
                         item.by or "", item.platform_post_id or "", item.reason or "")


def _state(record: IncidentRecord) -> IncidentState:
    return IncidentState(
        incident_id=record.incident_id or "", topic=record.topic or "", status=record.incident_status or OPEN,
        opened_at=record.opened_at or "", started_at=record.started_at or "", authors=_int(record.author_count),
        cases=_int(record.case_count), reach=_int(record.reach), platforms=tuple(sorted(record.platforms or ())),
        told_level=_int(record.told_level),
        tiers=tuple({"level": int(t.level), "authors": int(t.authors), "at": t.at} for t in record.tiers or ()),
        alert_claimed_by=record.alert_claimed_by or "", alerted_level=_int(record.alerted_level),
        holding_statement=record.holding_statement or "", outcome=record.outcome or "",
        resolved_by=record.resolved_by or "", resolved_at=record.resolved_at or "")


def _condition_failed(error: Exception) -> bool:
    cause = getattr(error, "cause_response_code", None)
    return cause == "ConditionalCheckFailedException"



"""Complaints by topic and the incidents they make, in CasesTable beside the cases:

  case_id = "TOPIC#<topic>", record = "COMPLAINT#<posted at>#<mention key>"   one complaint (a case's or a watched one)
  case_id = "TOPIC#<topic>", record = "INCIDENT"                              the topic's latest incident

The complaint's key is the platform's time and id, so a redelivered mention writes the same item. The incident item's
conditional put is what makes "the leads are alerted once" hold when several ingests see the pile-on at once; it
remembers which mention opened it and when the leads were alerted, so a crash between the two is finished by the
redelivery of that mention rather than losing the alert.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from pynamodb.attributes import MapAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError, UpdateError
from pynamodb.models import Model

COMPLAINT_PREFIX = "COMPLAINT#"
INCIDENT_RECORD = "INCIDENT"


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
    # the incident
    incident_id = UnicodeAttribute(null=True)
    started_at = UnicodeAttribute(null=True)
    last_at = UnicodeAttribute(null=True)
    opened_by = UnicodeAttribute(null=True)  # the mention key whose ingest opened it, and owes the alert
    alerted_at = UnicodeAttribute(null=True)


@dataclass(frozen=True)
class Complaint:
    mention_key: str
    author_key: str
    posted_at: str
    case_id: str
    mention: dict


@dataclass(frozen=True)
class Incident:
    incident_id: str
    topic: str
    started_at: str
    last_at: str
    opened_by: str = ""
    alerted_at: str = ""


def _topic(topic: str) -> str:
    return f"TOPIC#{topic}"


class IncidentsRepository:

    def record_complaint(self, topic: str, complaint: Complaint) -> None:
        TopicRecord(_topic(topic), f"{COMPLAINT_PREFIX}{complaint.posted_at}#{complaint.mention_key}",
                    mention_key=complaint.mention_key, author_key=complaint.author_key,
                    complaint_case_id=complaint.case_id or None,
                    posted_at=complaint.posted_at, mention=None if complaint.case_id else complaint.mention).save()

    def set_complaint_case(self, topic: str, complaint: Complaint, case_id: str) -> None:
        record = TopicRecord(_topic(topic), f"{COMPLAINT_PREFIX}{complaint.posted_at}#{complaint.mention_key}")
        record.update(actions=[TopicRecord.complaint_case_id.set(case_id), TopicRecord.mention.remove()])

    def complaints_since(self, topic: str, since: str) -> list[Complaint]:
        records = TopicRecord.query(_topic(topic), TopicRecord.record.between(f"{COMPLAINT_PREFIX}{since}",
                                                                              f"{COMPLAINT_PREFIX}\uffff"),
                                    consistent_read=True)
        return [Complaint(r.mention_key or "", r.author_key or "", r.posted_at or "", r.complaint_case_id or "",
                          r.mention.as_dict() if r.mention else {}) for r in records]

    def current_incident(self, topic: str) -> Incident | None:
        try:
            record = TopicRecord.get(_topic(topic), INCIDENT_RECORD, consistent_read=True)
        except TopicRecord.DoesNotExist:
            return None
        return Incident(record.incident_id or "", topic, record.started_at or "", record.last_at or "",
                        record.opened_by or "", record.alerted_at or "")

    def open_incident(self, incident: Incident, previous_id: str | None) -> bool:
        """Start a new incident for the topic unless another ingest did first (False: theirs stands)."""
        condition = (TopicRecord.incident_id.does_not_exist() if previous_id is None
                     else TopicRecord.incident_id == previous_id)
        try:
            TopicRecord(_topic(incident.topic), INCIDENT_RECORD, incident_id=incident.incident_id,
                        started_at=incident.started_at, last_at=incident.last_at,
                        opened_by=incident.opened_by or None).save(condition=condition)
        except PutError as error:
            if _condition_failed(error):
                return False
            raise
        return True

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
        """The leads have been told: a later redelivery of the opening mention does not tell them again."""
        try:
            TopicRecord(_topic(incident.topic), INCIDENT_RECORD).update(
                actions=[TopicRecord.alerted_at.set(at)], condition=TopicRecord.incident_id == incident.incident_id)
        except UpdateError as error:
            if not _condition_failed(error):  # failed: a newer incident of the topic replaced it, nothing to mark
                raise


def _condition_failed(error: Exception) -> bool:
    cause = getattr(error, "cause_response_code", None)
    return cause == "ConditionalCheckFailedException"

"""Case facts: one item per case in CaseFactsTable, the measures the people who lead care read (cases/facts.py
computes them). Keyed by the case id, so writing a case's facts again replaces them: every write is the whole record
recomputed from the case and its timeline, and a retried step writes the same item.

A table of its own, not an item in CasesTable: the facts hold no private data and outlive the erasure of a case's
DMs, and whoever reads them (a report, a digest) is granted this table only, never the customers' messages.

  GSI FactsByDay   opened_day ("YYYY-MM-DD", UTC) + case_id: the cases opened on a day, read by day, never scanned
"""
from __future__ import annotations

import os
from datetime import date, timedelta

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import UpdateError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from socialcare.storage.cases import now_iso

MAX_DAYS = 366  # a longer range is a mistake, not a report


class FactsByDayIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "FactsByDay"
        projection = AllProjection()

    opened_day = UnicodeAttribute(hash_key=True)
    case_id = UnicodeAttribute(range_key=True)


class CaseFactsRecord(Model):
    class Meta:
        table_name = os.environ.get("CASE_FACTS_TABLE_NAME", "case-facts")

    case_id = UnicodeAttribute(hash_key=True)
    opened_day = UnicodeAttribute()
    opened_at = UnicodeAttribute()
    status = UnicodeAttribute()  # OPEN | CLOSED | DISMISSED
    outcome = UnicodeAttribute(null=True)  # resolved | answered | dismissed | failed (None while open)
    closed_at = UnicodeAttribute(null=True)
    dismiss_reason = UnicodeAttribute(null=True)
    platform = UnicodeAttribute(null=True)
    kind = UnicodeAttribute(null=True)  # the opening mention's kind (mention, reply, dm, review...)
    visibility = UnicodeAttribute(null=True)  # public | private
    intent = UnicodeAttribute(null=True)
    topic = UnicodeAttribute(null=True)
    team = UnicodeAttribute(null=True)
    priority = UnicodeAttribute(null=True)
    reach = UnicodeAttribute(null=True)  # high | medium | low, from the opening assessment
    incident_id = UnicodeAttribute(null=True)
    repeat_contact = BooleanAttribute(null=True)
    first_response_at = UnicodeAttribute(null=True)
    first_response_kind = UnicodeAttribute(null=True)
    first_response_minutes = NumberAttribute(null=True)
    first_response_business_minutes = NumberAttribute(null=True)
    acknowledgement_deadline = UnicodeAttribute(null=True)
    acknowledgement_sla_met = BooleanAttribute(null=True)
    promise_met = BooleanAttribute(null=True)  # the 24-hour promise: False once it broke
    highest_escalation_level = NumberAttribute(null=True)
    hard_limit_reached = BooleanAttribute(null=True)
    claimed_at = UnicodeAttribute(null=True)
    minutes_to_claim = NumberAttribute(null=True)
    resolved_at = UnicodeAttribute(null=True)
    minutes_to_resolve = NumberAttribute(null=True)
    followed_up_at = UnicodeAttribute(null=True)
    minutes_to_follow_up = NumberAttribute(null=True)
    csat_asked = BooleanAttribute(null=True)  # asked how we did, after the follow-up
    csat_score = NumberAttribute(null=True)
    review_rating_before = NumberAttribute(null=True)
    review_rating_after = NumberAttribute(null=True)
    updated_at = UnicodeAttribute(null=True)
    first_response_published = BooleanAttribute(null=True)  # its metrics went out (once per case)

    by_day = FactsByDayIndex()


# What a write of the facts sets; first_response_published is the metrics' claim and survives every write.
FACT_FIELDS = tuple(name for name in CaseFactsRecord.get_attributes()
                    if name not in ("case_id", "updated_at", "first_response_published"))


class FactsRepository:

    def save(self, case_id: str, facts: dict) -> None:
        """Write the case's facts, the whole record at once (a field that is None is removed)."""
        item = CaseFactsRecord(case_id)
        attributes = CaseFactsRecord.get_attributes()
        actions = [attributes[name].set(facts[name]) if facts.get(name) is not None else attributes[name].remove()
                   for name in FACT_FIELDS]
        item.update(actions=[*actions, CaseFactsRecord.updated_at.set(now_iso())])

    def get(self, case_id: str) -> CaseFactsRecord | None:
        try:
            return CaseFactsRecord.get(case_id, consistent_read=True)
        except CaseFactsRecord.DoesNotExist:
            return None

    def claim_first_response_metrics(self, case_id: str) -> bool:
        """True once per case: the first response's metrics are to be published now (a retried step gets False)."""
        try:
            CaseFactsRecord(case_id).update(actions=[CaseFactsRecord.first_response_published.set(True)],
                                            condition=CaseFactsRecord.case_id.exists()
                                            & CaseFactsRecord.first_response_published.does_not_exist())
        except UpdateError as error:
            if getattr(error, "cause_response_code", None) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def facts_between(self, from_day: str, to_day: str) -> list[CaseFactsRecord]:
        """The facts of the cases opened from `from_day` to `to_day` (both "YYYY-MM-DD", UTC, inclusive), one
        index query per day, by day then case id."""
        first, last = date.fromisoformat(from_day), date.fromisoformat(to_day)
        if last < first:
            raise ValueError(f"{to_day} is before {from_day}")
        if (last - first).days >= MAX_DAYS:
            raise ValueError(f"at most {MAX_DAYS} days at a time")
        days = ((first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1))
        return [facts for day in days for facts in CaseFactsRecord.by_day.query(day)]

"""PynamoDB models. PynamoDB never leaves storage/.

CasesTable holds these kinds of item under the case id:
  record = "CASE"             the case itself (indexed by status+deadline and by author)
  record = "TL#<event key>"   one timeline entry; the key is deterministic, so a retried step writes it once
  record = "DM#<received at>#<mention key>"   one private message of the customer, in the order they came; the key
                              is the mention's first sighting, so a redelivered DM is written once
and one pointer per author with an open case (case_id = "AUTHOR#<platform>#<author id>", record = "OPEN_CASE"),
whose conditional put is what makes "one open case per author" hold under concurrency. Under the same author item,
record = "LINK#<other author key>" says an agent linked another account of the same person (stored both ways), and
record = "FLAG_CLEARED#<at>" that an agent cleared the author's flag (who and why): only later dismissals count, and
record = "CSAT_ASKED" which case of theirs we last asked how we did (open_case_id, `at`), under the key we asked them
at (a Messenger PSID may not be the case's author key): their answer, a DM, finds its case there.
"""
from __future__ import annotations

import os

from pynamodb.attributes import (
    BooleanAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

CASE_RECORD = "CASE"
OPEN_CASE_RECORD = "OPEN_CASE"
TIMELINE_PREFIX = "TL#"
PRIVATE_MESSAGE_PREFIX = "DM#"
LINK_PREFIX = "LINK#"
FLAG_CLEARED_PREFIX = "FLAG_CLEARED#"
CSAT_ASKED_RECORD = "CSAT_ASKED"
PRIVATE_DATA_HELD = "held"
CASES_BY_STATUS = "CasesByStatus"


class CasesByStatusIndex(GlobalSecondaryIndex):
    """Open cases by nearest deadline (the agent queue); closed cases by close time."""

    class Meta:
        index_name = CASES_BY_STATUS
        projection = AllProjection()

    status = UnicodeAttribute(hash_key=True)
    deadline = UnicodeAttribute(range_key=True)


class CasesByAuthorIndex(GlobalSecondaryIndex):
    """Every case of one author, newest last: their history with the brand."""

    class Meta:
        index_name = "CasesByAuthor"
        projection = AllProjection()

    author_key = UnicodeAttribute(hash_key=True)
    opened_at = UnicodeAttribute(range_key=True)


class CasesWithPrivateDataIndex(GlobalSecondaryIndex):
    """Closed cases that still hold a private message, by the day it is to be erased. Sparse: erasing a case removes
    both keys, so the index holds only what is still to erase."""

    class Meta:
        index_name = "CasesWithPrivateData"
        projection = KeysOnlyProjection()

    private_data = UnicodeAttribute(hash_key=True)  # PRIVATE_DATA_HELD
    erase_private_at = UnicodeAttribute(range_key=True)


class CaseRecord(Model):
    class Meta:
        table_name = os.environ.get("CASES_TABLE_NAME", "cases")

    case_id = UnicodeAttribute(hash_key=True)
    record = UnicodeAttribute(range_key=True)

    # the case (record == CASE)
    status = UnicodeAttribute(null=True)
    deadline = UnicodeAttribute(null=True)
    author_key = UnicodeAttribute(null=True)
    opened_at = UnicodeAttribute(null=True)
    platform = UnicodeAttribute(null=True)
    author_handle = UnicodeAttribute(null=True)
    author_name = UnicodeAttribute(null=True)  # the name the author shows, if any: drafts greet them by it
    author_followers = NumberAttribute(null=True)
    opening_mention_key = UnicodeAttribute(null=True)
    reply_to_id = UnicodeAttribute(null=True)
    surface = UnicodeAttribute(null=True)  # where on the platform to reply (Meta: facebook or instagram)
    summary_text = UnicodeAttribute(null=True)  # the opening mention's public text
    step = UnicodeAttribute(null=True)
    waiting_for = UnicodeAttribute(null=True)
    task_token = UnicodeAttribute(null=True)
    escalation_level = NumberAttribute(null=True)
    hard_limit_reached = BooleanAttribute(null=True)
    owner = UnicodeAttribute(null=True)
    dm_received = BooleanAttribute(null=True)
    private_contact = UnicodeAttribute(null=True)  # a DM's text (on a DM# item; on the case itself before the thread)
    dm_sender_id = UnicodeAttribute(null=True)  # who the DM came from (a PSID may differ from the public author id)
    resolution_summary = UnicodeAttribute(null=True)  # internal notes: stay in the table
    public_note = UnicodeAttribute(null=True)
    closed_reason = UnicodeAttribute(null=True)
    closed_at = UnicodeAttribute(null=True)
    updated_at = UnicodeAttribute(null=True)
    mention_count = NumberAttribute(null=True)
    execution_arn = UnicodeAttribute(null=True)
    priority = UnicodeAttribute(null=True)  # urgent | high | normal | low (care policy)
    intent = UnicodeAttribute(null=True)  # complaint | question | praise | other: praise and questions may be answered
    reopens_case_id = UnicodeAttribute(null=True)  # the case answered in public that this one takes up again
    team = UnicodeAttribute(null=True)  # the triage team the hand-off goes to
    topic = UnicodeAttribute(null=True)  # the pile-on topic of the opening mention
    flagged_reason = UnicodeAttribute(null=True)  # why the author is flagged to a human (no automatic answers)
    draft_reply = UnicodeAttribute(null=True)  # the personalised acknowledgement draft shown to the agents
    incident_id = UnicodeAttribute(null=True)  # the pile-on incident that groups this case
    author_aliases = UnicodeSetAttribute(null=True)  # other author keys of the same person (a PSID), pointing here
    private_data = UnicodeAttribute(null=True)  # PRIVATE_DATA_HELD while a closed case keeps a private message
    erase_private_at = UnicodeAttribute(null=True)  # when that message is erased (the care policy's retention)
    private_erased_at = UnicodeAttribute(null=True)
    rearming_step = UnicodeAttribute(null=True)  # a clock ran out: this step's wait starts again in a moment
    held_action = UnicodeAttribute(null=True)  # JSON: an agent's action that came then, applied to the new wait
    promise_since = UnicodeAttribute(null=True)  # the customer's first post still without our public response
    promise_breached_at = UnicodeAttribute(null=True)  # when the wall-clock promise last ran out unanswered
    holding_reply = UnicodeAttribute(null=True)  # the personalised holding reply posted if the promise breaks
    private_reply = UnicodeAttribute(null=True)  # a private case's latest agent reply, sent from here (not the execution)
    visibility = UnicodeAttribute(null=True)  # "private": opened by a DM, answered only in private (else public)
    csat_score = NumberAttribute(null=True)  # 1..5: the customer's answer to "how did we do?" (care/csat.py)
    csat_asked_at = UnicodeAttribute(null=True)  # when they were asked, privately, after the follow-up
    review_rating_before = NumberAttribute(null=True)  # a Google review's stars when its case opened
    review_rating_after = NumberAttribute(null=True)  # ...and as the reviewer changed them after our reply

    # a timeline entry (record == TL#...); a private message (record == DM#...): at and private_contact
    at = UnicodeAttribute(null=True)
    event = UnicodeAttribute(null=True)
    detail = MapAttribute(null=True)

    # the open-case pointer (record == OPEN_CASE)
    open_case_id = UnicodeAttribute(null=True)

    # a link to another account of the same author (record == LINK#...; `at` is when)
    linked_by = UnicodeAttribute(null=True)

    # an agent cleared the author's flag (record == FLAG_CLEARED#...; `at` is when)
    cleared_by = UnicodeAttribute(null=True)
    clearance_reason = UnicodeAttribute(null=True)

    by_status = CasesByStatusIndex()
    by_author = CasesByAuthorIndex()
    with_private_data = CasesWithPrivateDataIndex()


class MentionRecord(Model):
    """One row per platform mention id: the conditional put on it is the dedupe."""

    class Meta:
        table_name = os.environ.get("MENTIONS_TABLE_NAME", "mentions")

    mention_key = UnicodeAttribute(hash_key=True)
    received_at = UnicodeAttribute()
    kind = UnicodeAttribute()
    author_key = UnicodeAttribute()
    case_id = UnicodeAttribute(null=True)
    outcome = UnicodeAttribute(null=True)
    expires_at = NumberAttribute(null=True)  # TTL: the dedupe window

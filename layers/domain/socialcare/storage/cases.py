"""The cases repository: every read and conditional write of cases, timelines, pointers and mentions."""
from __future__ import annotations

import json
import threading
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache

from pynamodb.connection import Connection
from pynamodb.exceptions import DeleteError, PutError, TransactWriteError, UpdateError
from pynamodb.pagination import ResultIterator
from pynamodb.transactions import TransactWrite

from socialcare.storage.records import (
    CASE_RECORD,
    CASES_BY_STATUS,
    CSAT_ASKED_RECORD,
    FLAG_CLEARED_PREFIX,
    LINK_PREFIX,
    OPEN_CASE_RECORD,
    PRIVATE_DATA_HELD,
    PRIVATE_MESSAGE_PREFIX,
    TIMELINE_PREFIX,
    CaseRecord,
    MentionRecord,
)

MENTION_DEDUPE_DAYS = 90  # as long as Step Functions keeps an execution name


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _pointer_id(author_key: str) -> str:
    return f"AUTHOR#{author_key}"


def _is_condition_failure(error: Exception) -> bool:
    return getattr(error, "cause_response_code", None) == "ConditionalCheckFailedException"


def _save_once(item: CaseRecord) -> bool:
    """Write an item of a case that must be written once: False when a retry finds it there already."""
    try:
        item.save(condition=CaseRecord.record.does_not_exist())
    except PutError as error:
        if _is_condition_failure(error):
            return False
        raise
    return True


class AuthorHasOpenCaseError(Exception):
    """Raised inside the repository when another case of the same author won the race to open."""


@lru_cache
def _transactions_connection() -> Connection:
    """One connection per process: building one loads botocore's DynamoDB model (~0.1-0.2 s), which a warm Lambda
    must not pay on every case it opens or closes."""
    return Connection(region=CaseRecord.Meta.region)


class CaseRead:
    """Some attributes of a case, as list_read_by_status read them: each one read is an attribute (None when the case
    has no value), decoded as CaseRecord decodes it; one not read is an AttributeError, not a silent None."""

    def __init__(self, values: dict):
        self.__dict__.update(values)


READABLE_TYPES = ("S", "N", "BOOL")  # strings, numbers, booleans: what botocore's parser gives as the JSON has them


@lru_cache
def _case_decoder(attributes: tuple[str, ...]):
    """A function from a DynamoDB item holding (some of) `attributes` to its CaseRead. It does for these attributes
    what CaseRecord.from_raw_data does (each through its attribute's own get_value and deserialize, a NULL or absent
    value left None), without building a CaseRecord: that sets all ~60 attributes, defaults first, through their
    descriptors, which was most of the time a 500-case page took to decode."""
    fields = [(name, CaseRecord.get_attributes()[name]) for name in attributes]  # KeyError: not a case attribute
    for name, attribute in fields:
        if attribute.attr_type not in READABLE_TYPES:
            raise ValueError(f"{name} is read as a whole case attribute (list_by_status), not here")
    unset = dict.fromkeys(attributes)

    def decode(item: dict) -> CaseRead:
        values = unset.copy()
        for name, attribute in fields:
            value = item.get(attribute.attr_name)
            if value and "NULL" not in value:
                values[name] = attribute.deserialize(attribute.get_value(value))
        return CaseRead(values)

    return decode


_unparsed = threading.local()
_UNPARSED_HANDLER = "socialcare-query-items-unparsed"


def _items_as_sent(response_dict: dict, customized_response_dict: dict, **_) -> None:
    """botocore's before-parse.dynamodb.Query on the model's client. While list_read_by_status reads (in this thread
    only), a page's Items are taken as DynamoDB sent them, and botocore parses the rest of the answer (Count,
    LastEvaluatedKey...). Its parser walks every attribute of every item through the AttributeValue shape, trying its
    ten members, to rebuild the same dicts: for a string, number or boolean (READABLE_TYPES) and NULL, the parsed value
    is the JSON's own. For the queue's 500 cases that walk was ~25 ms of CPU, in Lambda as well as here."""
    if not getattr(_unparsed, "wanted", False) or response_dict.get("status_code") != 200:
        return
    answer = json.loads(response_dict["body"])
    items = answer.pop("Items", None)
    if items is not None:
        response_dict["body"] = json.dumps(answer).encode()
        customized_response_dict["Items"] = items  # botocore adds these to what it parsed


@contextmanager
def _query_items_as_sent(connection):
    connection.connection.client.meta.events.register("before-parse.dynamodb.Query", _items_as_sent,
                                                      unique_id=_UNPARSED_HANDLER)  # once per client
    _unparsed.wanted = True
    try:
        yield
    finally:
        _unparsed.wanted = False


class CasesRepository:

    # -- cases ------------------------------------------------------------------------------------------------
    def get(self, case_id: str) -> CaseRecord | None:
        try:
            return CaseRecord.get(case_id, CASE_RECORD, consistent_read=True)
        except CaseRecord.DoesNotExist:
            return None

    def open(self, case: CaseRecord) -> bool:
        """Create the case and its author pointer together. False when this case exists already (a redelivery);
        AuthorHasOpenCaseError when another case of the author holds the pointer."""
        pointer = CaseRecord(_pointer_id(case.author_key), OPEN_CASE_RECORD, open_case_id=case.case_id)
        try:
            with TransactWrite(connection=self._conn()) as transaction:
                transaction.save(case, condition=CaseRecord.case_id.does_not_exist())
                transaction.save(pointer, condition=CaseRecord.case_id.does_not_exist())
        except TransactWriteError as error:
            # Decide from what is stored now, whatever the cancellation reason: a concurrent transaction on the same
            # items (TransactionConflict) leaves neither written, and the caller tries again.
            if self.get(case.case_id) is not None:
                return False
            holder = self.open_case_of(case.author_key)
            if holder is not None and holder != case.case_id:
                raise AuthorHasOpenCaseError(case.author_key) from error
            raise
        return True

    def open_case_of(self, author_key: str) -> str | None:
        try:
            pointer = CaseRecord.get(_pointer_id(author_key), OPEN_CASE_RECORD, consistent_read=True)
        except CaseRecord.DoesNotExist:
            return None
        return pointer.open_case_id

    def add_author_alias(self, case_id: str, alias_key: str) -> bool:
        """Point another author key of the same person (their Messenger PSID, say) at their open case, so what they
        send under it joins the case. False when that key already has another open case."""
        pointer = CaseRecord(_pointer_id(alias_key), OPEN_CASE_RECORD, open_case_id=case_id)
        try:
            pointer.save(condition=CaseRecord.case_id.does_not_exist() | (CaseRecord.open_case_id == case_id))
        except PutError as error:
            if _is_condition_failure(error):
                return False
            raise
        self.update(case_id, [CaseRecord.author_aliases.add({alias_key})])
        return True

    def update(self, case_id: str, actions: list, condition=None) -> CaseRecord:
        """Apply PynamoDB update actions to the case; raises UpdateError when the condition fails."""
        case = CaseRecord(case_id, CASE_RECORD)
        actions = [*actions, CaseRecord.updated_at.set(now_iso())]
        exists = CaseRecord.case_id.exists()
        case.update(actions=actions, condition=exists if condition is None else exists & condition)
        return case

    def close(self, case_id: str, author_key: str, actions: list, aliases: frozenset[str] = frozenset()) -> None:
        """Write the closing fields and release the author's pointers (their aliases too), so their next mention
        opens a new case."""
        case = CaseRecord(case_id, CASE_RECORD)
        with TransactWrite(connection=self._conn()) as transaction:
            transaction.update(case, actions=[*actions, CaseRecord.updated_at.set(now_iso())],
                               condition=CaseRecord.case_id.exists())
            for key in sorted({author_key, *aliases}):
                transaction.delete(CaseRecord(_pointer_id(key), OPEN_CASE_RECORD),
                                   condition=CaseRecord.open_case_id.does_not_exist()
                                   | (CaseRecord.open_case_id == case_id))

    def list_by_status(self, status: str, limit: int = 50, newest_first: bool = False) -> list[CaseRecord]:
        """Open cases are keyed by their deadline (nearest first), closed ones by their close time."""
        return list(CaseRecord.by_status.query(status, limit=limit, scan_index_forward=not newest_first))

    def list_read_by_status(self, status: str, attributes: tuple[str, ...], limit: int = 50,
                            newest_first: bool = False) -> list[CaseRead]:
        """list_by_status's cases, in its order and pages, with only `attributes` (strings, numbers, booleans) read
        (a ProjectionExpression), and decoded from the items as DynamoDB sent them into CaseReads."""
        decode = _case_decoder(tuple(attributes))
        names = [CaseRecord.get_attributes()[name].attr_name for name in attributes]
        connection = CaseRecord._get_connection()
        # The model's own connection and PynamoDB's own paging (what CaseRecord.by_status.query builds), decoding each
        # item with `decode` where the model would build a CaseRecord.
        with _query_items_as_sent(connection):
            return list(ResultIterator(connection.query, (status,),
                                       {"index_name": CASES_BY_STATUS, "scan_index_forward": not newest_first,
                                        "limit": limit, "attributes_to_get": names},
                                       map_fn=decode, limit=limit))

    def list_by_author(self, author_key: str, newest_first: bool = False, limit: int | None = None,
                       opened_by: str | None = None) -> list[CaseRecord]:
        """The author's cases by the time they opened (only those opened by `opened_by`, when given)."""
        opened = CaseRecord.opened_at <= opened_by if opened_by else None
        return list(CaseRecord.by_author.query(author_key, opened, scan_index_forward=not newest_first, limit=limit))

    # -- linked accounts ----------------------------------------------------------------------------------------
    def link_authors(self, author_key: str, other_key: str, by: str) -> bool:
        """Record that two author keys are one person, both ways at once. False when they were linked already."""
        at = now_iso()
        try:
            with TransactWrite(connection=self._conn()) as transaction:
                for one, other in ((author_key, other_key), (other_key, author_key)):
                    transaction.save(CaseRecord(_pointer_id(one), f"{LINK_PREFIX}{other}", at=at, linked_by=by),
                                     condition=CaseRecord.record.does_not_exist())
        except TransactWriteError:
            if other_key in self.links_of(author_key):
                return False
            raise
        return True

    def links_of(self, author_key: str) -> list[str]:
        """The author keys linked to this one."""
        links = CaseRecord.query(_pointer_id(author_key), CaseRecord.record.startswith(LINK_PREFIX),
                                 consistent_read=True)
        return [link.record.removeprefix(LINK_PREFIX) for link in links]

    # -- flag clearances ---------------------------------------------------------------------------------------
    def add_flag_clearance(self, author_key: str, at: str, by: str, reason: str) -> bool:
        """Record that an agent cleared the author's flag, once (False: a clearance with that time is there)."""
        return _save_once(CaseRecord(_pointer_id(author_key), f"{FLAG_CLEARED_PREFIX}{at}", at=at, cleared_by=by,
                                     clearance_reason=reason))

    def author_pointers(self, author_key: str) -> tuple[str | None, list[CaseRecord]]:
        """What open_case_of and flag_clearances answer, from one consistent query of the author's pointer partition:
        their open case id (or None) and their flag clearances, oldest first."""
        open_case_id, clearances = None, []
        for record in CaseRecord.query(_pointer_id(author_key), consistent_read=True):
            if record.record == OPEN_CASE_RECORD:
                open_case_id = record.open_case_id
            elif record.record.startswith(FLAG_CLEARED_PREFIX):
                clearances.append(record)
        return open_case_id, clearances

    def flag_clearances(self, author_key: str) -> list[CaseRecord]:
        """The author's flag clearances, oldest first (the key's order)."""
        return list(CaseRecord.query(_pointer_id(author_key), CaseRecord.record.startswith(FLAG_CLEARED_PREFIX),
                                     consistent_read=True))

    # -- asking how we did ----------------------------------------------------------------------------------
    def mark_asked(self, author_key: str, case_id: str, at: str) -> None:
        """Remember that we asked the author (under the key we wrote to them at) how we did on this case."""
        CaseRecord(_pointer_id(author_key), CSAT_ASKED_RECORD, open_case_id=case_id, at=at).save()

    def asked_case_of(self, author_key: str) -> tuple[str, str] | None:
        """(the case, when) we last asked the author how we did; None: never."""
        try:
            asked = CaseRecord.get(_pointer_id(author_key), CSAT_ASKED_RECORD, consistent_read=True)
        except CaseRecord.DoesNotExist:
            return None
        return asked.open_case_id, asked.at

    # -- private data -------------------------------------------------------------------------------------------
    def add_private_message(self, case_id: str, received_at: str, mention_key: str, text: str) -> bool:
        """Keep one DM of the customer on the case, once: False when it is there already (a redelivery)."""
        return _save_once(CaseRecord(case_id, f"{PRIVATE_MESSAGE_PREFIX}{received_at}#{mention_key}",
                                     at=received_at, private_contact=text))

    def private_messages(self, case_id: str) -> list[CaseRecord]:
        """The customer's DMs with their texts, oldest first (the key's order)."""
        return list(CaseRecord.query(case_id, CaseRecord.record.startswith(PRIVATE_MESSAGE_PREFIX),
                                     consistent_read=True))

    def private_message_times(self, case_id: str) -> list[str]:
        """When each DM came, oldest first, from the keys alone: the texts are not even read."""
        return [record.split("#", 2)[1] for record in self._private_message_keys(case_id)]

    def _private_message_keys(self, case_id: str) -> list[str]:
        keys = CaseRecord.query(case_id, CaseRecord.record.startswith(PRIVATE_MESSAGE_PREFIX), consistent_read=True,
                                attributes_to_get=["case_id", "record"])
        return [key.record for key in keys]

    def due_for_erasure(self, now: str) -> list[str]:
        """The closed cases whose private message is due to be erased by `now` (a sparse index: nothing else)."""
        due = CaseRecord.with_private_data.query(PRIVATE_DATA_HELD, CaseRecord.erase_private_at <= now)
        return [record.case_id for record in due]

    def erase_private_data(self, case_id: str, erased_at: str) -> None:
        """Every DM of the customer and where they came from, gone; the case leaves the erasure index last."""
        for record in self._private_message_keys(case_id):
            CaseRecord(case_id, record).delete()
        self.update(case_id, [CaseRecord.private_contact.remove(), CaseRecord.dm_sender_id.remove(),
                              CaseRecord.draft_reply.remove(), CaseRecord.holding_reply.remove(),  # may quote a DM
                              CaseRecord.private_reply.remove(),
                              CaseRecord.private_data.remove(), CaseRecord.erase_private_at.remove(),
                              CaseRecord.private_erased_at.set(erased_at)])

    # -- timeline ---------------------------------------------------------------------------------------------
    def add_event(self, case_id: str, event_key: str, event: str, detail: dict | None = None,
                  at: str | None = None) -> bool:
        """Add one timeline entry once: a second write with the same key is a no-op (False)."""
        return _save_once(CaseRecord(case_id, f"{TIMELINE_PREFIX}{event_key}", at=at or now_iso(), event=event,
                                     detail=detail or {}))

    def remove_event(self, case_id: str, event_key: str) -> None:
        """Take back an entry for something that did not happen after all (an action on a step that moved on)."""
        CaseRecord(case_id, f"{TIMELINE_PREFIX}{event_key}").delete()

    def rename_event(self, case_id: str, record: str, event: str) -> None:
        CaseRecord(case_id, record).update(actions=[CaseRecord.event.set(event)],
                                           condition=CaseRecord.record.exists())

    def get_event(self, case_id: str, event_key: str) -> CaseRecord | None:
        try:
            return CaseRecord.get(case_id, f"{TIMELINE_PREFIX}{event_key}", consistent_read=True)
        except CaseRecord.DoesNotExist:
            return None

    def timeline(self, case_id: str) -> list[CaseRecord]:
        entries = CaseRecord.query(case_id, CaseRecord.record.startswith(TIMELINE_PREFIX), consistent_read=True)
        return sorted(entries, key=lambda e: (e.at or "", e.record))

    # -- mentions ---------------------------------------------------------------------------------------------
    def claim_mention(self, mention_key: str, kind: str, author_key: str) -> tuple[MentionRecord, bool]:
        """The dedupe: (record, True) for the first sighting of a mention, (stored record, False) after that."""
        record = MentionRecord(mention_key, received_at=now_iso(), kind=kind, author_key=author_key,
                               expires_at=int(time.time()) + MENTION_DEDUPE_DAYS * 86400)
        try:
            record.save(condition=MentionRecord.mention_key.does_not_exist())
            return record, True
        except PutError as error:
            if not _is_condition_failure(error):
                raise
        return MentionRecord.get(mention_key, consistent_read=True), False

    def link_mention(self, mention_key: str, case_id: str, outcome: str) -> None:
        record = MentionRecord(mention_key)
        record.update(actions=[MentionRecord.case_id.set(case_id), MentionRecord.outcome.set(outcome)],
                      condition=MentionRecord.case_id.does_not_exist() | (MentionRecord.case_id == case_id))

    def mark_watched(self, mention_key: str) -> None:
        """An indirect mention that made no case: seen, kept for pile-ons, and free to become a case later."""
        MentionRecord(mention_key).update(actions=[MentionRecord.outcome.set("watched")],
                                          condition=MentionRecord.case_id.does_not_exist())

    def _conn(self) -> Connection:
        return _transactions_connection()


def condition_failed(error: Exception) -> bool:
    """True when a PynamoDB write failed on its condition (someone else changed the item first)."""
    return isinstance(error, UpdateError | PutError | DeleteError | TransactWriteError) and _is_condition_failure(error)

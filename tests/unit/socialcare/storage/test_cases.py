"""Mirrors layers/domain/socialcare/storage/cases.py, on the tables (and GSIs) template.yaml defines, in moto."""
import contextlib

import boto3
import pytest
from pynamodb.exceptions import TransactWriteError, UpdateError

from local.cloud import LocalCloud
from socialcare.storage import cases as cases_module
from socialcare.storage.cases import AuthorHasOpenCaseError, CasesRepository, condition_failed
from socialcare.storage.records import CASE_RECORD, CaseRecord, MentionRecord
from tests.conftest import LONG_CLOCKS

ANN, BOB = "generic#1001", "generic#2002"


def a_case(case_id: str, author_key: str = ANN, status: str = "OPEN", deadline: str = "2026-11-22T10:30:00.000Z",
           opened_at: str = "2026-11-22T09:30:00.000Z", **fields) -> CaseRecord:
    return CaseRecord(case_id, CASE_RECORD, status=status, deadline=deadline, author_key=author_key,
                      opened_at=opened_at, platform="generic", step="NEW", escalation_level=0, mention_count=1,
                      **fields)


@pytest.fixture(scope="module")
def shared_cloud():
    """One local cloud for the module (the same one the `cloud` fixture starts): the repository needs only its tables,
    and starting a whole cloud per test would cost the unit suite most of its time budget."""
    with LocalCloud(clocks=LONG_CLOCKS) as local_cloud:
        yield local_cloud


@pytest.fixture
def repo(shared_cloud) -> CasesRepository:
    """The repository on empty tables."""
    for model in (CaseRecord, MentionRecord):
        with model.batch_write() as batch:
            for item in model.scan(consistent_read=True):
                batch.delete(item)
    return CasesRepository()


def close(repo: CasesRepository, case_id: str, author_key: str = ANN, at: str = "2026-11-22T12:00:00.000Z"):
    repo.close(case_id, author_key, [CaseRecord.status.set("CLOSED"), CaseRecord.closed_at.set(at),
                                     CaseRecord.deadline.set(at), CaseRecord.waiting_for.remove()])


# -- open --------------------------------------------------------------------------------------------------------
def test_opening_a_case_stores_it_and_makes_it_its_authors_open_case(repo):
    assert repo.open(a_case("generic-p1", summary_text="my order arrived broken")) is True
    stored = repo.get("generic-p1")
    assert (stored.status, stored.author_key, stored.summary_text) == ("OPEN", ANN, "my order arrived broken")
    assert repo.open_case_of(ANN) == "generic-p1"


def test_opening_the_same_case_again_is_a_redelivery_that_changes_nothing(repo):
    repo.open(a_case("generic-p1", summary_text="first"))
    assert repo.open(a_case("generic-p1", summary_text="second")) is False
    assert repo.get("generic-p1").summary_text == "first"
    assert repo.open_case_of(ANN) == "generic-p1"


def test_an_author_cannot_have_two_open_cases(repo):
    repo.open(a_case("generic-p1"))
    with pytest.raises(AuthorHasOpenCaseError):
        repo.open(a_case("generic-p2"))
    assert repo.get("generic-p2") is None  # the case was not written without its pointer
    assert repo.open_case_of(ANN) == "generic-p1"


def test_two_authors_each_have_their_own_open_case(repo):
    assert repo.open(a_case("generic-p1", ANN)) and repo.open(a_case("generic-p2", BOB))
    assert (repo.open_case_of(ANN), repo.open_case_of(BOB)) == ("generic-p1", "generic-p2")


def test_an_unknown_case_and_an_author_without_cases_read_as_none(repo):
    assert repo.get("generic-nope") is None
    assert repo.open_case_of("generic#9999") is None


# -- close -------------------------------------------------------------------------------------------------------
def test_closing_a_case_writes_its_fields_and_frees_its_author(repo):
    repo.open(a_case("generic-p1"))
    close(repo, "generic-p1")
    assert repo.get("generic-p1").status == "CLOSED"
    assert repo.get("generic-p1").closed_at == "2026-11-22T12:00:00.000Z"
    assert repo.open_case_of(ANN) is None


def test_after_a_close_the_authors_next_mention_can_open_a_new_case(repo):
    repo.open(a_case("generic-p1"))
    close(repo, "generic-p1")
    assert repo.open(a_case("generic-p2")) is True
    assert repo.open_case_of(ANN) == "generic-p2"


def test_closing_an_old_case_again_never_frees_the_authors_newer_case(repo):
    # Given a case closed once already, and the author's newer open case
    repo.open(a_case("generic-p1"))
    close(repo, "generic-p1")
    repo.open(a_case("generic-p2"))
    # When the old case is closed again (a retried Close Case step)
    with contextlib.suppress(TransactWriteError):
        close(repo, "generic-p1", at="2026-11-22T13:00:00.000Z")
    # Then the newer case is still its author's open case
    assert repo.open_case_of(ANN) == "generic-p2"


# -- update ------------------------------------------------------------------------------------------------------
def test_an_update_changes_the_case_and_stamps_the_time(repo):
    repo.open(a_case("generic-p1"))
    repo.update("generic-p1", [CaseRecord.step.set("ACKNOWLEDGE")])
    stored = repo.get("generic-p1")
    assert stored.step == "ACKNOWLEDGE" and stored.updated_at


def test_an_update_never_creates_a_case(repo):
    with pytest.raises(UpdateError) as refused:
        repo.update("generic-nope", [CaseRecord.step.set("ACKNOWLEDGE")])
    assert condition_failed(refused.value)
    assert repo.get("generic-nope") is None


def test_an_update_whose_condition_no_longer_holds_changes_nothing(repo):
    repo.open(a_case("generic-p1"))
    with pytest.raises(UpdateError) as refused:
        repo.update("generic-p1", [CaseRecord.step.set("RESOLVE")], condition=CaseRecord.step == "HAND_OFF")
    assert condition_failed(refused.value)
    assert repo.get("generic-p1").step == "NEW"


# -- timeline ----------------------------------------------------------------------------------------------------
def test_a_timeline_entry_is_written_once_per_key(repo):
    repo.open(a_case("generic-p1"))
    assert repo.add_event("generic-p1", "post:acknowledgement", "posted publicly", {"platformPostId": "a"}) is True
    assert repo.add_event("generic-p1", "post:acknowledgement", "posted publicly", {"platformPostId": "b"}) is False
    [entry] = repo.timeline("generic-p1")
    assert entry.event == "posted publicly"
    assert entry.detail.as_dict() == {"platformPostId": "a"}
    assert repo.get_event("generic-p1", "post:acknowledgement").detail.as_dict() == {"platformPostId": "a"}


def test_the_timeline_is_in_time_order_and_holds_only_entries(repo):
    repo.open(a_case("generic-p1"))
    repo.add_event("generic-p1", "b", "second", at="2026-11-22T09:31:00.000Z")
    repo.add_event("generic-p1", "a", "third", at="2026-11-22T09:32:00.000Z")
    repo.add_event("generic-p1", "c", "first", at="2026-11-22T09:30:00.000Z")
    assert [e.event for e in repo.timeline("generic-p1")] == ["first", "second", "third"]
    assert repo.get_event("generic-p1", "nope") is None


# -- the customer's private messages -----------------------------------------------------------------------------
def test_every_dm_is_kept_as_its_own_item_in_the_order_it_came(repo):
    repo.open(a_case("generic-p1"))
    assert repo.add_private_message("generic-p1", "2026-11-22T09:40:00.000Z", "generic#dm-2", "second") is True
    assert repo.add_private_message("generic-p1", "2026-11-22T09:35:00.000Z", "generic#dm-1", "first") is True
    assert [(m.at, m.private_contact) for m in repo.private_messages("generic-p1")] == [
        ("2026-11-22T09:35:00.000Z", "first"), ("2026-11-22T09:40:00.000Z", "second")]
    assert repo.private_message_times("generic-p1") == ["2026-11-22T09:35:00.000Z", "2026-11-22T09:40:00.000Z"]
    assert repo.get("generic-p1").private_contact is None  # the case itself holds no DM text
    assert [e.event for e in repo.timeline("generic-p1")] == []  # nor does the timeline


def test_a_redelivered_dm_is_kept_once(repo):
    repo.open(a_case("generic-p1"))
    repo.add_private_message("generic-p1", "2026-11-22T09:35:00.000Z", "generic#dm-1", "first")
    assert repo.add_private_message("generic-p1", "2026-11-22T09:35:00.000Z", "generic#dm-1", "first") is False
    assert len(repo.private_messages("generic-p1")) == 1


def test_erasing_a_cases_private_data_deletes_every_dm_and_takes_it_off_the_index(repo):
    repo.open(a_case("generic-p1", dm_sender_id="1001", private_data="held", erase_private_at="2026-12-01T00:00:00Z"))
    repo.open(a_case("generic-p2", author_key=BOB))
    for case_id in ("generic-p1", "generic-p2"):
        repo.add_private_message(case_id, "2026-11-22T09:35:00.000Z", "generic#dm-1", "first")
        repo.add_private_message(case_id, "2026-11-22T09:40:00.000Z", "generic#dm-2", "second")
    assert repo.due_for_erasure("2026-12-02T00:00:00Z") == ["generic-p1"]
    repo.erase_private_data("generic-p1", erased_at="2026-12-02T00:00:00Z")
    assert repo.private_messages("generic-p1") == []
    erased = repo.get("generic-p1")
    assert (erased.dm_sender_id, erased.private_data, erased.private_erased_at) == (None, None, "2026-12-02T00:00:00Z")
    assert repo.due_for_erasure("2026-12-02T00:00:00Z") == []
    assert len(repo.private_messages("generic-p2")) == 2  # another case's thread is untouched


# -- mentions ----------------------------------------------------------------------------------------------------
def test_the_first_sighting_of_a_mention_claims_it_and_a_later_one_finds_the_claim(repo):
    record, first = repo.claim_mention("generic#post-5521", "mention", ANN)
    again, later = repo.claim_mention("generic#post-5521", "dm", BOB)
    assert (first, later) == (True, False)
    assert (again.mention_key, again.kind, again.author_key) == ("generic#post-5521", "mention", ANN)
    assert again.received_at == record.received_at
    assert again.expires_at > 0


def test_a_linked_mention_records_its_case_and_outcome(repo):
    repo.claim_mention("generic#post-5521", "mention", ANN)
    repo.link_mention("generic#post-5521", "generic-post-5521", "opened")
    record, _ = repo.claim_mention("generic#post-5521", "mention", ANN)
    assert (record.case_id, record.outcome) == ("generic-post-5521", "opened")


def test_linking_a_mention_to_its_case_again_is_harmless(repo):
    repo.claim_mention("generic#post-5521", "mention", ANN)
    repo.link_mention("generic#post-5521", "generic-post-5521", "opened")
    repo.link_mention("generic#post-5521", "generic-post-5521", "opened")
    record, _ = repo.claim_mention("generic#post-5521", "mention", ANN)
    assert record.case_id == "generic-post-5521"


def test_a_mention_linked_to_one_case_cannot_move_to_another(repo):
    repo.claim_mention("generic#post-5521", "mention", ANN)
    repo.link_mention("generic#post-5521", "generic-post-5521", "opened")
    with pytest.raises(UpdateError) as refused:
        repo.link_mention("generic#post-5521", "generic-other", "attached")
    assert condition_failed(refused.value)
    record, _ = repo.claim_mention("generic#post-5521", "mention", ANN)
    assert (record.case_id, record.outcome) == ("generic-post-5521", "opened")


# -- the indexes -------------------------------------------------------------------------------------------------
def test_open_cases_are_listed_nearest_deadline_first(repo):
    # Given three open cases whose deadlines are not in the order they were opened, and a closed one
    repo.open(a_case("generic-later", "generic#1", deadline="2026-11-22T11:00:00.000Z"))
    repo.open(a_case("generic-soonest", "generic#2", deadline="2026-11-22T09:45:00.000Z"))
    repo.open(a_case("generic-middle", "generic#3", deadline="2026-11-22T10:15:00.000Z"))
    repo.open(a_case("generic-done", "generic#4", deadline="2026-11-22T09:00:00.000Z"))
    close(repo, "generic-done", "generic#4")
    # When the open queue is listed / Then it runs from the nearest deadline, and only open cases are in it
    assert [c.case_id for c in repo.list_by_status("OPEN")] == ["generic-soonest", "generic-middle", "generic-later"]
    assert [c.case_id for c in repo.list_by_status("OPEN", newest_first=True)] == [
        "generic-later", "generic-middle", "generic-soonest"]
    assert [c.case_id for c in repo.list_by_status("OPEN", limit=2)] == ["generic-soonest", "generic-middle"]
    assert [c.case_id for c in repo.list_by_status("CLOSED")] == ["generic-done"]


READ = ("case_id", "status", "deadline", "escalation_level", "mention_count", "hard_limit_reached", "closed_at",
        "summary_text", "flagged_reason")


def as_read(record: CaseRecord) -> dict:
    return {name: getattr(record, name) for name in READ}


def test_a_read_listing_is_the_listing_with_only_the_attributes_asked_for(repo):
    # Given open cases with and without optional fields (a number, a boolean, an emoji, a field set to NULL), and a
    # closed one
    repo.open(a_case("generic-later", "generic#1", deadline="2026-11-22T11:00:00.000Z", hard_limit_reached=True,
                     summary_text="late \U0001f621 \"again\"", flagged_reason="dismissed"))
    repo.update("generic-later", [CaseRecord.escalation_level.set(2)])
    repo.open(a_case("generic-soonest", "generic#2", deadline="2026-11-22T09:45:00.000Z", hard_limit_reached=False,
                     draft_reply="not read"))
    repo.update("generic-soonest", [CaseRecord.mention_count.set(3)])
    repo.open(a_case("generic-middle", "generic#3", deadline="2026-11-22T10:15:00.000Z"))
    boto3.client("dynamodb").update_item(  # a NULL, as another writer than PynamoDB may store
        TableName=CaseRecord.Meta.table_name, Key={"case_id": {"S": "generic-middle"}, "record": {"S": CASE_RECORD}},
        UpdateExpression="SET flagged_reason = :null", ExpressionAttributeValues={":null": {"NULL": True}})
    repo.open(a_case("generic-done", "generic#4", deadline="2026-11-22T09:00:00.000Z"))
    close(repo, "generic-done", "generic#4")
    # When the queue and the history are read with some attributes / Then each is the listing, in its order and
    # length, with the same values (None where a case has none), whichever way and however many
    for status, newest_first, limit in (("OPEN", False, 50), ("OPEN", True, 50), ("OPEN", False, 2),
                                        ("OPEN", True, 1), ("CLOSED", True, 50), ("DISMISSED", False, 50)):
        listed = [as_read(record) for record in repo.list_by_status(status, limit, newest_first)]
        read = repo.list_read_by_status(status, READ, limit, newest_first)
        assert [{name: getattr(case, name) for name in READ} for case in read] == listed
    first = repo.list_read_by_status("OPEN", READ)[0]
    assert (type(first.escalation_level), first.hard_limit_reached) == (int, False)
    # And an attribute not read is not there to be mistaken for an empty one
    with pytest.raises(AttributeError):
        first.draft_reply  # noqa: B018


def test_a_read_listing_goes_on_to_the_next_page_as_the_listing_does(repo):
    # Given more open cases than one page of DynamoDB's (1 MB) holds
    draft = "x" * 4000
    with CaseRecord.batch_write() as batch:
        for n in range(300):
            batch.save(a_case(f"generic-big{n:03}", f"generic#big{n}", deadline=f"2026-11-22T10:{n // 60:02}:"
                              f"{n % 60:02}.000Z", draft_reply=draft))
    pages = CaseRecord.by_status.query("OPEN", limit=300)
    next(pages)
    assert pages.last_evaluated_key is not None  # the first page ended before the 300th case
    # When they are read / Then every one is there, in the listing's order
    expected = [record.case_id for record in repo.list_by_status("OPEN", 300)]
    assert len(expected) == 300
    assert [case.case_id for case in repo.list_read_by_status("OPEN", ("case_id",), 300)] == expected
    assert [case.case_id for case in repo.list_read_by_status("OPEN", ("case_id",), 299, True)] == expected[:0:-1]


def test_a_read_listing_takes_the_items_as_botocore_would_have_parsed_them(repo):
    # Given cases with strings (one not ASCII), numbers, booleans and a NULL
    repo.open(a_case("generic-a", "generic#1", summary_text="caf\u00e9 \U0001f621 \"q\"\n", hard_limit_reached=True))
    repo.open(a_case("generic-b", "generic#2", deadline="2026-11-22T11:00:00.000Z", hard_limit_reached=False))
    boto3.client("dynamodb").update_item(
        TableName=CaseRecord.Meta.table_name, Key={"case_id": {"S": "generic-b"}, "record": {"S": CASE_RECORD}},
        UpdateExpression="SET summary_text = :null, escalation_level = :n",
        ExpressionAttributeValues={":null": {"NULL": True}, ":n": {"N": "2.50"}})
    connection = CaseRecord._get_connection()
    asked = {"index_name": "CasesByStatus", "limit": 2, "attributes_to_get": list(READ)}
    # When a page is read with its items as sent, and again as botocore parses them / Then the pages are the same
    with cases_module._query_items_as_sent(connection):
        as_sent = connection.query("OPEN", **asked)
    parsed = connection.query("OPEN", **asked)  # and the next query is botocore's again
    assert [item["case_id"]["S"] for item in parsed["Items"]] == ["generic-a", "generic-b"]
    assert {key: value for key, value in as_sent.items() if key != "ResponseMetadata"} == {
        key: value for key, value in parsed.items() if key != "ResponseMetadata"}


def test_only_strings_numbers_and_booleans_are_read_from_the_items_as_sent(repo):
    with pytest.raises(ValueError, match="detail"):
        repo.list_read_by_status("OPEN", ("case_id", "detail"))
    with pytest.raises(ValueError, match="author_aliases"):
        repo.list_read_by_status("OPEN", ("author_aliases",))
    with pytest.raises(KeyError):
        repo.list_read_by_status("OPEN", ("no_such_attribute",))


def test_the_items_are_left_to_botocore_unless_the_read_listing_asks_in_this_thread():
    page = {"status_code": 200, "body": b'{"Count": 1, "Items": [{"case_id": {"B": "AAE="}}]}'}
    for response, wanted in ((dict(page), False), ({**page, "status_code": 400}, True)):  # not asked; an error
        customized = {}
        cases_module._unparsed.wanted = wanted
        try:
            cases_module._items_as_sent(response_dict=response, customized_response_dict=customized)
        finally:
            cases_module._unparsed.wanted = False
        assert (response["body"], customized) == (page["body"], {})


def test_an_authors_cases_are_listed_oldest_first_and_only_theirs(repo):
    repo.open(a_case("generic-p1", ANN, opened_at="2026-11-20T09:00:00.000Z"))
    close(repo, "generic-p1")
    repo.open(a_case("generic-p3", ANN, opened_at="2026-11-22T09:00:00.000Z"))
    repo.open(a_case("generic-p2", BOB, opened_at="2026-11-21T09:00:00.000Z"))
    assert [c.case_id for c in repo.list_by_author(ANN)] == ["generic-p1", "generic-p3"]
    assert [c.case_id for c in repo.list_by_author(BOB)] == ["generic-p2"]
    assert repo.list_by_author("generic#9999") == []


# -- author aliases (a Meta commenter's PSID) ------------------------------------------------------------------------
def test_an_alias_points_at_the_open_case_and_closing_releases_it(repo):
    repo.open(a_case("meta-c1", author_key="meta#7001"))
    assert repo.add_author_alias("meta-c1", "meta#psid-42") is True
    assert repo.add_author_alias("meta-c1", "meta#psid-42") is True  # a retried step: the same pointer
    assert repo.open_case_of("meta#psid-42") == "meta-c1" and repo.get("meta-c1").author_aliases == {"meta#psid-42"}
    repo.close("meta-c1", "meta#7001", [CaseRecord.status.set("CLOSED")], aliases=frozenset({"meta#psid-42"}))
    assert repo.open_case_of("meta#psid-42") is None and repo.open_case_of("meta#7001") is None


def test_an_alias_that_has_another_open_case_is_not_taken(repo):
    repo.open(a_case("meta-c1", author_key="meta#7001"))
    repo.open(a_case("meta-m1", author_key="meta#psid-42"))
    assert repo.add_author_alias("meta-c1", "meta#psid-42") is False
    assert repo.open_case_of("meta#psid-42") == "meta-m1"


# -- an author's cases and linked accounts -------------------------------------------------------------------------
def test_an_authors_cases_come_oldest_first_or_newest_first_and_up_to_a_time(repo):
    for day in ("20", "21", "22"):
        repo.open(a_case(f"generic-{day}", opened_at=f"2026-11-{day}T09:00:00.000Z"))
        close(repo, f"generic-{day}")
    repo.open(a_case("generic-bob", author_key=BOB))
    assert [c.case_id for c in repo.list_by_author(ANN)] == ["generic-20", "generic-21", "generic-22"]
    assert [c.case_id for c in repo.list_by_author(ANN, newest_first=True, limit=2)] == ["generic-22", "generic-21"]
    assert [c.case_id for c in repo.list_by_author(ANN, newest_first=True, opened_by="2026-11-21T09:00:00.000Z")] == [
        "generic-21", "generic-20"]


def test_linking_two_authors_links_them_both_ways_once(repo):
    assert repo.link_authors(ANN, "x#42", by="maria") is True
    assert (repo.links_of(ANN), repo.links_of("x#42")) == (["x#42"], [ANN])
    assert repo.link_authors("x#42", ANN, by="dev") is False  # either way round: linked already
    assert repo.links_of(BOB) == []
    link = CaseRecord.get(f"AUTHOR#{ANN}", "LINK#x#42")
    assert link.linked_by == "maria" and link.at


def test_a_link_leaves_the_authors_open_case_pointer_alone(repo):
    repo.open(a_case("generic-p1"))
    repo.link_authors(ANN, "x#42", by="maria")
    assert repo.open_case_of(ANN) == "generic-p1" and repo.open_case_of("x#42") is None
    close(repo, "generic-p1")
    assert repo.open_case_of(ANN) is None and repo.links_of(ANN) == ["x#42"]


def test_a_flag_clearance_is_kept_under_the_author_with_who_and_why_oldest_first(repo):
    repo.open(a_case("generic-f1"))
    assert repo.add_flag_clearance(ANN, "2026-11-23T10:00:00.000Z", by="maria", reason="a real customer") is True
    assert repo.add_flag_clearance(ANN, "2026-11-23T10:00:00.000Z", by="dev", reason="again") is False  # once
    repo.add_flag_clearance(ANN, "2026-11-24T10:00:00.000Z", by="dev", reason="still fine")
    assert [(c.at, c.cleared_by, c.clearance_reason) for c in repo.flag_clearances(ANN)] == [
        ("2026-11-23T10:00:00.000Z", "maria", "a real customer"), ("2026-11-24T10:00:00.000Z", "dev", "still fine")]
    assert repo.flag_clearances(BOB) == []
    # beside the author's open-case pointer and links, which it leaves alone
    assert repo.open_case_of(ANN) == "generic-f1" and repo.links_of(ANN) == []

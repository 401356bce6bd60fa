"""Mirrors functions/ingest_mentions/app.py: an SQS batch of mentions, each ingested (or reported) on its own."""
import copy
import json

import pytest

from functions.ingest_mentions import app
from socialcare.storage.cases import CasesRepository
from tests.conftest import json_logs

CASE_ID = "generic-post-5521"  # the sample batch's one mention: post-5521 by @ann (author 1001)


@pytest.fixture(autouse=True)
def workflows_under_way(cloud):
    """Let every case's execution get going before the local cloud stops (moto cannot stop one still starting)."""
    yield
    repo = CasesRepository()
    cloud.wait_for(lambda: all(case.step != "NEW" for case in repo.list_by_status("OPEN")),
                   what="every opened case's execution under way")


@pytest.fixture
def batch(load_event) -> dict:
    return load_event("ingest_mentions.sqs_batch")


def with_record(batch: dict, message_id: str, body: str) -> dict:
    record = copy.deepcopy(batch["Records"][0])
    record.update(messageId=message_id, body=body)
    return {"Records": [*batch["Records"], record]}


def test_a_batch_of_one_new_mention_opens_its_case(cloud, batch, lambda_context):
    # Given the sample batch: one public mention from an author without a case
    result = app.lambda_handler(batch, lambda_context)
    # Then nothing is sent back for redelivery, and a case is open for the author
    assert result == {"batchItemFailures": []}
    repo = CasesRepository()
    case = repo.get(CASE_ID)
    assert (case.status, case.author_handle, case.mention_count) == ("OPEN", "@ann", 1)
    assert case.summary_text.startswith("@brand my order #A1 arrived broken")
    assert repo.open_case_of("generic#1001") == CASE_ID
    # and its workflow starts: the agents are asked for an acknowledgement
    assert cloud.wait_for(lambda: repo.get(CASE_ID).waiting_for == "acknowledge", what="the case's workflow")


def test_a_redelivered_batch_changes_nothing(cloud, batch, lambda_context):
    app.lambda_handler(batch, lambda_context)
    assert app.lambda_handler(batch, lambda_context) == {"batchItemFailures": []}
    repo = CasesRepository()
    assert repo.get(CASE_ID).mention_count == 1
    assert [e.event for e in repo.timeline(CASE_ID)].count("case opened") == 1
    assert len(repo.list_by_author("generic#1001")) == 1


@pytest.mark.parametrize("body", ["not json at all", json.dumps({"hello": "world"}), json.dumps(["post-5521"]),
                                  json.dumps({"platform": "generic", "mention_id": "m-1"})])
def test_a_record_that_is_not_a_mention_is_reported_alone_and_the_good_one_is_ingested(cloud, batch, lambda_context,
                                                                                       body):
    # Given a batch with the good sample record and one that is not a mention
    mixed = with_record(batch, "bad-record-1", body)
    # When it is handled
    result = app.lambda_handler(mixed, lambda_context)
    # Then only the bad record goes back for redelivery, and the good one opened its case
    assert result == {"batchItemFailures": [{"itemIdentifier": "bad-record-1"}]}
    assert CasesRepository().get(CASE_ID).status == "OPEN"


def test_a_record_that_fails_is_logged_with_why_but_not_what_it_said(cloud, batch, lambda_context, caplog):
    logs = json_logs(caplog)
    private = json.dumps({"platform": "generic", "mention_id": "m-1", "text": "my card is 4242 4242 4242 4242"})
    app.lambda_handler(with_record(batch, "bad-record-2", private), lambda_context)
    failed = [line for line in logs() if line["message"].startswith("mention not ingested")]
    assert len(failed) == 1 and failed[0]["messageId"] == "bad-record-2" and failed[0]["error"]
    assert "4242" not in json.dumps(failed)


def test_a_second_mention_of_the_same_author_joins_their_open_case(cloud, batch, lambda_context):
    message = json.loads(batch["Records"][0]["body"])
    follow_up = json.dumps({**message, "mention_id": "post-5530", "reply_to_id": "post-5530", "text": "@brand hello?"})
    result = app.lambda_handler(with_record(batch, "second-mention", follow_up), lambda_context)
    assert result == {"batchItemFailures": []}
    repo = CasesRepository()
    assert repo.get(CASE_ID).mention_count == 2
    assert repo.get("generic-post-5530") is None


def test_each_mention_logs_the_case_it_opened_or_joined(cloud, batch, lambda_context, caplog):
    logs = json_logs(caplog)
    # Given a batch whose first mention opens a case and whose second joins it
    message = json.loads(batch["Records"][0]["body"])
    follow_up = json.dumps({**message, "mention_id": "post-5530", "reply_to_id": "post-5530", "text": "@brand hello?"})
    app.lambda_handler(with_record(batch, "second-mention", follow_up), lambda_context)
    # Then each mention's line carries the case id as correlation id
    ingested = [(line["outcome"], line["correlation_id"]) for line in logs() if line["message"] == "mention ingested"]
    assert ingested == [("opened", CASE_ID), ("attached", CASE_ID)]

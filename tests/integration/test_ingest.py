"""No mention lost, none making two cases: duplicates, concurrency, crashes and bad input, through the real path
(signed webhook → queue → ingest → state machine)."""
from __future__ import annotations

import json
import os
import threading

import boto3

from socialcare import workflow
from tests.conftest import delivery, mention, signed_headers
from tests.integration.helpers import act, deliver, show, wait_until_waiting


def queued(cloud, queue: str = "IngestQueue") -> int:
    url = cloud.resolver.physical(queue)["Ref"]
    attributes = boto3.client("sqs").get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])
    return sum(int(v) for v in attributes["Attributes"].values())


def stored_items(table: str) -> int:
    return boto3.client("dynamodb").scan(TableName=table, Select="COUNT")["Count"]


def executions_of(cloud, case_id: str) -> list[dict]:
    return [e for e in cloud.executions() if e["name"] == case_id]


def test_the_same_delivery_twice_makes_one_case_and_one_execution(cloud):
    # Given a platform that delivers the same mention twice (its retry)
    deliver(cloud, mention("7001", author_id="4001"), delivery_id="retry-me")
    deliver(cloud, mention("7001", author_id="4001"), delivery_id="retry-me")
    # Then there is one case, one execution and one mention on its timeline
    case = wait_until_waiting(cloud, "generic-7001", "acknowledge")
    assert case["mentions"] == 1
    assert len(executions_of(cloud, "generic-7001")) == 1
    assert [e["event"] for e in case["timeline"]].count("case opened") == 1


def test_a_second_mention_by_the_same_author_joins_the_open_case(cloud):
    deliver(cloud, mention("7002", author_id="4002"))
    wait_until_waiting(cloud, "generic-7002", "acknowledge")
    # When the same author posts again
    deliver(cloud, mention("7003", author_id="4002", text="@brand still waiting on order A1!"), delivery_id="d2")
    # Then the second mention is on the first case's timeline, and no second case or execution exists
    case = show(cloud, "generic-7002")
    assert case["mentions"] == 2
    assert "@brand still waiting on order A1!" in [e.get("text") for e in case["timeline"]]
    assert show_status(cloud, "generic-7003") == 404
    assert [e["name"] for e in cloud.executions()] == ["generic-7002"]


def show_status(cloud, case_id: str) -> int:
    return cloud.http("GET", f"/cases/{case_id}", headers=cloud.signed_in()).status


def test_the_same_delivery_many_times_concurrently_makes_one_case(cloud):
    # Given ten copies of one delivery accepted by the webhook at once
    body = delivery(mention("7004", author_id="4003"), delivery_id="burst")
    responses = []
    threads = [threading.Thread(target=lambda: responses.append(
        cloud.http("POST", "/webhooks/generic", body, signed_headers(body)).status)) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert responses == [200] * 10
    # When the ingest function takes them in concurrent invocations
    url = cloud.resolver.physical("IngestQueue")["Ref"]
    messages = boto3.client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    results, errors = [], []

    def ingest(message):
        record = {"messageId": message["MessageId"], "receiptHandle": message["ReceiptHandle"], "body": message["Body"],
                  "attributes": {}, "messageAttributes": {}, "md5OfBody": message["MD5OfBody"], "eventSource": "aws:sqs",
                  "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:IngestQueue", "awsRegion": "us-east-1"}
        try:
            results.append(cloud.invoke("IngestMentionsFunction", {"Records": [record]}))
        except Exception as error:  # all records of the batch failed
            errors.append(repr(error.__cause__ or error) + " / " + repr(getattr(error, "child_exceptions", "")))
    workers = [threading.Thread(target=ingest, args=(m,)) for m in messages]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    # Then every invocation succeeded, and there is exactly one case and one execution
    assert errors == []
    assert results == [{"batchItemFailures": []}] * 10
    case = wait_until_waiting(cloud, "generic-7004", "acknowledge")
    assert case["mentions"] == 1
    assert len(executions_of(cloud, "generic-7004")) == 1
    assert stored_items(os.environ["MENTIONS_TABLE_NAME"]) == 1


def test_ingest_dying_after_the_case_write_is_finished_by_the_redelivery(cloud, monkeypatch):
    # Given the ingest function dies right after writing the case, before starting its execution
    real_start = workflow.start_case
    calls = {"count": 0}

    def dies_once(case_id, platform, visibility):
        calls["count"] += 1
        if calls["count"] == 1:
            raise RuntimeError("Lambda died")
        return real_start(case_id, platform, visibility)
    monkeypatch.setattr(workflow, "start_case", dies_once)
    # When the queue redelivers the message
    deliver(cloud, mention("7005", author_id="4004"))
    # Then the redelivery finished the job: one case, one execution, nothing left queued
    assert calls["count"] == 2
    case = wait_until_waiting(cloud, "generic-7005", "acknowledge")
    assert case["mentions"] == 1
    assert len(executions_of(cloud, "generic-7005")) == 1
    assert queued(cloud) == 0


def test_a_bad_signature_is_refused_and_nothing_is_stored_or_enqueued(cloud):
    body = delivery(mention("7006"))
    headers = signed_headers(body, secret="not-the-secret")
    response = cloud.http("POST", "/webhooks/generic", body, headers)
    assert response.status == 401
    assert queued(cloud) == 0
    assert stored_items(os.environ["CASES_TABLE_NAME"]) == 0 and stored_items(os.environ["MENTIONS_TABLE_NAME"]) == 0
    assert cloud.executions() == []


def test_a_tampered_body_is_refused(cloud):
    body = delivery(mention("7007"))
    headers = signed_headers(body)
    response = cloud.http("POST", "/webhooks/generic", body.replace(b"broken", b"fine!!"), headers)
    assert response.status == 401 and queued(cloud) == 0


def test_a_malformed_body_is_a_400_naming_the_problem_and_changes_nothing(cloud):
    body = json.dumps({"deliveryId": "x", "mentions": [{"id": "1", "text": "hi"}]}).encode()
    response = cloud.http("POST", "/webhooks/generic", body, signed_headers(body))
    assert response.status == 400
    assert "createdAt" in response.json()["message"] and "author" in response.json()["message"]
    assert queued(cloud) == 0


def test_an_oversized_delivery_is_a_413(cloud):
    body = delivery(mention("7008", text="x" * 9000)) * 600  # over 5 MiB
    response = cloud.http("POST", "/webhooks/generic", body, signed_headers(body))
    assert response.status == 413 and queued(cloud) == 0


def test_an_action_the_case_is_not_waiting_for_is_a_409_and_changes_nothing(cloud):
    deliver(cloud, mention("7009", author_id="4005"))
    before = wait_until_waiting(cloud, "generic-7009", "acknowledge")
    response = act(cloud, "generic-7009", "resolve", summary="done", publicNote="done")
    assert response.status == 409 and "acknowledge" in response.json()["message"]
    after = show(cloud, "generic-7009")
    assert (after["step"], after["waitingFor"], len(after["timeline"])) == (
        before["step"], before["waitingFor"], len(before["timeline"]))


def test_two_agents_acknowledging_at_once_post_one_reply(cloud):
    deliver(cloud, mention("7010", author_id="4006"))
    wait_until_waiting(cloud, "generic-7010", "acknowledge")
    statuses = []
    agents = [threading.Thread(target=lambda n=n: statuses.append(
        act(cloud, "generic-7010", "acknowledge", agent=f"agent-{n}", replyText=f"Reply number {n}").status))
        for n in range(4)]
    for agent in agents:
        agent.start()
    for agent in agents:
        agent.join()
    assert sorted(statuses) == [200, 409, 409, 409]
    wait_until_waiting(cloud, "generic-7010", "customer-dm")
    acknowledgements = [e for e in show(cloud, "generic-7010")["timeline"] if e.get("kind") == "acknowledgement"]
    assert len(acknowledgements) == 1


def test_acting_on_an_unknown_case_is_a_404(cloud):
    assert act(cloud, "generic-nope", "acknowledge", replyText="hi").status == 404
    assert show_status(cloud, "generic-nope") == 404


def test_a_dm_from_someone_without_an_open_case_opens_a_private_case(cloud):
    deliver(cloud, mention("7011", author_id="4007", kind="dm", text="hello?"))
    record = boto3.client("dynamodb").get_item(TableName=os.environ["MENTIONS_TABLE_NAME"],
                                               Key={"mention_key": {"S": "generic#7011"}})["Item"]
    assert (record["outcome"]["S"], record["case_id"]["S"]) == ("opened", "generic-7011")
    assert [e["name"] for e in cloud.executions()] == ["generic-7011"]
    execution = boto3.client("stepfunctions").describe_execution(executionArn=cloud.execution_arn("generic-7011"))
    assert json.loads(execution["input"])["visibility"] == "private"


def test_a_message_that_can_never_be_ingested_ends_in_the_dead_letter_queue(cloud):
    # Given a message on the ingest queue that is not a mention (e.g. written by an older version)
    url = cloud.resolver.physical("IngestQueue")["Ref"]
    boto3.client("sqs").send_message(QueueUrl=url, MessageBody=json.dumps({"not": "a mention"}))
    # When the queue has delivered it as often as the redrive policy allows
    cloud.deliver_queue()
    # Then it waits in the dead-letter queue (where the alarm sees it), not lost
    assert queued(cloud, "IngestQueue") == 0
    assert queued(cloud, "IngestDeadLetterQueue") == 1

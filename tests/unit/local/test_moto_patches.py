"""The moto patches that make the local cloud fast keep DynamoDB's answers as they were: a query reads only its
partition (or the index's matching items) yet pages and orders as before; a failed transaction still leaves nothing
written; items come back with every attribute type intact."""
from __future__ import annotations

import base64
import json
import re
from contextlib import contextmanager

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from local import moto_patches


@pytest.fixture
def dynamodb():
    moto_patches.apply_all()
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName="t", BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": name, "AttributeType": "S"} for name in ("pk", "sk", "g", "d")],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            GlobalSecondaryIndexes=[{"IndexName": "by_g", "Projection": {"ProjectionType": "ALL"},
                                     "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"},
                                                   {"AttributeName": "d", "KeyType": "RANGE"}]}])
        yield client


def _put(client, pk: str, sk: str, **attributes) -> None:
    client.put_item(TableName="t", Item={"pk": {"S": pk}, "sk": {"S": sk},
                                         **{k: {"S": v} for k, v in attributes.items()}})


def _keys(items: list[dict]) -> list[tuple[str, str]]:
    return [(item["pk"]["S"], item["sk"]["S"]) for item in items]


def test_a_table_query_reads_its_partition_in_order_and_pages(dynamodb):
    for pk in ("a", "b", "c"):
        for n in (3, 1, 2):
            _put(dynamodb, pk, f"s{n}")
    first = dynamodb.query(TableName="t", KeyConditionExpression="pk = :p", ExpressionAttributeValues={
        ":p": {"S": "b"}}, Limit=2)
    rest = dynamodb.query(TableName="t", KeyConditionExpression="pk = :p", ExpressionAttributeValues={
        ":p": {"S": "b"}}, ExclusiveStartKey=first["LastEvaluatedKey"])
    assert _keys(first["Items"]) + _keys(rest["Items"]) == [("b", "s1"), ("b", "s2"), ("b", "s3")]
    backwards = dynamodb.query(TableName="t", KeyConditionExpression="pk = :p AND begins_with(sk, :s)",
                               ExpressionAttributeValues={":p": {"S": "c"}, ":s": {"S": "s"}}, ScanIndexForward=False)
    assert _keys(backwards["Items"]) == [("c", "s3"), ("c", "s2"), ("c", "s1")]
    assert dynamodb.query(TableName="t", KeyConditionExpression="pk = :p",
                          ExpressionAttributeValues={":p": {"S": "nobody"}})["Items"] == []


def test_an_index_query_finds_only_its_hash_key_sorted_and_paged(dynamodb):
    for n in range(6):
        _put(dynamodb, f"case-{n}", "CASE", g="OPEN" if n % 2 else "CLOSED", d=f"2026-01-0{9 - n}")
    _put(dynamodb, "case-x", "CASE", d="2026-01-01")  # no index hash key: not in the index
    first = dynamodb.query(TableName="t", IndexName="by_g", KeyConditionExpression="g = :g",
                           ExpressionAttributeValues={":g": {"S": "OPEN"}}, Limit=2)
    rest = dynamodb.query(TableName="t", IndexName="by_g", KeyConditionExpression="g = :g",
                          ExpressionAttributeValues={":g": {"S": "OPEN"}}, ExclusiveStartKey=first["LastEvaluatedKey"])
    assert [item["pk"]["S"] for item in first["Items"] + rest["Items"]] == ["case-5", "case-3", "case-1"]
    assert dynamodb.scan(TableName="t")["Count"] == 7  # a scan still reads the whole table


def _by_g_from_scan(client, g: str) -> list[tuple[str, str]]:
    items = [item for item in client.scan(TableName="t")["Items"] if item.get("g") == {"S": g} and "d" in item]
    return [key for _, key in sorted(((item["d"]["S"], item["pk"]["S"], item["sk"]["S"]), _keys([item])[0])
                                     for item in items)]


def test_an_index_query_follows_every_write_of_its_key(dynamodb):
    """Puts, updates that set, change or remove the index key, deletes, batch writes, transactions that succeed and
    that fail: after each, the index query answers what a scan of the table says."""
    import random
    rng = random.Random(7)
    values = ("OPEN", "CLOSED", "NEW")

    def check():
        for g in values:
            answer = dynamodb.query(TableName="t", IndexName="by_g", KeyConditionExpression="g = :g",
                                    ExpressionAttributeValues={":g": {"S": g}})["Items"]
            assert _keys(answer) == _by_g_from_scan(dynamodb, g), g

    check()  # the map of `g` is built here, on an empty table
    for step in range(300):
        pk, sk, g, d = f"c{rng.randrange(12)}", rng.choice(("CASE", "PTR")), rng.choice(values), f"d{rng.randrange(5)}"
        key = {"pk": {"S": pk}, "sk": {"S": sk}}
        action = rng.randrange(7)
        if action == 0:
            _put(dynamodb, pk, sk, g=g, d=d)
        elif action == 1:
            _put(dynamodb, pk, sk, d=d)  # replaced by an item without the index key
        elif action == 2:
            dynamodb.update_item(TableName="t", Key=key, UpdateExpression="SET g = :g, d = :d",
                                 ExpressionAttributeValues={":g": {"S": g}, ":d": {"S": d}})
        elif action == 3:
            dynamodb.update_item(TableName="t", Key=key, UpdateExpression="REMOVE g")
        elif action == 4:
            dynamodb.delete_item(TableName="t", Key=key)
        elif action == 5:
            dynamodb.batch_write_item(RequestItems={"t": [
                {"PutRequest": {"Item": {**key, "g": {"S": g}, "d": {"S": d}}}},
                {"DeleteRequest": {"Key": {"pk": {"S": f"c{rng.randrange(12)}"}, "sk": {"S": "PTR"}}}}]})
        else:
            other = {"pk": {"S": f"c{rng.randrange(12)}"}, "sk": {"S": "CASE"}}
            fails = rng.random() < 0.5
            try:
                dynamodb.transact_write_items(TransactItems=[
                    {"Update": {"TableName": "t", "Key": key, "UpdateExpression": "SET g = :g, d = :d",
                                "ExpressionAttributeValues": {":g": {"S": g}, ":d": {"S": d}}}},
                    {"Delete": {"TableName": "t", "Key": other}} if other != key else
                    {"Put": {"TableName": "t", "Item": {"pk": {"S": "x"}, "sk": {"S": "CASE"}, "g": {"S": g},
                                                         "d": {"S": d}}}},
                    {"ConditionCheck": {"TableName": "t", "Key": {"pk": {"S": "nobody"}, "sk": {"S": "CASE"}},
                                        "ConditionExpression": "attribute_exists(pk)" if fails else
                                        "attribute_not_exists(pk)"}}])
            except ClientError as refused:
                assert refused.response["Error"]["Code"] == "TransactionCanceledException" and fails
        check()


def test_a_failed_transaction_leaves_nothing_written(dynamodb):
    _put(dynamodb, "a", "CASE", g="OPEN", d="1")
    _put(dynamodb, "z", "CASE")
    with pytest.raises(ClientError) as refused:
        dynamodb.transact_write_items(TransactItems=[
            {"Put": {"TableName": "t", "Item": {"pk": {"S": "new"}, "sk": {"S": "CASE"}}}},
            {"Update": {"TableName": "t", "Key": {"pk": {"S": "a"}, "sk": {"S": "CASE"}},
                        "UpdateExpression": "SET g = :c", "ExpressionAttributeValues": {":c": {"S": "CLOSED"}}}},
            {"Put": {"TableName": "t", "Item": {"pk": {"S": "a"}, "sk": {"S": "PTR"}}}},
            {"ConditionCheck": {"TableName": "t", "Key": {"pk": {"S": "z"}, "sk": {"S": "CASE"}},
                                "ConditionExpression": "attribute_not_exists(pk)"}},
        ])
    assert refused.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert _keys(dynamodb.scan(TableName="t")["Items"]) == [("a", "CASE"), ("z", "CASE")]
    assert dynamodb.get_item(TableName="t", Key={"pk": {"S": "a"}, "sk": {"S": "CASE"}})["Item"]["g"] == {"S": "OPEN"}
    dynamodb.transact_write_items(TransactItems=[
        {"Put": {"TableName": "t", "Item": {"pk": {"S": "new"}, "sk": {"S": "CASE"}}}},
        {"Delete": {"TableName": "t", "Key": {"pk": {"S": "a"}, "sk": {"S": "CASE"}}}}])
    assert _keys(dynamodb.scan(TableName="t")["Items"]) == [("new", "CASE"), ("z", "CASE")]


def test_items_come_back_with_every_attribute_type(dynamodb):
    item = {"pk": {"S": "a"}, "sk": {"S": "CASE"}, "n": {"N": "12.5"}, "b": {"B": b"\x00\xffbytes"},
            "ss": {"SS": ["x", "y"]}, "ns": {"NS": ["1", "2"]}, "bs": {"BS": [b"one", b"two"]},
            "yes": {"BOOL": True}, "no": {"BOOL": False}, "nothing": {"NULL": True}, "empty": {"S": ""},
            "m": {"M": {"inner": {"L": [{"S": "deep"}, {"N": "3"}, {"M": {}}, {"B": b"\x01"}]}}}, "l": {"L": []}}
    dynamodb.put_item(TableName="t", Item=item)
    got = dynamodb.get_item(TableName="t", Key={"pk": {"S": "a"}, "sk": {"S": "CASE"}})["Item"]
    assert got == item
    queried = dynamodb.query(TableName="t", KeyConditionExpression="pk = :p",
                             ExpressionAttributeValues={":p": {"S": "a"}})["Items"]
    assert queried == [item]
    raw = boto3.client("dynamodb", region_name="us-east-1")
    assert base64.b64decode(base64.b64encode(got["b"]["B"])) == b"\x00\xffbytes"
    assert raw.describe_table(TableName="t")["Table"]["TableName"] == "t"  # other shapes: moto's serializer


# -- Step Functions: executions share their program, JSONPaths are parsed once -----------------------------------------
SHARED = {
    "StartAt": "Greet",
    "States": {
        "Greet": {"Type": "Pass", "Result": {"items": {"x": 1}}, "ResultPath": "$.r", "Next": "Shape"},
        "Shape": {"Type": "Pass", "Parameters": {"who.$": "$.who", "x.$": "$.r.items.x", "all.$": "$.list[*].n",
                                                 "first.$": "$.list[0]", "fmt.$": "States.Format('hi {}', $.who)"},
                  "ResultPath": "$.shaped", "Next": "Mark"},
        "Mark": {"Type": "Pass", "Result": "changed", "ResultPath": "$.r.items.y", "Next": "Which"},
        "Which": {"Type": "Choice", "Choices": [{"Variable": "$.who", "StringEquals": "ann", "Next": "Ann"}],
                  "Default": "Done"},
        "Ann": {"Type": "Pass", "InputPath": "$.shaped", "ResultPath": "$.ann", "Next": "Done"},
        "Done": {"Type": "Succeed"},
    },
}


@pytest.fixture
def stepfunctions():
    moto_patches.apply_all()
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        yield boto3.client("stepfunctions", region_name="us-east-1")


def _run(sfn, definition: dict, inputs: list[dict]) -> list[dict]:
    import json
    import time
    arn = sfn.create_state_machine(name=f"m{time.monotonic_ns()}", definition=json.dumps(definition),
                                   roleArn="arn:aws:iam::123456789012:role/sfn")["stateMachineArn"]
    started = [sfn.start_execution(stateMachineArn=arn, name=f"run-{n}", input=json.dumps(value))["executionArn"]
               for n, value in enumerate(inputs)]
    outputs = []
    for execution in started:
        for _ in range(400):
            described = sfn.describe_execution(executionArn=execution)
            if described["status"] != "RUNNING":
                break
            time.sleep(0.025)
        assert described["status"] == "SUCCEEDED", described
        outputs.append(json.loads(described["output"]))
    return outputs


def test_executions_share_one_program_yet_each_gets_the_definitions_values(stepfunctions):
    people = [{"who": name, "list": [{"n": n}, {"n": n + 1}]} for n, name in enumerate(["ann", "bob", "cy", "ann"])]
    outputs = _run(stepfunctions, SHARED, people)
    for person, output in zip(people, outputs):
        shaped = {"who": person["who"], "x": 1, "all": [n["n"] for n in person["list"]], "first": person["list"][0],
                  "fmt": f"hi {person['who']}"}
        # the Result as written every time, though the execution before changed its own copy (Mark)
        assert output["r"] == {"items": {"x": 1, "y": "changed"}}
        assert output["shaped"] == shaped
        assert output.get("ann") == (shaped if person["who"] == "ann" else None)


def test_a_definition_is_built_into_a_program_once_unless_it_keeps_per_run_state():
    import json
    import types

    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker
    moto_patches.apply_all()

    def entrypoint(definition: dict):
        details = types.SimpleNamespace(state_machine_details=types.SimpleNamespace(definition=json.dumps(definition)))
        return ExecutionWorker._get_evaluation_entrypoint(types.SimpleNamespace(_evaluation_details=details))

    assert entrypoint(SHARED) is entrypoint(SHARED)
    parallel = {"StartAt": "Both", "States": {"Both": {"Type": "Parallel", "End": True, "Branches": [
        {"StartAt": "One", "States": {"One": {"Type": "Pass", "End": True}}}]}}}
    assert entrypoint(parallel) is not entrypoint(parallel)  # a Parallel state's workers are per run: not shared


def test_a_parallel_state_still_runs(stepfunctions):
    parallel = {"StartAt": "Both", "States": {"Both": {"Type": "Parallel", "End": True, "Branches": [
        {"StartAt": "One", "States": {"One": {"Type": "Pass", "Result": {"k": [1]}, "End": True}}},
        {"StartAt": "Two", "States": {"Two": {"Type": "Pass", "InputPath": "$.v", "End": True}}}]}}}
    assert _run(stepfunctions, parallel, [{"v": 1}, {"v": 2}]) == [[{"k": [1]}, 1], [{"k": [1]}, 2]]


# -- DynamoDB: an UpdateExpression's checks skip the nested walk only when the root passes --------------------------
# Each expression with what moto 5.2.5 answers without the patch (its message, or the item written).
UPDATES = [
    ("SET a = :v SET b = :v", 'The "SET" section can only be used once in an update expression;'),
    ("SET a = :v ADD n :one ADD m :one", 'The "ADD" section can only be used once in an update expression;'),
    ("REMOVE a, b SET c = :v REMOVE d", 'The "REMOVE" section can only be used once in an update expression;'),
    ("SET a = :v, b = :v, a = :v", "Two document paths overlap with each other; must remove or rewrite one of these "
                                   "paths; path one: [a], path two: [a]"),
    ("SET a.b = :v, a = :v", "Two document paths overlap with each other; must remove or rewrite one of these paths; "
                             "path one: [a, b], path two: [a]"),
    ("ADD n :one, n :one", "Two document paths overlap with each other; must remove or rewrite one of these paths; "
                           "path one: [n], path two: [n]"),
    ("SET pk = :v", "Cannot update attribute pk. This attribute is part of the key"),
]


@pytest.mark.parametrize("expression,message", UPDATES)
def test_an_invalid_update_expression_is_refused_as_before(dynamodb, expression, message):
    _put(dynamodb, "k", "CASE")
    values = {name: value for name, value in {":v": {"S": "v"}, ":one": {"N": "1"}}.items() if name in expression}
    with pytest.raises(ClientError) as refused:
        dynamodb.update_item(TableName="t", Key={"pk": {"S": "k"}, "sk": {"S": "CASE"}}, UpdateExpression=expression,
                             ExpressionAttributeValues=values)
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert refused.value.response["Error"]["Message"].endswith(message)


def test_a_long_update_expression_writes_every_action(dynamodb):
    _put(dynamodb, "k", "CASE", **{f"old{n}": "x" for n in range(5)})
    names = {f"#{n}": f"a{n}" for n in range(30)} | {f"#old{n}": f"old{n}" for n in range(5)}
    expression = ("SET " + ", ".join(f"#{n} = :{n}" for n in range(30)) + " REMOVE "
                  + ", ".join(f"#old{n}" for n in range(5)))
    for _ in range(2):  # the second time from the parsed expression kept
        dynamodb.update_item(TableName="t", Key={"pk": {"S": "k"}, "sk": {"S": "CASE"}}, UpdateExpression=expression,
                             ExpressionAttributeNames=names,
                             ExpressionAttributeValues={f":{n}": {"N": str(n)} for n in range(30)})
    item = dynamodb.get_item(TableName="t", Key={"pk": {"S": "k"}, "sk": {"S": "CASE"}})["Item"]
    assert item == {"pk": {"S": "k"}, "sk": {"S": "CASE"}, **{f"a{n}": {"N": str(n)} for n in range(30)}}


# -- SQS: receiving and deleting without rereading the queue ---------------------------------------------------------
@pytest.fixture
def sqs():
    moto_patches.apply_all()
    with mock_aws():
        client = boto3.client("sqs", region_name="us-east-1")
        yield client, client.create_queue(QueueName="q", Attributes={"VisibilityTimeout": "30"})["QueueUrl"]


def _bodies(messages: list[dict]) -> list[str]:
    return [message["Body"] for message in messages]


def test_a_queue_serves_deletes_and_hides_its_messages_as_before(sqs):
    client, url = sqs
    for n in range(25):
        client.send_message(QueueUrl=url, MessageBody=f"m{n}", DelaySeconds=0 if n < 24 else 60)  # the last: delayed
    first = client.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert _bodies(first) == [f"m{n}" for n in range(10)]
    second = client.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]  # the first ten are in flight
    assert _bodies(second) == [f"m{n}" for n in range(10, 20)]
    for message in first[:5]:
        client.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    client.delete_message(QueueUrl=url, ReceiptHandle=first[0]["ReceiptHandle"])  # again: accepted, as before
    client.change_message_visibility(QueueUrl=url, ReceiptHandle=first[5]["ReceiptHandle"], VisibilityTimeout=0)
    again = client.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert _bodies(again) == ["m5", "m20", "m21", "m22", "m23"]  # not the delayed m24
    client.delete_message(QueueUrl=url, ReceiptHandle=first[5]["ReceiptHandle"])  # an earlier handle of m5: still
    with pytest.raises(ClientError) as refused:
        client.delete_message(QueueUrl=url, ReceiptHandle="not-a-handle")
    assert refused.value.response["Error"]["Code"] == "ReceiptHandleIsInvalid"
    attributes = client.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert (attributes["ApproximateNumberOfMessages"], attributes["ApproximateNumberOfMessagesNotVisible"],
            attributes["ApproximateNumberOfMessagesDelayed"]) == ("0", "18", "1")


def test_a_message_past_its_retention_period_is_not_served(sqs):
    from moto.sqs.models import sqs_backends
    client, url = sqs
    client.set_queue_attributes(QueueUrl=url, Attributes={"MessageRetentionPeriod": "60"})
    client.send_message(QueueUrl=url, MessageBody="old")
    client.send_message(QueueUrl=url, MessageBody="new")
    queue = sqs_backends["123456789012"]["us-east-1"].queues["q"]
    queue._messages[0].sent_timestamp -= 61_000  # sent 61 s ago
    assert _bodies(client.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])) == []


@contextmanager
def moto_without(originals: dict):
    """moto as it was before one patch (its record of originals, e.g. moto_patches.SQS_PATCH_ORIGINALS): its own
    functions put back, then the patch's again."""
    patched = {(owner, name): getattr(owner, name) for owner, name in originals}
    for (owner, name), original in originals.items():
        setattr(owner, name, original)
    try:
        yield
    finally:
        for (owner, name), new in patched.items():
            setattr(owner, name, new)


def _sqs_history(monkeypatch, seed: int) -> list:
    """One random history of a queue with a dead-letter queue, on a cloud of its own and a clock that moves only when
    told: sends (some delayed, some in batches), receives with and without a visibility timeout, deletes and
    visibility changes by current, earlier, deleted and unknown handles, the clock moving past the timeouts, messages
    redriven after two receives, a purge; and after each step the queues' counts. Everything each call answered."""
    import random

    import moto.sqs.models as sqs_models
    from moto.moto_api._internal import mock_random
    clock = [1_790_000_000.0]
    monkeypatch.setattr(sqs_models, "unix_time", lambda dt=None: clock[0])
    monkeypatch.setattr(sqs_models, "unix_time_millis", lambda dt=None: clock[0] * 1000)
    rng = random.Random(seed)
    mock_random.seed(seed)
    history: list = []

    def answer(call, **kwargs):
        try:
            response = call(**kwargs)
        except ClientError as error:
            return error.response["Error"]["Code"]
        response.pop("ResponseMetadata", None)
        return response

    with mock_aws():
        client = boto3.client("sqs", region_name="us-east-1")
        dlq = client.create_queue(QueueName="dlq")["QueueUrl"]
        redrive = {"deadLetterTargetArn": "arn:aws:sqs:us-east-1:123456789012:dlq", "maxReceiveCount": 2}
        url = client.create_queue(QueueName="q", Attributes={"VisibilityTimeout": "2",
                                                             "RedrivePolicy": json.dumps(redrive)})["QueueUrl"]
        handles = ["not-a-handle"]
        for step in range(400):
            kind = rng.choices(["send", "batch", "receive", "delete", "visibility", "tick", "purge", "dlq"],
                               [20, 5, 25, 20, 10, 15, 0.5, 3])[0]
            if kind == "send":
                history.append(answer(client.send_message, QueueUrl=url, MessageBody=f"m{step}",
                                      DelaySeconds=rng.choice([0, 0, 0, 1, 3])))
            elif kind == "batch":
                history.append(answer(client.send_message_batch, QueueUrl=url, Entries=[
                    {"Id": str(n), "MessageBody": f"m{step}.{n}", "DelaySeconds": rng.choice([0, 2])}
                    for n in range(rng.randint(1, 10))]))
            elif kind in ("receive", "dlq"):
                asked = {"VisibilityTimeout": rng.choice([0, 1, 5])} if rng.random() < 0.4 else {}
                received = answer(client.receive_message, QueueUrl=url if kind == "receive" else dlq,
                                  MaxNumberOfMessages=rng.randint(1, 10), AttributeNames=["All"], **asked)
                handles += [message["ReceiptHandle"] for message in received.get("Messages", [])]
                history.append(received)
            elif kind == "delete":
                if rng.random() < 0.2:
                    chosen = rng.sample(handles, min(len(handles), 3))
                    history.append(answer(client.delete_message_batch, QueueUrl=url, Entries=[
                        {"Id": str(n), "ReceiptHandle": handle} for n, handle in enumerate(chosen)]))
                else:
                    history.append(answer(client.delete_message, QueueUrl=url, ReceiptHandle=rng.choice(handles)))
            elif kind == "visibility":
                history.append(answer(client.change_message_visibility, QueueUrl=url, ReceiptHandle=rng.choice(handles),
                                      VisibilityTimeout=rng.choice([0, 0, 1, 4, 43200])))
            elif kind == "tick":
                clock[0] += rng.choice([0.0005, 0.5, 1, 2.5, 6])
                history.append(clock[0])
            else:
                history.append(answer(client.purge_queue, QueueUrl=url))
            history.append([answer(client.get_queue_attributes, QueueUrl=queue, AttributeNames=["All"])
                            for queue in (url, dlq)])
    return history


@pytest.mark.parametrize("seed", [1, 2])
def test_a_queue_answers_a_random_history_as_moto_did(monkeypatch, seed):
    moto_patches.apply_all()
    patched = _sqs_history(monkeypatch, seed)
    with moto_without(moto_patches.SQS_PATCH_ORIGINALS):
        assert _sqs_history(monkeypatch, seed) == patched
    counts = [attributes["Attributes"]["ApproximateNumberOfMessagesNotVisible"] for step in patched
              if isinstance(step, list) for attributes in step[:1]]
    assert len(set(counts)) > 3  # the history did hide messages, and let them go


# -- DynamoDB writes: the walk, the condition and the copy patches answer as moto did --------------------------------
_CONDITIONS = [None, None, None, None, "attribute_not_exists(pk)", "attribute_exists(pk) AND #s <> :closed",
               "#n < :lim OR #s = :s", "begins_with(#t, :p) OR #l = :l", "NOT (#s IN (:s, :closed))",
               "#n BETWEEN :zero AND :lim", "#s <<> :s", "#missing = :s", "status = :s", "contains(#set, :p)"]
_UPDATES = ["SET #s = :s, #n = if_not_exists(#n, :zero) + :one", "SET #l = list_append(if_not_exists(#l, :l), :l)",
            "REMOVE #t, #m", "ADD #set :set", "SET #m = :m", "SET #m.#k = :s", "SET #n = #n - :one",
            "SET #s = :s, #s = :closed", "SET #t = :p REMOVE #l", "DELETE #set :set", "SET pk = :s",
            "SET #l[0] = :s", "SET " + ", ".join(f"#a{n} = :s" for n in range(30)) + ", #n = :lim"]


def _dynamodb_history(seed: int) -> list:
    """One random history of conditional puts, updates (every ReturnValues), deletes and transactions on a table with
    a stream and one without, and what each answered, with the items and the stream's records after."""
    import random

    from moto.moto_api._internal import mock_random
    rng = random.Random(seed)
    mock_random.seed(seed)
    names = {"#s": "state", "#n": "n", "#t": "title", "#l": "items", "#m": "meta", "#k": "k", "#set": "tags",
             **{f"#a{n}": f"a{n}" for n in range(30)}}
    values = {":s": {"S": "OPEN"}, ":closed": {"S": "CLOSED"}, ":lim": {"N": "3"}, ":zero": {"N": "0"},
              ":one": {"N": "1"}, ":p": {"S": "ti"}, ":l": {"L": [{"S": "x"}]}, ":set": {"SS": ["a", "b"]},
              ":m": {"M": {"k": {"S": "v"}}}}
    history: list = []

    def answer(call, **kwargs):
        try:
            response = call(**kwargs)
        except ClientError as error:
            return error.response["Error"]["Code"], error.response["Error"]["Message"]
        except Exception as error:  # moto's own bugs (a Python error out of the mock) are answers too
            return type(error).__name__, str(error)
        response.pop("ResponseMetadata", None)
        return response

    def used(*expressions):
        found = set(re.findall(r"[#:][A-Za-z0-9_]+", " ".join(expression for expression in expressions if expression)))
        return ({"ExpressionAttributeNames": {k: v for k, v in names.items() if k in found}} if "#" in str(found)
                else {}) | ({"ExpressionAttributeValues": {k: v for k, v in values.items() if k in found}}
                            if ":" in str(found) else {})

    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        streamed = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
        for table, stream in (("plain", None), ("streamed", streamed)):
            client.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                                AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                                **({"StreamSpecification": stream} if stream else {}))
        for step in range(250):
            table, key = rng.choice(["plain", "streamed"]), {"pk": {"S": f"k{rng.randrange(4)}"}}
            condition = rng.choice(_CONDITIONS)
            asked = {"ConditionExpression": condition} if condition else {}
            kind = rng.choices(["put", "update", "delete", "transact"], [3, 8, 1, 2])[0]
            if kind == "put":
                item = {**key, "state": {"S": rng.choice(["OPEN", "CLOSED"])}, "n": {"N": str(rng.randrange(5))},
                        "title": {"S": "title"}, "items": {"L": []}}
                history.append(answer(client.put_item, TableName=table, Item=item, **asked, **used(condition)))
            elif kind == "update":
                update = rng.choice(_UPDATES)
                history.append(answer(client.update_item, TableName=table, Key=key, UpdateExpression=update,
                                      ReturnValues=rng.choice(["NONE", "ALL_OLD", "ALL_NEW", "UPDATED_OLD",
                                                               "UPDATED_NEW"]), **asked, **used(update, condition)))
            elif kind == "delete":
                history.append(answer(client.delete_item, TableName=table, Key=key, ReturnValues="ALL_OLD", **asked,
                                      **used(condition)))
            else:
                update = rng.choice(_UPDATES[:4])
                history.append(answer(client.transact_write_items, TransactItems=[
                    {"Update": {"TableName": table, "Key": key, "UpdateExpression": update, **asked,
                                **used(update, condition)}},
                    {"ConditionCheck": {"TableName": table, "Key": {"pk": {"S": "k0"}},
                                        "ConditionExpression": "attribute_exists(pk)"}}]))
            history.append(client.scan(TableName=table)["Items"])
        streams = boto3.client("dynamodbstreams", region_name="us-east-1")
        arn = client.describe_table(TableName="streamed")["Table"]["LatestStreamArn"]
        shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard,
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        history.append([(record["eventName"], record["dynamodb"].get("OldImage"), record["dynamodb"].get("NewImage"))
                        for record in streams.get_records(ShardIterator=iterator)["Records"]])
    return history


@pytest.mark.parametrize("originals", ["EXPRESSION_PATCH_ORIGINALS", "CONDITION_PATCH_ORIGINALS",
                                       "UPDATE_COPY_PATCH_ORIGINALS"])
def test_writes_answer_a_random_history_as_moto_did(originals):
    moto_patches.apply_all()
    patched = _dynamodb_history(5)
    with moto_without(getattr(moto_patches, originals)):
        assert _dynamodb_history(5) == patched
    answers = [step for step in patched[0:-1:2]]
    assert sum(1 for a in answers if isinstance(a, tuple)) > 20  # refusals of every kind were asked for
    assert sum(1 for a in answers if isinstance(a, dict) and "Attributes" in a) > 20


# -- REST routing: a service's router is built once, and routes as before ---------------------------------------------
def test_a_service_router_is_built_once_however_many_threads_ask(monkeypatch):
    import threading
    import time

    from moto.core import routing
    moto_patches.apply_all()
    original_class = routing.get_router_class

    def builds_when_asked(patched: bool) -> int:
        built = []

        def slow_router_class(service_name, protocol):
            cls = original_class(service_name, protocol)

            def build(model):
                time.sleep(0.05)  # long enough for every thread to miss the cache
                built.append(cls(model))
                return built[-1]
            return build

        monkeypatch.setattr(routing, "get_router_class", slow_router_class)
        router = routing.ServiceOperationRouter(routing.get_service_model("lambda"))
        got = []
        threads = [threading.Thread(target=lambda: got.append(router._get_router("rest-json"))) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len({id(one) for one in got}) == (1 if patched else len(built))
        return len(built)

    assert builds_when_asked(patched=True) == 1
    with moto_without(moto_patches.ROUTER_PATCH_ORIGINALS):
        assert builds_when_asked(patched=False) > 1  # moto alone: each thread that missed built its own


def test_rest_requests_route_as_before():
    moto_patches.apply_all()

    def answers() -> list:
        with mock_aws():
            client = boto3.client("lambda", region_name="us-east-1")
            found = [client.list_functions()["Functions"], client.list_layers()["Layers"]]
            for call in (lambda: client.get_function(FunctionName="none"),
                         lambda: client.invoke(FunctionName="none", Payload=b"{}"),
                         lambda: client.get_account_settings()):
                with pytest.raises(ClientError) as refused:
                    call()
                found.append(refused.value.response["Error"]["Code"])
            return found

    patched = answers()
    with moto_without(moto_patches.ROUTER_PATCH_ORIGINALS):
        assert answers() == patched
    assert patched[2:] == ["ResourceNotFoundException", "ResourceNotFoundException", "404"]  # 404: not in moto


def test_a_copied_update_expression_is_a_whole_new_tree():
    import copy

    from moto.dynamodb.parsing.ast_nodes import Node
    from moto.dynamodb.parsing.expressions import UpdateExpressionParser
    moto_patches.apply_all()
    tree = UpdateExpressionParser.make("SET a.b[1] = if_not_exists(c, :z) + :one, #d = list_append(#d, :l) REMOVE e")

    def nodes(node, parent=None):
        assert node.parent is parent
        yield node
        for child in node.children or []:
            if isinstance(child, Node):
                yield from nodes(child, node)

    copied = copy.deepcopy(tree)
    originals, copies = list(nodes(tree)), list(nodes(copied))  # every parent is the copy's own
    assert [(type(n), n.type, [c for c in n.children or [] if not isinstance(c, Node)]) for n in originals] == \
           [(type(n), n.type, [c for c in n.children or [] if not isinstance(c, Node)]) for n in copies]
    assert not {id(n) for n in originals} & {id(n) for n in copies}


def test_a_response_class_answers_for_its_actions_as_its_listed_functions_do():
    import inspect

    from moto.core import responses
    from moto.dynamodb.responses import DynamoHandler
    from moto.sqs.responses import SQSResponse
    from moto.stepfunctions.responses import StepFunctionResponse
    moto_patches.apply_all()
    for clazz in (DynamoHandler, SQSResponse, StepFunctionResponse):
        listed = {name for name, _ in inspect.getmembers(clazz, inspect.isfunction)}
        names = responses.method_names_from_class(clazz)
        candidates = listed | {name for name in dir(clazz)} | {"no_such_action", "mro", "__class__", "call_action"}
        assert {name for name in candidates if name in names} == listed


def test_a_broken_definition_is_refused_each_time_and_a_good_one_accepted_each_time():
    moto_patches.apply_all()
    good = '{"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}'
    broken = '{"StartAt": "Missing", "States": {"Done": {"Type": "Nonsense"}}}'
    role = "arn:aws:iam::123456789012:role/sfn"
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        sfn = boto3.client("stepfunctions", region_name="us-east-1")
        for attempt in range(2):
            with pytest.raises(ClientError) as refused:
                sfn.create_state_machine(name=f"broken-{attempt}", definition=broken, roleArn=role)
            assert "ASLParserException" in refused.value.response["Error"]["Message"]  # moto sends no error code
            sfn.create_state_machine(name=f"good-{attempt}", definition=good, roleArn=role)
        assert len(sfn.list_state_machines()["stateMachines"]) == 2

"""The last section of local/moto_patches.py (queries that copy and convert only what they return) changes no answer:
every query here is asked twice of the same tables, once with the section's patches and once with what moto had
before them (QUERY_PATCH_ORIGINALS), and the answers must be equal: items, their order, pages and LastEvaluatedKey,
Count and ScannedCount, projections, filters, the 1 MB page and the consumed capacity."""
from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from local import moto_patches
from tests.unit.local.test_moto_patches import moto_without

BIG = "é" * 150_000  # 300,000 bytes in UTF-8: four of these pass 1 MB, a page holds three


def moto_without_query_patches():
    """moto as it was before the section: its own functions put back, then the section's again."""
    return moto_without(moto_patches.QUERY_PATCH_ORIGINALS)


@pytest.fixture
def dynamodb():
    moto_patches.apply_all()
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName="t", BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": name, "AttributeType": "S"} for name in ("pk", "sk", "g", "d")],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            GlobalSecondaryIndexes=[
                {"IndexName": "all", "Projection": {"ProjectionType": "ALL"},
                 "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}, {"AttributeName": "d", "KeyType": "RANGE"}]},
                {"IndexName": "keys", "Projection": {"ProjectionType": "KEYS_ONLY"},
                 "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}, {"AttributeName": "d", "KeyType": "RANGE"}]},
                {"IndexName": "some", "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["body", "n"]},
                 "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}, {"AttributeName": "d", "KeyType": "RANGE"}]},
            ])
        for n in range(12):
            item = {"pk": {"S": f"case-{n:02d}"}, "sk": {"S": "CASE"}, "d": {"S": f"2026-11-{30 - n:02d}"},
                    "body": {"S": f"café {n} ☕"}, "n": {"N": str(n * 7 - 20)}, "ok": {"BOOL": n % 3 == 0},
                    "nil": {"NULL": True}, "tags": {"SS": ["b", "a", f"t{n}"]}, "nums": {"NS": ["1", "2.5"]},
                    "m": {"M": {"a": {"S": "x"}, "b": {"L": [{"N": "1"}, {"S": "y"}, {"M": {}}]}}},
                    "l": {"L": [{"S": "first"}, {"N": "2"}]}, "bin": {"B": b"\x00\x01bytes"}}
            if n != 11:  # one case outside the index
                item["g"] = {"S": "OPEN" if n % 2 else "CLOSED"}
            client.put_item(TableName="t", Item=item)
            for k in range(3):
                client.put_item(TableName="t", Item={"pk": {"S": f"case-{n:02d}"}, "sk": {"S": f"TL#{k}"},
                                                     "stamp": {"S": f"2026-11-2{k}"}})
        for n in range(5):
            client.put_item(TableName="t", Item={"pk": {"S": "big"}, "sk": {"S": f"s{n}"}, "g": {"S": "BIG"},
                                                 "d": {"S": f"d{n}"}, "body": {"S": BIG}})
        yield client


def _comparable(answer):
    """An answer without its request id, in its order (attributes too), sets as sets (DynamoDB gives a set's members
    in no order)."""
    if isinstance(answer, dict):
        return [(key, sorted(value) if key in ("SS", "NS", "BS") else _comparable(value))
                for key, value in answer.items() if key != "ResponseMetadata"]
    if isinstance(answer, list):
        return [_comparable(value) for value in answer]
    return answer


def _all_pages(client, **query) -> list[dict]:
    pages = [client.query(TableName="t", **query)]
    while "LastEvaluatedKey" in pages[-1]:
        pages.append(client.query(TableName="t", ExclusiveStartKey=pages[-1]["LastEvaluatedKey"], **query))
    return pages


def _same_with_and_without(client, **query) -> list[dict]:
    patched = _all_pages(client, **query)
    with moto_without_query_patches():
        released = _all_pages(client, **query)
    assert _comparable(patched) == _comparable(released)
    return patched


OPEN = {"KeyConditionExpression": "g = :g", "ExpressionAttributeValues": {":g": {"S": "OPEN"}}}


@pytest.mark.parametrize("query", [
    {"IndexName": "all", **OPEN},
    {"IndexName": "all", "Limit": 2, **OPEN},
    {"IndexName": "all", "Limit": 4, "ScanIndexForward": False, **OPEN},
    {"IndexName": "all", "Limit": 3, "ProjectionExpression": "pk, #t, n, ok, nil, tags, nums, m, l, gone",
     "ExpressionAttributeNames": {"#t": "body"}, **OPEN},
    {"IndexName": "all", "ProjectionExpression": "m.b, l[1], n", **OPEN},  # paths: moto's own projection
    {"IndexName": "all", "Limit": 3, "FilterExpression": "n > :n",  # Limit counts the items read, then the filter
     "KeyConditionExpression": "g = :g", "ExpressionAttributeValues": {":g": {"S": "OPEN"}, ":n": {"N": "0"}}},
    {"IndexName": "all", "KeyConditionExpression": "g = :g AND d BETWEEN :a AND :b",
     "ExpressionAttributeValues": {":g": {"S": "OPEN"}, ":a": {"S": "2026-11-21"}, ":b": {"S": "2026-11-27"}}},
    {"IndexName": "keys", "Limit": 2, **OPEN},
    {"IndexName": "some", "Limit": 5, **OPEN},
    {"IndexName": "some", "ProjectionExpression": "pk, n", **OPEN},
    {"IndexName": "all", "Select": "COUNT", **OPEN},
    {"IndexName": "all", "Limit": 2, "ReturnConsumedCapacity": "TOTAL", **OPEN},
    {"IndexName": "all", "ReturnConsumedCapacity": "INDEXES", **OPEN},
    {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "case-03"}}},
    {"KeyConditionExpression": "pk = :p AND begins_with(sk, :s)", "Limit": 2, "ScanIndexForward": False,
     "ExpressionAttributeValues": {":p": {"S": "case-03"}, ":s": {"S": "TL#"}}},
    {"KeyConditionExpression": "pk = :p", "ProjectionExpression": "sk, stamp",
     "ExpressionAttributeValues": {":p": {"S": "case-04"}}},
], ids=["index", "index-paged", "index-backwards", "names", "paths", "filter-after-limit", "range", "keys-only",
        "include", "include-names", "count", "capacity-total", "capacity-indexes", "table", "table-begins-with",
        "table-names"])
def test_a_query_answers_as_moto_did(dynamodb, query):
    pages = _same_with_and_without(dynamodb, **query)
    assert sum(page["Count"] for page in pages) > 0


def test_the_pages_and_their_order_are_moto_s(dynamodb):
    pages = _same_with_and_without(dynamodb, IndexName="all", Limit=2, **OPEN)
    assert [len(page["Items"]) for page in pages] == [2, 2, 1]  # five open cases
    deadlines = [item["d"]["S"] for page in pages for item in page["Items"]]
    assert deadlines == sorted(deadlines)
    assert pages[0]["LastEvaluatedKey"] == {key: pages[0]["Items"][-1][key] for key in ("pk", "sk", "g", "d")}


def test_a_projection_gives_the_names_asked_for_with_their_values(dynamodb):
    page, = _same_with_and_without(dynamodb, IndexName="all", ProjectionExpression="#t, n, bin, tags, gone",
                                   ExpressionAttributeNames={"#t": "body"}, Limit=1, **{
                                       "KeyConditionExpression": "g = :g",
                                       "ExpressionAttributeValues": {":g": {"S": "OPEN"}}})[:1]
    item, = page["Items"]
    assert set(item) == {"body", "n", "bin", "tags"}  # `gone` is on no item
    assert (item["body"], item["n"], item["bin"]) == ({"S": "café 9 ☕"}, {"N": "43"}, {"B": b"\x00\x01bytes"})
    assert sorted(item["tags"]["SS"]) == ["a", "b", "t9"]


def test_a_page_ends_before_one_megabyte(dynamodb):
    pages = _same_with_and_without(dynamodb, IndexName="all", KeyConditionExpression="g = :g",
                                   ExpressionAttributeValues={":g": {"S": "BIG"}}, ProjectionExpression="pk, sk")
    assert [page["Count"] for page in pages] == [3, 2]  # measured on the whole items, not on what is projected
    assert pages[0]["LastEvaluatedKey"]["sk"] == {"S": "s2"}


def test_get_item_and_scan_project_as_moto_did(dynamodb):
    key = {"pk": {"S": "case-05"}, "sk": {"S": "CASE"}}
    asked = {"ProjectionExpression": "#t, n, m, l, tags, gone", "ExpressionAttributeNames": {"#t": "body"}}
    patched = dynamodb.get_item(TableName="t", Key=key, **asked)
    scanned = dynamodb.scan(TableName="t", IndexName="keys")
    with moto_without_query_patches():
        assert _comparable(dynamodb.get_item(TableName="t", Key=key, **asked)) == _comparable(patched)
        assert _comparable(dynamodb.scan(TableName="t", IndexName="keys")) == _comparable(scanned)


def test_a_query_returns_copies_not_the_stored_items():
    moto_patches.apply_all()
    from moto.dynamodb.models import dynamodb_backends
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(TableName="c", BillingMode="PAY_PER_REQUEST",
                            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
        client.put_item(TableName="c", Item={"pk": {"S": "a"}, "m": {"M": {"x": {"S": "1"}}}, "s": {"S": "v"}})
        backend = dynamodb_backends["123456789012"]["us-east-1"]
        for projection in (None, [["m"], ["s"]]):
            (item,), _, _ = backend.query("c", {"S": "a"}, None, [], None, None, True, projection)
            item.attrs["m"].value["x"].value = "changed"
            item.attrs["s"].value = "changed"
        assert client.get_item(TableName="c", Key={"pk": {"S": "a"}})["Item"] == {
            "pk": {"S": "a"}, "m": {"M": {"x": {"S": "1"}}}, "s": {"S": "v"}}


def test_key_values_cast_as_moto_casts_them():
    moto_patches.apply_all()
    from decimal import Decimal

    from moto.dynamodb.models.dynamo_type import DynamoType
    cases = [{"S": "x"}, {"B": "AAE="}, {"BOOL": False}, {"N": "2.50"}, {"NULL": True}, {"SS": ["a", "b"]},
             {"L": [{"N": "1"}, {"S": "y"}]}, {"M": {"k": {"N": "3"}}}]
    patched = [DynamoType(value).cast_value for value in cases]
    with moto_without_query_patches():
        assert patched == [DynamoType(value).cast_value for value in cases]
    assert patched[:5] == ["x", "AAE=", False, Decimal("2.50"), None]


def test_an_answer_s_items_serialize_to_the_same_json():
    """The JSON moto sends back for a Query, byte for byte, with and without the map serializer: every attribute type,
    nested maps and lists, binary values, an unknown member and a value that is not a dict (moto's code for those)."""
    from moto.core.serialize import XFormedAttributePicker, get_serializer_class
    from moto.core.utils import get_service_model
    moto_patches.apply_all()
    operation = get_service_model("dynamodb").operation_model("Query")
    every = {"s": {"S": "café ☕ \"q\"\n"}, "empty": {"S": ""}, "n": {"N": "-12.50"}, "yes": {"BOOL": True},
             "no": {"BOOL": False}, "nil": {"NULL": True}, "ss": {"SS": ["b", "a"]}, "ns": {"NS": ["1", "2.5"]},
             "b": {"B": b"\x00\xffbytes"}, "bs": {"BS": [b"one", b"two"]},
             "m": {"M": {"inner": {"L": [{"S": "deep"}, {"N": "3"}, {"M": {}}, {"B": b"\x01"}]}}}, "l": {"L": []}}
    items = [every, {"pk": {"S": "plain"}, "n": {"N": "1"}}, {"odd": {"S": "x", "N": None}},
             {"pk": {"S": "a"}, "unknown": {"Z": "member"}}, {"pk": {"S": "a"}, "number": {"N": 7}}]

    def body() -> str:
        serializer = get_serializer_class("dynamodb", "json")(
            operation_model=operation, pretty_print=False, value_picker=XFormedAttributePicker(response_transformers=None))
        return serializer.serialize({"Count": len(items), "ScannedCount": len(items), "Items": items,
                                     "LastEvaluatedKey": {"pk": {"S": "a"}}})["body"]

    patched = body()
    with moto_without_query_patches():
        assert body() == patched
    assert '"s": {"S": "caf\\u00e9 \\u2615 \\"q\\"\\n"}' in patched

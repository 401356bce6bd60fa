"""Mirrors functions/receive_webhook/app.py: a signed delivery is enqueued mention by mention; nothing else is."""
import base64
import hashlib
import hmac
import json
import os

import boto3
import pytest

from functions.receive_webhook import app
from local.cloud import LocalCloud
from socialcare.http import MAX_BODY_BYTES
from tests.conftest import LONG_CLOCKS, delivery, mention, signed_headers


@pytest.fixture(scope="module")
def shared_cloud():
    """One local cloud for the module (the same one the `cloud` fixture starts): the webhook needs only the ingest
    queue, emptied before each test, and starting a whole cloud per test would cost most of the suite's time budget."""
    with LocalCloud(clocks=LONG_CLOCKS) as local_cloud:
        yield local_cloud


@pytest.fixture(autouse=True)
def empty_queue(shared_cloud):
    """Each test starts with nothing on the ingest queue."""
    queued()


@pytest.fixture
def post(load_event, lambda_context):
    """POST a body to the webhook as API Gateway (payload v2) would, signed unless headers are given."""
    def send(body: bytes, headers: dict | None = None, platform: str = "generic", base64_encoded: bool = False):
        event = load_event("receive_webhook.generic_delivery")
        event["headers"] = {"content-type": "application/json", **{
            name.lower(): value for name, value in (signed_headers(body) if headers is None else headers).items()}}
        event["body"] = base64.b64encode(body).decode() if base64_encoded else body.decode()
        event["isBase64Encoded"] = base64_encoded
        event["rawPath"] = event["requestContext"]["http"]["path"] = f"/webhooks/{platform}"
        event["pathParameters"] = {"platform": platform}
        return app.lambda_handler(event, lambda_context)
    return send


@pytest.fixture
def get(load_event, lambda_context):
    def send(query: dict | None, platform: str = "generic"):
        event = load_event("receive_webhook.generic_delivery")
        event["routeKey"] = event["requestContext"]["routeKey"] = "GET /webhooks/{platform}"
        event["requestContext"]["http"]["method"] = "GET"
        event["rawPath"] = event["requestContext"]["http"]["path"] = f"/webhooks/{platform}"
        event["pathParameters"] = {"platform": platform}
        event["queryStringParameters"] = query
        event["rawQueryString"] = "&".join(f"{k}={v}" for k, v in (query or {}).items())
        event["body"] = None
        return app.lambda_handler(event, lambda_context)
    return send


@pytest.fixture
def sample_body(load_event) -> bytes:
    """The body of the sample event: one mention, post-5521 by @ann, in delivery lt-8f2c1."""
    return load_event("receive_webhook.generic_delivery")["body"].encode()


def queued() -> list[dict]:
    """Every message on the ingest queue (taken off it)."""
    sqs, url, messages = boto3.client("sqs"), os.environ["INGEST_QUEUE_URL"], []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        messages += [json.loads(m["Body"]) for m in batch]
        sqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                                                        for i, m in enumerate(batch)])
    return messages


def test_a_signed_delivery_is_accepted_and_its_mention_enqueued(post, sample_body):
    response = post(sample_body)
    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {"accepted": 1}
    [message] = queued()
    assert (message["platform"], message["mention_id"], message["delivery_id"]) == ("generic", "post-5521", "lt-8f2c1")
    assert message["author"]["handle"] == "@ann"


def test_each_mention_of_a_large_delivery_is_enqueued_on_its_own(post):
    body = delivery(*[mention(f"m-{i}", author_id=str(i)) for i in range(25)])
    assert json.loads(post(body)["body"]) == {"accepted": 25}
    assert sorted(m["mention_id"] for m in queued()) == sorted(f"m-{i}" for i in range(25))


def test_a_base64_encoded_delivery_is_verified_on_its_raw_bytes(post, sample_body):
    assert post(sample_body, base64_encoded=True)["statusCode"] == 200
    assert [m["mention_id"] for m in queued()] == ["post-5521"]


def test_the_sample_event_as_committed_is_refused_for_its_placeholder_signature(load_event, lambda_context):
    response = app.lambda_handler(load_event("receive_webhook.generic_delivery"), lambda_context)
    assert response["statusCode"] == 401
    assert queued() == []


@pytest.mark.parametrize("headers", [
    {},
    signed_headers(b"some other body"),
    signed_headers(delivery(mention("post-5521")), secret="not-our-secret"),
])
def test_a_delivery_with_a_bad_signature_is_refused_and_nothing_is_enqueued(post, headers):
    response = post(delivery(mention("post-5521")), headers=headers)
    assert response["statusCode"] == 401
    assert queued() == []


def test_a_timestamp_header_that_is_not_a_number_is_refused_not_a_server_error(post, sample_body):
    headers = {"X-SocialCare-Timestamp": "²", "X-SocialCare-Signature": "sha256=00"}
    assert post(sample_body, headers=headers)["statusCode"] == 401
    assert queued() == []


@pytest.mark.parametrize("timestamp", ["9" * 309, "9" * 5000, "٣" * 10, "1" + "0" * 12])
def test_a_timestamp_of_hundreds_of_digits_or_other_digits_is_refused_not_a_server_error(post, sample_body,
                                                                                         timestamp):
    # read before the signature: no secret is needed to send it, and "9" * 309 overflowed the float of time()
    headers = {"X-SocialCare-Timestamp": timestamp, "X-SocialCare-Signature": "sha256=00"}
    response = post(sample_body, headers=headers)
    assert response["statusCode"] == 401
    assert json.loads(response["body"])["message"] == "missing or stale x-socialcare-timestamp"
    assert queued() == []


@pytest.mark.parametrize("signature", ["sha256=é", "sha256=\u00ff" * 40, "☃"])
def test_a_signature_with_non_ascii_characters_is_refused_not_a_server_error(post, sample_body, signature):
    headers = {**signed_headers(sample_body), "X-SocialCare-Signature": signature}
    response = post(sample_body, headers=headers)
    assert response["statusCode"] == 401
    assert json.loads(response["body"])["message"] == "x-socialcare-signature does not match the body"
    assert queued() == []


def x_signature(body: bytes) -> str:
    digest = hmac.new(os.environ["X_CONSUMER_SECRET"].encode(), body, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


def meta_signature(body: bytes) -> str:
    return "sha256=" + hmac.new(os.environ["META_APP_SECRET"].encode(), body, hashlib.sha256).hexdigest()


SIGNATURES = {"x": ("x-twitter-webhooks-signature", x_signature), "meta": ("x-hub-signature-256", meta_signature)}


@pytest.mark.parametrize("platform", SIGNATURES)
@pytest.mark.parametrize("signature", ["sha256=é", "☃" * 60])
def test_an_x_or_meta_signature_with_non_ascii_characters_is_refused(post, sample_body, platform, signature):
    header, _ = SIGNATURES[platform]
    response = post(sample_body, headers={header: signature}, platform=platform)
    assert response["statusCode"] == 401
    assert queued() == []


@pytest.mark.parametrize("platform", SIGNATURES)
@pytest.mark.parametrize("body", [b"[" * 10_000 + b"]" * 10_000, b'{"a":' * 10_000 + b"1" + b"}" * 10_000])
def test_a_signed_body_nested_ten_thousand_deep_is_a_bad_request_and_nothing_is_enqueued(post, platform, body):
    header, sign = SIGNATURES[platform]
    response = post(body, headers={header: sign(body)}, platform=platform)
    assert response["statusCode"] == 400
    assert "nests too deep" in json.loads(response["body"])["message"]
    assert queued() == []


def test_a_signed_generic_body_nested_ten_thousand_deep_is_a_bad_request(post):
    body = b"[" * 10_000 + b"]" * 10_000
    assert post(body)["statusCode"] == 400
    assert queued() == []


def test_a_signed_instagram_mention_opens_no_case_without_words_or_author(post, load_event):
    # Given a validly signed `mentions` change: {media_id, comment_id} and nothing else (platforms.md §2.3)
    body = load_event("receive_webhook.meta_instagram_mention")["body"].encode()
    # When it is delivered / Then it is taken (Meta would redeliver a refusal for 36 hours) and nothing is enqueued
    response = post(body, headers={"x-hub-signature-256": meta_signature(body)}, platform="meta")
    assert (response["statusCode"], json.loads(response["body"])) == (200, {"accepted": 0})
    assert queued() == []


@pytest.mark.parametrize("time", ["Infinity", "-Infinity", "NaN", "1e400", '"²"', '"' + "9" * 5000 + '"'])
def test_a_signed_meta_delivery_with_an_impossible_time_is_a_bad_request(post, time):
    body = ('{"object": "page", "entry": [{"id": "1", "time": %s, "changes": []}]}' % time).encode()
    response = post(body, headers={"x-hub-signature-256": meta_signature(body)}, platform="meta")
    assert response["statusCode"] == 400
    assert "entry.0.time" in json.loads(response["body"])["message"]
    assert queued() == []


@pytest.mark.parametrize("body", [b"{not json", delivery(), delivery(mention("m-1", kind="tweet")),
                                  json.dumps({"deliveryId": "d-1", "mentions": [{"id": "m-1"}]}).encode()])
def test_a_signed_delivery_that_cannot_be_read_is_a_bad_request_and_nothing_is_enqueued(post, body):
    response = post(body)
    assert response["statusCode"] == 400
    assert json.loads(response["body"])["message"].startswith("not a generic delivery")
    assert queued() == []


def test_a_delivery_over_256_kib_is_refused_as_too_large(post):
    response = post(b" " * (MAX_BODY_BYTES + 1), headers={})
    assert response["statusCode"] == 413
    assert queued() == []


def test_a_delivery_for_a_platform_we_do_not_know_is_not_found(post, sample_body):
    response = post(sample_body, platform="myspace")
    assert response["statusCode"] == 404
    assert "myspace" in json.loads(response["body"])["message"]
    assert queued() == []


def test_the_platforms_challenge_is_echoed_back(get):
    response = get({"challenge": "c-42"})
    assert (response["statusCode"], response["body"]) == (200, "c-42")
    assert response["headers"]["Content-Type"] == "text/plain"


def test_a_get_without_a_challenge_is_a_bad_request(get):
    assert get(None)["statusCode"] == 400


def test_a_challenge_for_a_platform_we_do_not_know_is_not_found(get):
    assert get({"challenge": "c-42"}, platform="myspace")["statusCode"] == 404

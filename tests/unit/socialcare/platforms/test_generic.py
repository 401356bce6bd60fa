"""Mirrors layers/domain/socialcare/platforms/generic.py: signed deliveries from listening tools."""
import json
import os
import time

import pytest

from socialcare.errors import InvalidMentionError, SignatureMismatchError
from socialcare.platforms.base import ChallengeAnswer
from socialcare.platforms.generic import GenericWebhookPlatform, sign
from tests.conftest import delivery, mention, signed_headers


def as_received(headers: dict) -> dict:
    """API Gateway (payload v2) hands the function lowercase header names."""
    return {name.lower(): value for name, value in headers.items()}


@pytest.fixture
def platform() -> GenericWebhookPlatform:
    return GenericWebhookPlatform()


BODY = delivery(mention("post-5521"))


# -- verify ------------------------------------------------------------------------------------------------------
def test_a_delivery_signed_with_the_shared_secret_verifies(platform):
    platform.verify(as_received(signed_headers(BODY)), BODY)  # no SignatureMismatchError


def test_a_delivery_signed_a_little_while_ago_still_verifies(platform):
    platform.verify(as_received(signed_headers(BODY, timestamp=int(time.time()) - 240)), BODY)


def test_a_delivery_signed_with_another_secret_is_refused(platform):
    with pytest.raises(SignatureMismatchError, match="does not match"):
        platform.verify(as_received(signed_headers(BODY, secret="not-our-secret")), BODY)


def test_a_delivery_whose_body_changed_after_signing_is_refused(platform):
    headers = as_received(signed_headers(BODY))
    tampered = BODY.replace(b"broken", b"great!")
    with pytest.raises(SignatureMismatchError, match="does not match"):
        platform.verify(headers, tampered)


def test_a_signature_cannot_be_moved_to_another_timestamp(platform):
    headers = as_received(signed_headers(BODY))
    headers["x-socialcare-timestamp"] = str(int(headers["x-socialcare-timestamp"]) - 1)
    with pytest.raises(SignatureMismatchError):
        platform.verify(headers, BODY)


@pytest.mark.parametrize("missing", ["x-socialcare-timestamp", "x-socialcare-signature"])
def test_a_delivery_without_its_signature_headers_is_refused(platform, missing):
    headers = as_received(signed_headers(BODY))
    del headers[missing]
    with pytest.raises(SignatureMismatchError):
        platform.verify(headers, BODY)


def test_an_unsigned_delivery_is_refused(platform):
    with pytest.raises(SignatureMismatchError):
        platform.verify({}, BODY)


@pytest.mark.parametrize("age", [301, 3600, -301])
def test_a_delivery_signed_more_than_five_minutes_away_is_refused_as_a_replay(platform, age):
    # Given a correctly signed delivery whose timestamp is over five minutes old (or ahead)
    headers = as_received(signed_headers(BODY, timestamp=int(time.time()) - age))
    with pytest.raises(SignatureMismatchError, match="stale"):
        platform.verify(headers, BODY)


@pytest.mark.parametrize("timestamp", ["", "soon", "-1", "1.5e9", "²"])
def test_a_timestamp_that_is_not_a_plain_number_is_refused(platform, timestamp):
    # "²" is a digit to str.isdigit() but not to int(): it must still be a refusal (401), not a crash (500)
    headers = {"x-socialcare-timestamp": timestamp,
               "x-socialcare-signature": sign(os.environ["GENERIC_WEBHOOK_SECRET"], timestamp, BODY)}
    with pytest.raises(SignatureMismatchError):
        platform.verify(headers, BODY)


# -- parse -------------------------------------------------------------------------------------------------------
def test_a_delivery_reads_as_mentions_with_every_field(platform):
    body = delivery(mention("post-5521", author_id="1001", text="@brand where is my refund?", kind="reply"),
                    mention("post-5522", author_id="2002", handle="@bob"), delivery_id="lt-8f2c1")
    first, second = platform.parse(body)
    assert (first.platform, first.mention_id, first.kind, first.text) == (
        "generic", "post-5521", "reply", "@brand where is my refund?")
    assert (first.author.id, first.author.handle, first.author.name, first.author.followers) == (
        "1001", "@ann", "Ann", 250)
    assert first.url == "https://social.example/post-5521"
    assert first.created_at == "2026-11-22T09:30:00+00:00"
    assert first.delivery_id == "lt-8f2c1"
    assert (second.mention_id, second.author.handle) == ("post-5522", "@bob")


def test_a_public_reply_answers_the_mention_itself_by_default(platform):
    [parsed] = platform.parse(delivery(mention("post-5521")))
    assert parsed.reply_to_id == "post-5521"


def test_a_delivery_can_name_the_post_a_reply_should_answer(platform):
    item = {**mention("comment-7"), "replyToId": "thread-1"}
    [parsed] = platform.parse(delivery(item))
    assert parsed.reply_to_id == "thread-1"


def test_optional_fields_may_be_left_out(platform):
    body = json.dumps({"deliveryId": "d-1", "mentions": [
        {"id": "m-1", "text": "@brand hi", "createdAt": "2026-11-22T09:30:00Z", "author": {"id": "1001"}}]})
    [parsed] = platform.parse(body.encode())
    assert (parsed.kind, parsed.url, parsed.author.handle, parsed.author.followers) == ("mention", "", "", 0)


def _without(field: str) -> bytes:
    item = mention("post-5521")
    del item[field]
    return delivery(item)


@pytest.mark.parametrize(("body", "problem"), [
    (b"{not json", "Invalid JSON"),
    (b"", "Invalid JSON"),
    (b"[]", "Input should be an object"),
    (json.dumps({"mentions": [mention("m-1")]}).encode(), "deliveryId: Field required"),
    (_without("text"), "mentions.0.text: Field required"),
    (_without("author"), "mentions.0.author: Field required"),
    (_without("createdAt"), "mentions.0.createdAt: Field required"),
    (delivery({**mention("m-1"), "author": {"handle": "@ann"}}), "mentions.0.author.id: Field required"),
    (delivery(mention("m-1", kind="tweet")), "mentions.0.kind: Value error, kind must be one of mention, reply"),
    (delivery(), "mentions: List should have at least 1 item"),
    (delivery(*[mention(f"m-{i}") for i in range(101)]), "mentions: List should have at most 100 items"),
])
def test_a_delivery_that_cannot_be_read_is_refused_naming_the_problem(platform, body, problem):
    with pytest.raises(InvalidMentionError) as refused:
        platform.parse(body)
    assert str(refused.value).startswith("not a generic delivery")
    assert problem in str(refused.value)


def test_a_full_delivery_of_one_hundred_mentions_is_read(platform):
    assert len(platform.parse(delivery(*[mention(f"m-{i}") for i in range(100)]))) == 100


# -- answer_challenge --------------------------------------------------------------------------------------------
def test_the_challenge_is_echoed_back_as_plain_text(platform):
    assert platform.answer_challenge({"challenge": "c-42"}) == ChallengeAnswer(200, "c-42", "text/plain")


@pytest.mark.parametrize("query", [{}, {"challenge": ""}, {"hub.challenge": "c-42"}])
def test_a_get_without_a_challenge_is_not_answered(platform, query):
    assert platform.answer_challenge(query) is None

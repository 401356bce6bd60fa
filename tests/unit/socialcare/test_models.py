"""Mirrors layers/domain/socialcare/models.py: case ids named after their opening mention, and mentions on the queue."""
import dataclasses
import json
import re

import pytest

from socialcare.models import Author, Mention, case_id_for

EXECUTION_NAME = re.compile(r"^[A-Za-z0-9_-]{1,80}$")  # what Step Functions (and its console) accept


def a_mention(mention_id: str = "post-5521", platform: str = "generic", **changes) -> Mention:
    mention = Mention(platform=platform, mention_id=mention_id, kind="mention", text="@brand my order arrived broken",
                      author=Author(id="1001", handle="@ann", name="Ann", followers=250),
                      created_at="2026-11-22T09:29:41+00:00", url="https://social.example/post-5521",
                      reply_to_id=mention_id, delivery_id="lt-8f2c1")
    return dataclasses.replace(mention, **changes)


# -- case_id_for -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("mention_id", "case_id"), [("post-5521", "generic-post-5521"), ("17_Abc", "generic-17_Abc"),
                                                     ("9" * 72, "generic-" + "9" * 72)])
def test_a_simple_mention_id_gives_a_readable_case_id(mention_id, case_id):
    assert case_id_for(a_mention(mention_id)) == case_id


ODD_IDS = ["a b", "a:b", "a/b", "tag:social.example,2026:post/5521", "café", "日本語の投稿", "👍", "-", ":", "abc-",
           "x" * 73, "x" * 200, "ü" * 100, "a b" * 60]


@pytest.mark.parametrize("mention_id", ODD_IDS)
def test_any_mention_id_gives_a_valid_execution_name(mention_id):
    case_id = case_id_for(a_mention(mention_id))
    assert EXECUTION_NAME.match(case_id), case_id


@pytest.mark.parametrize("mention_id", ["a b", "tag:social.example,2026:post/5521", "x" * 200])
def test_an_odd_mention_id_still_reads_as_its_platform_and_id(mention_id):
    readable = re.sub(r"[^A-Za-z0-9_-]+", "-", mention_id)[:20]
    assert case_id_for(a_mention(mention_id)).startswith(f"generic-{readable}")


@pytest.mark.parametrize("mention_id", ["post-5521", *ODD_IDS])
def test_the_same_mention_always_names_the_same_case(mention_id):
    # Given the same mention delivered twice, in different deliveries and with edited text
    first = a_mention(mention_id)
    redelivered = a_mention(mention_id, delivery_id="lt-9999", text="edited")
    # Then both name one case
    assert case_id_for(first) == case_id_for(redelivered)


def test_distinct_mentions_name_distinct_cases():
    # Given ids that look alike once the odd characters are gone, long ids that share a prefix, and one id on two
    # platforms
    mentions = [a_mention(i) for i in ["a-b", "a b", "a:b", "a/b", "a  b", "a-b-", "ab", "日本", "日本語", "👍", "👎"]]
    mentions += [a_mention("x" * 100 + tail) for tail in ("1", "2", "")]
    mentions += [a_mention("5521", platform="generic"), a_mention("5521", platform="sandbox")]
    # Then no two of them share a case
    case_ids = [case_id_for(m) for m in mentions]
    assert len(set(case_ids)) == len(mentions), case_ids


# -- Mention on the queue ----------------------------------------------------------------------------------------
def test_a_mention_survives_the_round_trip_through_a_queue_message():
    # Given a mention with every field set
    mention = a_mention("post-5521", kind="dm", url="", extra={"lang": "de", "scores": [1, 2]})
    # When it is sent as a JSON message and read back
    message = json.loads(json.dumps(mention.to_message()))
    # Then it is the same mention, author included
    assert Mention.from_message(message) == mention
    assert Mention.from_message(message).author.handle == "@ann"


def test_a_queue_message_carries_the_mention_as_plain_fields():
    message = a_mention().to_message()
    assert message["mention_id"] == "post-5521"
    assert message["author"] == {"id": "1001", "handle": "@ann", "name": "Ann", "followers": 250}


def test_the_mention_key_names_its_platform_and_id():
    mention = a_mention("post-5521")
    assert (mention.key, mention.author_key) == ("generic#post-5521", "generic#1001")


@pytest.mark.parametrize(("kind", "private"), [("dm", True), ("mention", False), ("reply", False)])
def test_only_a_direct_message_is_private(kind, private):
    assert a_mention(kind=kind).is_private is private

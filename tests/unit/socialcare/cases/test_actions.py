"""Mirrors layers/domain/socialcare/cases/actions.py: the agents' action bodies, checked before anything changes."""
import json
import re

import pytest

from socialcare.cases.actions import (
    PUBLIC_TEXT_LIMIT,
    InvalidActionBodyError,
    parse_action,
    parse_flag_clearance,
    parse_link,
)
from socialcare.errors import UnknownActionError

VALID = {
    "acknowledge": {"replyText": "Sorry about order A1, that's not OK."},
    "claim": {"owner": "tier2-bob"},
    "resolve": {"summary": "Refund 4711 issued", "publicNote": "We've sorted this out with you privately."},
    "follow-up": {"replyText": "Glad we could help!"},
    "dismiss": {"reason": "spam"},
}


@pytest.mark.parametrize(("action", "fields"), VALID.items())
def test_a_valid_body_gives_the_actions_fields(action, fields):
    assert parse_action(action, json.dumps(fields)) == fields


def test_surrounding_whitespace_is_trimmed_from_the_fields():
    assert parse_action("acknowledge", '{"replyText": "  Sorry!\\n"}') == {"replyText": "Sorry!"}


@pytest.mark.parametrize("body", [None, "", "{}"])
def test_a_claim_needs_no_body_and_then_names_no_owner(body):
    assert parse_action("claim", body) == {"owner": ""}


@pytest.mark.parametrize("body", [None, "{}"])
def test_a_follow_up_without_text_leaves_it_empty_for_the_resolution_note(body):
    assert parse_action("follow-up", body) == {"replyText": ""}


@pytest.mark.parametrize(("action", "body", "field"), [
    ("acknowledge", None, "replyText"),
    ("acknowledge", "{}", "replyText"),
    ("acknowledge", '{"replyText": ""}', "replyText"),
    ("acknowledge", '{"replyText": "   "}', "replyText"),
    ("acknowledge", '{"replyText": null}', "replyText"),
    ("acknowledge", '{"replyText": 42}', "replyText"),
    ("resolve", '{"publicNote": "Sorted."}', "summary"),
    ("resolve", '{"summary": "Refund issued"}', "publicNote"),
    ("resolve", '{"summary": "Refund issued", "publicNote": ""}', "publicNote"),
    ("dismiss", "{}", "reason"),
    ("dismiss", '{"reason": ""}', "reason"),
    ("dismiss", '{"reason": "meh"}', "reason: Input should be 'spam', 'abusive', 'baseless'"),
])
def test_a_missing_or_empty_field_is_refused_by_name(action, body, field):
    with pytest.raises(InvalidActionBodyError, match=field):
        parse_action(action, body)


@pytest.mark.parametrize(("action", "field"), [("acknowledge", "replyText"), ("follow-up", "replyText"),
                                               ("resolve", "publicNote")])
def test_a_public_text_longer_than_the_platform_limit_is_refused(action, field):
    fields = {**VALID[action], field: "x" * (PUBLIC_TEXT_LIMIT + 1)}
    with pytest.raises(InvalidActionBodyError, match=field):
        parse_action(action, json.dumps(fields))


PUBLIC_FIELDS = [("acknowledge", "replyText"), ("follow-up", "replyText"), ("resolve", "publicNote")]


@pytest.mark.parametrize("text", ["k", ".", "?", " ! ", "\n👍\n"])
@pytest.mark.parametrize(("action", "field"), PUBLIC_FIELDS)
def test_a_public_text_of_one_character_is_refused_saying_so(action, field, text):
    with pytest.raises(InvalidActionBodyError, match=f"{field}: .*at least 2 characters"):
        parse_action(action, json.dumps({**VALID[action], field: text}))


@pytest.mark.parametrize(("action", "field"), PUBLIC_FIELDS)
def test_a_public_text_of_two_characters_is_accepted(action, field):
    assert parse_action(action, json.dumps({**VALID[action], field: "OK"}))[field] == "OK"


@pytest.mark.parametrize(("character", "code"), [("\x00", "U+0000"), ("\x07", "U+0007"), ("\x1b", "U+001B"),
                                                 ("\x7f", "U+007F"), ("\x85", "U+0085")])
@pytest.mark.parametrize(("action", "field"), [*PUBLIC_FIELDS, ("resolve", "summary"), ("claim", "owner")])
def test_a_control_character_is_refused_naming_it_and_where(action, field, character, code):
    text = f"Sorry{character} about that"
    with pytest.raises(InvalidActionBodyError, match=re.escape(f"control character {code} at position 5")) as refused:
        parse_action(action, json.dumps({**VALID[action], field: text}))
    assert str(refused.value).startswith(f"{field}: ")


def test_line_breaks_and_tabs_are_no_control_characters_in_a_reply():
    text = "Sorry about that.\r\n\tWe're on it."
    assert parse_action("acknowledge", json.dumps({"replyText": text})) == {"replyText": text}


def test_a_public_text_at_the_platform_limit_is_accepted():
    text = "x" * PUBLIC_TEXT_LIMIT
    assert parse_action("acknowledge", json.dumps({"replyText": text})) == {"replyText": text}


@pytest.mark.parametrize("action", VALID)
def test_a_field_the_action_does_not_take_is_refused(action):
    # e.g. an internal summary sent along with a public reply, or a typo'd field name
    with pytest.raises(InvalidActionBodyError, match="bogus"):
        parse_action(action, json.dumps({**VALID[action], "bogus": "x"}))


def test_a_private_field_of_another_action_is_refused():
    with pytest.raises(InvalidActionBodyError, match="summary"):
        parse_action("acknowledge", json.dumps({**VALID["acknowledge"], "summary": "internal notes"}))


@pytest.mark.parametrize("body", ["not json", '{"replyText": "unterminated', "[]", "null", '"Sorry"'])
@pytest.mark.parametrize("action", VALID)
def test_a_body_that_is_not_a_json_object_is_refused(action, body):
    with pytest.raises(InvalidActionBodyError):
        parse_action(action, body)


@pytest.mark.parametrize("action", ["escalate", "customer-dm", "Acknowledge", ""])
def test_an_unknown_action_is_not_a_body_problem_and_names_the_known_ones(action):
    with pytest.raises(UnknownActionError, match="unknown action") as refused:
        parse_action(action, "{}")
    assert "one of acknowledge, answer, claim, resolve, follow-up, dismiss" in str(refused.value)


def test_a_link_body_names_the_other_account_and_nothing_else():
    assert parse_link('{"platform": "x", "authorId": " 42 "}') == {"platform": "x", "authorId": "42"}
    for body in (None, "{}", '{"platform": "x"}', '{"platform": "x", "authorId": 42}',
                 '{"platform": "x", "authorId": "42", "note": "same person"}'):
        with pytest.raises(InvalidActionBodyError):
            parse_link(body)


def test_a_flag_clearance_needs_a_reason_of_up_to_500_characters_and_nothing_else():
    assert parse_flag_clearance('{"reason": " a real customer, not a troll "}') == {
        "reason": "a real customer, not a troll"}
    assert parse_flag_clearance(json.dumps({"reason": "x" * 500}))["reason"] == "x" * 500
    for body in (None, "{}", '{"reason": ""}', '{"reason": "   "}', json.dumps({"reason": "x" * 501}),
                 '{"reason": 42}', '{"reason": "ok\\u0000"}', '{"reason": "ok", "by": "someone else"}', "[]"):
        with pytest.raises(InvalidActionBodyError):
            parse_flag_clearance(body)

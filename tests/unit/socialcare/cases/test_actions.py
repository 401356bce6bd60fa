"""Mirrors layers/domain/socialcare/cases/actions.py: the agents' action bodies, checked before anything changes."""
import json

import pytest

from socialcare.cases.actions import PUBLIC_TEXT_LIMIT, InvalidActionBodyError, parse_action
from socialcare.errors import InvalidCaseTransitionError

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
def test_an_unknown_action_is_not_a_body_problem_but_a_refused_transition(action):
    with pytest.raises(InvalidCaseTransitionError, match="unknown action"):
        parse_action(action, "{}")

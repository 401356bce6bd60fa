"""The bodies of the agents' actions, validated at the edge (a bad body is a 400 and changes nothing)."""
from __future__ import annotations

import unicodedata
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator

from socialcare.cases.lifecycle import AGENT_ACTIONS, DISMISS_REASONS
from socialcare.errors import UnknownActionError

PUBLIC_TEXT_LIMIT = 2000
PUBLIC_TEXT_MINIMUM = 2  # one character ("k", ".", "?") posted in public answers nobody
OUTCOME_LIMIT = 1000  # an incident's outcome goes into every follow-up, which must fit the surface (X: 280)
LINE_BREAKS_AND_TABS = frozenset("\n\r\t")


def _no_control_characters(text: str) -> str:
    """NUL, escape, backspace... (Unicode category Cc, line breaks and tabs apart) would be posted as they are, or
    refused by the platform after the case has moved on: refuse them here, naming the first."""
    for position, character in enumerate(text):
        if character not in LINE_BREAKS_AND_TABS and unicodedata.category(character) == "Cc":
            raise ValueError(f"control character U+{ord(character):04X} at position {position}; "
                             "only line breaks and tabs are allowed")
    return text


Text = Annotated[str, AfterValidator(_no_control_characters)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class AcknowledgeBody(_Body):
    replyText: Text = Field(min_length=PUBLIC_TEXT_MINIMUM, max_length=PUBLIC_TEXT_LIMIT)


class ClaimBody(_Body):
    owner: Text = Field(default="", max_length=200)


class ResolveBody(_Body):
    summary: Text = Field(min_length=1, max_length=10_000)
    publicNote: Text = Field(min_length=PUBLIC_TEXT_MINIMUM, max_length=PUBLIC_TEXT_LIMIT)


def _empty_or_long_enough(text: str, what: str, empty_means: str) -> str:
    """An optional public text: empty (then `empty_means` is posted instead), or long enough to answer someone."""
    if 0 < len(text) < PUBLIC_TEXT_MINIMUM:
        raise ValueError(f"{what} needs at least {PUBLIC_TEXT_MINIMUM} characters (or none: {empty_means})")
    return text


class FollowUpBody(_Body):
    # empty: the public note of the resolution
    replyText: Text = Field(default="", max_length=PUBLIC_TEXT_LIMIT)

    @field_validator("replyText")
    @classmethod
    def _empty_or_a_reply(cls, text: str) -> str:
        return _empty_or_long_enough(text, "a reply", "the public note")


class DismissBody(_Body):
    reason: Literal[DISMISS_REASONS]


class StatementBody(_Body):
    """An incident's holding statement: on the brand's own channels, or as a reply to each person in it."""
    target: Literal["brand", "replies"]
    text: Text = Field(default="", max_length=PUBLIC_TEXT_LIMIT)  # empty: the statement drafted when it opened

    @field_validator("text")
    @classmethod
    def _empty_or_a_statement(cls, text: str) -> str:
        return _empty_or_long_enough(text, "a statement", "the draft")


class ResolveIncidentBody(_Body):
    outcome: Text = Field(min_length=PUBLIC_TEXT_MINIMUM, max_length=OUTCOME_LIMIT)  # public: each follow-up says it


BODIES = {"acknowledge": AcknowledgeBody, "answer": AcknowledgeBody, "claim": ClaimBody, "resolve": ResolveBody, "follow-up": FollowUpBody,
          "dismiss": DismissBody}


class LinkBody(_Body):
    """Another account of the same person (its id is checked with the platform's rules: cases/history.py)."""
    platform: str = Field(min_length=1, max_length=20)
    authorId: str = Field(min_length=1, max_length=128)


class FlagClearanceBody(_Body):
    """Why an agent clears an author's flag: kept on the author, so the next agent can see who judged and why."""
    reason: Text = Field(min_length=1, max_length=500)


class InvalidActionBodyError(ValueError):
    pass


def parse_action(action: str, body: str | None) -> dict:
    """The action's fields, or InvalidActionBodyError naming what is wrong."""
    if action not in AGENT_ACTIONS:
        raise UnknownActionError(f"unknown action {action!r}; one of {', '.join(AGENT_ACTIONS)}")
    return _parse(BODIES[action], body)


def parse_statement(body: str | None) -> dict:
    """An incident's statement: its target and text, or InvalidActionBodyError naming what is wrong."""
    return _parse(StatementBody, body)


def parse_incident_resolution(body: str | None) -> dict:
    """An incident's outcome, or InvalidActionBodyError naming what is wrong."""
    return _parse(ResolveIncidentBody, body)


def parse_link(body: str | None) -> dict:
    """The account to link, or InvalidActionBodyError naming what is wrong."""
    return _parse(LinkBody, body)


def parse_flag_clearance(body: str | None) -> dict:
    """The reason for clearing an author's flag, or InvalidActionBodyError naming what is wrong."""
    return _parse(FlagClearanceBody, body)


def _parse(model: type[_Body], body: str | None) -> dict:
    try:
        return model.model_validate_json(body or "{}").model_dump()
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in error.errors()[:5])
        raise InvalidActionBodyError(problems) from None

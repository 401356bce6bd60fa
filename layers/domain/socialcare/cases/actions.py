"""The bodies of the agents' actions, validated at the edge (a bad body is a 400 and changes nothing)."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from socialcare.cases.lifecycle import AGENT_ACTIONS, DISMISS_REASONS
from socialcare.errors import InvalidCaseTransitionError

PUBLIC_TEXT_LIMIT = 2000


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class AcknowledgeBody(_Body):
    replyText: str = Field(min_length=1, max_length=PUBLIC_TEXT_LIMIT)


class ClaimBody(_Body):
    owner: str = Field(default="", max_length=200)


class ResolveBody(_Body):
    summary: str = Field(min_length=1, max_length=10_000)
    publicNote: str = Field(min_length=1, max_length=PUBLIC_TEXT_LIMIT)


class FollowUpBody(_Body):
    replyText: str = Field(default="", max_length=PUBLIC_TEXT_LIMIT)  # empty: the public note of the resolution


class DismissBody(_Body):
    reason: Literal[DISMISS_REASONS]


BODIES = {"acknowledge": AcknowledgeBody, "claim": ClaimBody, "resolve": ResolveBody, "follow-up": FollowUpBody,
          "dismiss": DismissBody}


class InvalidActionBodyError(ValueError):
    pass


def parse_action(action: str, body: str | None) -> dict:
    """The action's fields, or InvalidActionBodyError naming what is wrong."""
    if action not in AGENT_ACTIONS:
        raise InvalidCaseTransitionError(f"unknown action {action!r}; one of {', '.join(AGENT_ACTIONS)}")
    try:
        return BODIES[action].model_validate_json(body or "{}").model_dump()
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in error.errors()[:5])
        raise InvalidActionBodyError(problems) from None

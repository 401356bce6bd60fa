"""Who may do what: the care team's three groups (the user pool's, template.yaml) and what each may do.

API Gateway lets only a signed-in member of the care team through (its JWT authorizer checks the ID token); this
decides, from the groups in that token, whether the person may do what they ask. A person in several groups may do
what any of them may. docs/desk.md#who-may-do-what is the table a lead reads.
"""
from __future__ import annotations

from dataclasses import dataclass

from socialcare.cases.lifecycle import AGENT_ACTIONS
from socialcare.errors import ForbiddenError

AGENTS, TRIAGE, LEADS = "agents", "triage", "leads"
GROUPS = (AGENTS, TRIAGE, LEADS)
EVERYONE = frozenset(GROUPS)

# Each permission, and the groups that have it. Leads have every one.
PERMISSIONS: dict[str, frozenset[str]] = {
    "read-cases": EVERYONE,  # the queue, a case, the customer's history, incidents
    "acknowledge": frozenset({AGENTS, LEADS}),
    "answer": frozenset({AGENTS, LEADS}),
    "follow-up": frozenset({AGENTS, LEADS}),
    "dismiss": frozenset({AGENTS, LEADS}),
    "claim": frozenset({TRIAGE, LEADS}),
    "resolve": frozenset({TRIAGE, LEADS}),
    "read-private-messages": frozenset({TRIAGE, LEADS}),
    "link-accounts": frozenset({LEADS}),
    "clear-flag": frozenset({LEADS}),
    "manage-incidents": frozenset({LEADS}),  # the holding statement, resolving a pile-on
    "read-report": frozenset({LEADS}),
}
assert set(AGENT_ACTIONS) <= set(PERMISSIONS), "every case action needs its permission"


@dataclass(frozen=True)
class Person:
    """The signed-in member of the care team, as the ID token names them."""
    name: str
    groups: frozenset[str]

    def may(self, permission: str) -> bool:
        return bool(self.groups & PERMISSIONS[permission])

    def permissions(self) -> list[str]:
        return [permission for permission in PERMISSIONS if self.may(permission)]

    def require(self, permission: str) -> None:
        """Raise ForbiddenError unless the person may do this, saying who may."""
        if self.may(permission):
            return
        allowed = " and ".join(group for group in GROUPS if group in PERMISSIONS[permission])
        theirs = ", ".join(group for group in GROUPS if group in self.groups) or "no group of the care team"
        raise ForbiddenError(f"{permission} is for {allowed}; {self.name} is in {theirs}")


def person_from_claims(claims: dict) -> Person:
    """The person behind the claims API Gateway's JWT authorizer passes on (payload 2.0: every value a string; a list
    such as cognito:groups as "[agents leads]", space-separated in brackets). An ID token names them in
    `cognito:username`, an access token in `username`."""
    name = claims.get("cognito:username") or claims.get("username") or claims.get("sub") or "unknown"
    return Person(name=str(name), groups=frozenset(_claim_list(claims.get("cognito:groups"))) & EVERYONE)


def _claim_list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):  # a token's own claims, as a test or another authorizer may pass them
        return [str(item) for item in value]
    text = str(value).strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    return text.split()

"""Driving whole cases through the local cloud the way a platform and the agents would."""
from __future__ import annotations

import json

from tests.conftest import delivery, mention, signed_headers


def deliver(cloud, *mentions: dict, delivery_id: str = "delivery-1", ingest: bool = True):
    """POST a signed generic delivery, then let the ingest queue deliver it."""
    body = delivery(*mentions, delivery_id=delivery_id)
    response = cloud.http("POST", "/webhooks/generic", body, signed_headers(body))
    assert response.status == 200, response
    if ingest:
        cloud.deliver_queue()
    return response


def show(cloud, case_id: str) -> dict:
    response = cloud.http("GET", f"/cases/{case_id}", headers=cloud.signed_in())
    assert response.status == 200, response
    return response.json()


def act(cloud, case_id: str, action: str, agent: str = "ann-agent", **fields):
    """The action as `agent`, a lead (leads may take every action: tests/unit/functions/test_roles.py covers each
    group's)."""
    return cloud.http("POST", f"/cases/{case_id}/{action}", json.dumps(fields), cloud.signed_in(agent, "leads"))


NOTIFIED_STEP = {"acknowledge": "ACKNOWLEDGE", "claim": "HAND_OFF", "resolve": "RESOLVE", "follow-up": "FOLLOW_UP"}


def wait_until_waiting(cloud, case_id: str, action: str, timeout: float = 20) -> dict:
    """Until the case waits for `action` and (for a team's step) the team has been told."""
    def ready():
        case = show(cloud, case_id)
        if case.get("waitingFor") != action:
            return None
        step = NOTIFIED_STEP.get(action)
        told = step is None or any(e["event"] == "notified" and e["step"] == step for e in case["timeline"])
        return case if told else None
    return cloud.wait_for(ready, timeout=timeout, what=f"{case_id} waiting for {action}")


def run_to_acknowledged(cloud, mention_id: str, author_id: str = "1001") -> str:
    case_id = f"generic-{mention_id}"
    deliver(cloud, mention(mention_id, author_id), delivery_id=f"d-{mention_id}")
    wait_until_waiting(cloud, case_id, "acknowledge")
    assert act(cloud, case_id, "acknowledge", replyText="Sorry about order A1, that's not OK.").status == 200
    return case_id


def customer_dm(cloud, mention_id: str, author_id: str = "1001", text: str = "Email me: ann@example.com"):
    deliver(cloud, mention(mention_id, author_id, text=text, kind="dm"), delivery_id=f"d-{mention_id}")


def escalations(cloud, case_id: str) -> list[dict]:
    return [n for n in cloud.notifications("EscalationsTopic-inbox") if n["message"]["caseId"] == case_id]

"""Flagged authors through the real state machine on the local cloud: an author whose earlier cases were dismissed as
troll is flagged; their case climbs no higher than the care policy's cap (level 1), urgent or not, with the hard
limit there; the agent sees the flag and the record behind it; an agent clears the flag with a reason, audited on
the author, and from then on only later dismissals count."""
from __future__ import annotations

import json
import time

from tests.conftest import mention
from tests.integration.helpers import act, deliver, escalations, show, wait_until_waiting
from tests.integration.test_clocks import subscribe_tiers

TROLLED = "2 earlier cases dismissed as troll"
MARIA = "maria"  # the lead who clears the flag, as their sign-in names them


def dismissed_as_troll(cloud, author_id: str, *mention_ids: str) -> None:
    """The author's earlier cases, each dismissed as troll by an agent."""
    for mention_id in mention_ids:
        deliver(cloud, mention(mention_id, author_id, text="@brand lol your kettles are for clowns"),
                delivery_id=f"d-{mention_id}")
        wait_until_waiting(cloud, f"generic-{mention_id}", "acknowledge")
        # a short clock may restart the wait as the agent acts: the dismissal is then applied to the new wait (202)
        assert act(cloud, f"generic-{mention_id}", "dismiss", reason="troll").status in (200, 202)
        cloud.wait_for(lambda: show(cloud, f"generic-{mention_id}")["status"] == "DISMISSED", what="dismissed")


def clear_flag(cloud, author_id: str, reason: str, agent: str = "maria"):
    return cloud.http("POST", f"/authors/generic/{author_id}/flag-clearance", json.dumps({"reason": reason}),
                      cloud.signed_in(agent, "leads"))


def test_a_flagged_authors_urgent_case_stops_at_level_one_and_never_pages_leadership(make_cloud):
    # Given three tiers on a one-second ladder, and an author with two cases dismissed as troll
    cloud = make_cloud(ACK_SLA_SECONDS=1, ACK_HARD_LIMIT_SECONDS=4, MAX_ESCALATION_LEVEL=3)
    tiers = subscribe_tiers(cloud, 3)
    dismissed_as_troll(cloud, "5601", "9601", "9602")
    # When they post something urgent and nobody acknowledges it
    deliver(cloud, mention("9603", "5601", text="@brand my charger caught fire and nobody answers"),
            delivery_id="d-9603")
    case_id = "generic-9603"
    case = cloud.wait_for(lambda: (c := show(cloud, case_id))["hardLimitReached"] and c, timeout=20,
                          what="the hard limit")
    # Then the case is flagged and urgent, and its ladder ended at level 1 with the hard limit there
    assert (case["flagged"], case["priority"], case["escalationLevel"]) == (TROLLED, "urgent", 1)
    time.sleep(3)  # an uncapped ladder would have reached levels 2 and 3 by now
    told = [(m["subject"], m["attributes"]["level"], m["attributes"]["hardLimit"]) for m in escalations(cloud, case_id)]
    assert told == [(f"Urgent case {case_id} (ACKNOWLEDGE)", "1", "false"),  # the first tier, capped from level 2
                    (f"Escalation 1: case {case_id} (ACKNOWLEDGE)", "1", "false"),
                    (f"HARD LIMIT: case {case_id} (ACKNOWLEDGE)", "1", "true")]
    # and each tier's own subscription agrees: the team lead heard it all, the manager and head of care nothing
    heard = {tier: [n for n in cloud.notifications(tier) if n["attributes"]["caseId"] == case_id] for tier in tiers}
    assert [len(messages) for messages in heard.values()] == [3, 0, 0]
    case = show(cloud, case_id)
    events = [e for e in case["timeline"] if e["event"] in ("first tier told", "escalated", "hard-limit")]
    assert [(e["event"], e["level"]) for e in events] == [("first tier told", 1), ("escalated", 1), ("hard-limit", 1)]
    assert events[0]["cappedFrom"] == 2
    # And the agent sees the flag with the record behind it, newest dismissal first
    flag = case["flag"]
    assert (flag["reason"], flag["clearances"]) == (TROLLED, [])
    assert [(d["caseId"], d["reason"]) for d in flag["dismissedCases"]] == [("generic-9602", "troll"),
                                                                            ("generic-9601", "troll")]
    assert flag["dismissedCases"][0]["closedAt"] > flag["dismissedCases"][1]["closedAt"]
    # The case is still answerable past its hard limit
    wait_until_waiting(cloud, case_id, "acknowledge")
    assert act(cloud, case_id, "acknowledge", replyText="We're so sorry about your charger. Are you safe?").status \
        in (200, 202)
    wait_until_waiting(cloud, case_id, "customer-dm")
    assert all(m["attributes"]["level"] == "1" for m in escalations(cloud, case_id))


def test_an_agent_clears_the_flag_with_a_reason_and_the_authors_next_case_is_not_flagged(cloud):
    # Given a flagged author's open urgent case, whose first tier was capped at level 1
    dismissed_as_troll(cloud, "5602", "9611", "9612")
    deliver(cloud, mention("9613", "5602", text="@brand my kettle leaks and there was smoke"), delivery_id="d-9613")
    case_id = "generic-9613"
    assert wait_until_waiting(cloud, case_id, "acknowledge")["flagged"] == TROLLED
    assert [m["attributes"]["level"] for m in escalations(cloud, case_id)] == ["1"]
    # When an agent clears the flag, saying why (an empty reason is refused)
    assert clear_flag(cloud, "5602", " ").status == 400
    cleared = clear_flag(cloud, "5602", "Spoke to them: a genuine customer after all")
    # Then the clearance is audited on the author, and their open case is no longer flagged
    assert cleared.status == 200, cleared
    body = cleared.json()
    assert (body["wasFlagged"], body["unflaggedCase"], body["by"]) == (True, case_id, MARIA)
    history = cloud.http("GET", "/authors/generic/5602/cases", headers=cloud.signed_in()).json()
    assert history["flagClearances"] == [{"platform": "generic", "authorId": "5602", "at": body["clearedAt"],
                                          "by": MARIA, "reason": "Spoke to them: a genuine customer after all"}]
    case = show(cloud, case_id)
    assert case["flagged"] is None and "flag" not in case
    # and the tier its priority names (level 2 for urgent), kept out by the cap, hears of it now
    assert [(m["subject"], m["attributes"]["level"]) for m in escalations(cloud, case_id)] == [
        (f"Urgent case {case_id} (ACKNOWLEDGE)", "1"), (f"Urgent case {case_id} (ACKNOWLEDGE)", "2")]
    [entry] = [e for e in case["timeline"] if e["event"] == "flag cleared"]
    assert (entry["by"], entry["reason"], entry["flag"]) == (MARIA, "Spoke to them: a genuine customer after all",
                                                            TROLLED)
    # and it gets the automatic notices anyone gets: the DM invitation is posted, not withheld
    assert act(cloud, case_id, "acknowledge", replyText="So sorry about your kettle, that's not OK.").status == 200
    case = wait_until_waiting(cloud, case_id, "customer-dm")
    assert [e["kind"] for e in case["timeline"] if e["event"] == "posted publicly"] == ["acknowledgement",
                                                                                        "dm-invitation"]
    assert "automatic notice withheld" not in [e["event"] for e in case["timeline"]]
    # When that case too is dismissed as troll: one dismissal since the clearance is not enough for the flag
    assert act(cloud, case_id, "dismiss", reason="troll").status == 200
    cloud.wait_for(lambda: show(cloud, case_id)["status"] == "DISMISSED", what="dismissed")
    deliver(cloud, mention("9614", "5602", text="@brand the new kettle leaks too"), delivery_id="d-9614")
    # Then the author's next case is not flagged
    assert wait_until_waiting(cloud, "generic-9614", "acknowledge")["flagged"] is None
    assert escalations(cloud, "generic-9614") == []

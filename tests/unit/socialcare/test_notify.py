"""Mirrors layers/domain/socialcare/notify.py: who hears what, through real SNS filter policies (moto) on the topics
of template.yaml, subscribed the way README "Clocks and escalation" tells a company to."""
from socialcare import notify
from socialcare.config import settings


def subscribe(cloud, topic: str, inbox: str, filter_policy: dict) -> str:
    arn = {"TriageTopic": settings().triage_topic_arn, "EscalationsTopic": settings().escalations_topic_arn}[topic]
    return cloud.subscribe_inbox(topic, arn, filter_policy=filter_policy, inbox=inbox)


def received(cloud, inbox: str) -> list[tuple[str, str]]:
    return [(n["attributes"]["caseId"], n["subject"]) for n in cloud.notifications(inbox)]


def test_each_triage_team_hears_its_hand_offs_and_their_warnings_only(cloud):
    deliveries = subscribe(cloud, "TriageTopic", "deliveries-team", {"team": ["deliveries"]})
    support = subscribe(cloud, "TriageTopic", "support-team", {"team": ["support"]})
    notify.notify_team("triage", "x-1", "TRIAGE_CLAIM", {"caseId": "x-1", "team": "deliveries"})
    notify.notify_breach_warning("x-1", "TRIAGE_CLAIM", 0, "triage", {"caseId": "x-1", "team": "deliveries"})
    notify.notify_team("triage", "x-2", "TRIAGE_CLAIM", {"caseId": "x-2"})  # no team routed: the default
    assert received(cloud, deliveries) == [("x-1", "Case x-1: triage claim"),
                                           ("x-1", "Deadline soon: case x-1 (TRIAGE_CLAIM)")]
    assert received(cloud, support) == [("x-2", "Case x-2: triage claim")]


def test_each_tier_hears_its_level_and_the_leads_hear_incidents(cloud):
    leads = subscribe(cloud, "EscalationsTopic", "team-lead", {"level": [{"numeric": ["=", 1]}]})
    manager = subscribe(cloud, "EscalationsTopic", "manager", {"level": [{"numeric": ["=", 2]}]})
    notify.notify_escalation("x-1", "ACKNOWLEDGE", 2, False, {"caseId": "x-1"})
    notify.notify_incident("incident-app-1", "app", 1, 3, ["x-1", "x-2", "x-3"], "We know...", reach=750)
    notify.notify_priority("x-9", "ACKNOWLEDGE", 2, "urgent", {"caseId": "x-9"})
    notify.notify_incident("incident-app-1", "app", 2, 10, ["x-1", "x-2"], "We know...", reach=9000, growing=True)
    assert received(cloud, manager) == [("x-1", "Escalation 2: case x-1 (ACKNOWLEDGE)"),
                                        ("x-9", "Urgent case x-9 (ACKNOWLEDGE)"),
                                        ("incident-app-1", "Incident growing: 10 people about app")]
    assert received(cloud, leads) == [("incident-app-1", "Incident: 3 people about app")]
    [first] = [n["message"] for n in cloud.notifications(leads)]
    assert (first["level"], first["reach"], first["incidentAt"]) == (1, 750, "GET /incidents/incident-app-1")


def test_level_zero_is_no_tier_what_would_go_there_goes_to_the_team_that_owns_the_step(cloud):
    # Given a flagged author's case under a cap of 0: its hard limit, promise alert and refused post reach no tier
    tiers = subscribe(cloud, "EscalationsTopic", "every-tier", {"level": [{"numeric": [">=", 0]}]})
    notify.notify_escalation("x-1", "ACKNOWLEDGE", 0, True, {"caseId": "x-1"})
    notify.notify_promise("x-1", "ACKNOWLEDGE", 0, "24-hour promise broken: case x-1", {"caseId": "x-1"}, broken=True)
    notify.notify_escalation("x-2", "HAND_OFF", 0, True, {"caseId": "x-2", "team": "deliveries"})
    notify.notify_refused_post("x-3", "REQUEST_DM", "handoff-confirmation", "blocked", {"caseId": "x-3"}, level=0)
    assert cloud.notifications(tiers) == []
    # Then the agents (acknowledge; a step no team owns) and the case's triage team hear them instead
    agents = [(n["attributes"]["caseId"], n["subject"], n["attributes"].get("hardLimit"))
              for n in cloud.notifications("AgentsTopic-inbox")]
    assert agents == [("x-1", "HARD LIMIT: case x-1 (ACKNOWLEDGE)", "true"),
                      ("x-1", "24-hour promise broken: case x-1", "false"),
                      ("x-3", "Post refused: case x-3 (handoff-confirmation)", "false")]
    [triage] = cloud.notifications("TriageTopic-inbox")
    assert (triage["attributes"]["team"], triage["subject"]) == ("deliveries", "HARD LIMIT: case x-2 (HAND_OFF)")
    assert "level" not in triage["attributes"]

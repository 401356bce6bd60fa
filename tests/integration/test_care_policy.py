"""The care policy through the real state machine on the local cloud: guardrails on public replies, business-time
clocks and the pre-breach warning, indirect mentions, priority and the first tier, routing, flagged authors."""
from __future__ import annotations

from tests.conftest import mention
from tests.integration.helpers import act, deliver, show, wait_until_waiting


def test_a_reply_asking_for_personal_data_in_public_is_a_422_and_the_case_keeps_waiting(cloud):
    deliver(cloud, mention("9001", "5001", text="@brand my order arrived broken"), delivery_id="d-9001")
    case_id = "generic-9001"
    wait_until_waiting(cloud, case_id, "acknowledge")
    # When an agent tries to ask for the customer's email in public
    refused = act(cloud, case_id, "acknowledge", replyText="So sorry! What's your email address? We'll write.")
    # Then the reply is refused, naming the rule and the words, and nothing moved
    assert refused.status == 422
    body = refused.json()
    assert body["rejections"] == [{"rule": "personal data in public", "words": "What's your email address",
                                   "explanation": body["rejections"][0]["explanation"]}]
    case = wait_until_waiting(cloud, case_id, "acknowledge")
    assert not any(e["event"] in ("acknowledge", "posted publicly") for e in case["timeline"])
    # and a reply that invites a DM instead goes through
    assert act(cloud, case_id, "acknowledge",
               replyText="So sorry your order arrived broken. Could you DM us so we can sort it?").status == 200
    wait_until_waiting(cloud, case_id, "customer-dm")


def test_an_acknowledgement_that_invites_a_dm_is_not_followed_by_a_second_public_invitation(cloud):
    for n, reply in ((9021, "Sorry your order arrived broken, Sam. Could you DM us so we can sort it?"),
                     (9022, "Sorry your order arrived broken, Jo. We're looking into it right away.")):
        deliver(cloud, mention(str(n), str(n), text="@brand my order arrived broken"), delivery_id=f"d-{n}")
        wait_until_waiting(cloud, f"generic-{n}", "acknowledge")
        assert act(cloud, f"generic-{n}", "acknowledge", replyText=reply).status == 200
    # The acknowledgement that asked for a DM is the only public post; the other gets the standard invitation
    asked = wait_until_waiting(cloud, "generic-9021", "customer-dm")["timeline"]
    assert [e["kind"] for e in asked if e["event"] == "posted publicly"] == ["acknowledgement"]
    assert [e["reason"] for e in asked if e["event"] == "dm invitation not posted"] == [
        "the acknowledgement already invited a DM"]
    other = wait_until_waiting(cloud, "generic-9022", "customer-dm")["timeline"]
    assert [e["kind"] for e in other if e["event"] == "posted publicly"] == ["acknowledgement", "dm-invitation"]


def test_a_near_copy_of_a_reply_sent_to_another_customer_is_refused_as_canned(cloud):
    template = "Hi {}, we're so sorry about the delay with your parcel. Please send us a DM and we'll look into it."
    for n, name in ((9011, "Ann"), (9012, "Bob")):
        deliver(cloud, mention(str(n), str(n), text="@brand where is my parcel"), delivery_id=f"d-{n}")
        wait_until_waiting(cloud, f"generic-{n}", "acknowledge")
    assert act(cloud, "generic-9011", "acknowledge", replyText=template.format("Ann")).status == 200
    wait_until_waiting(cloud, "generic-9011", "customer-dm")
    canned = act(cloud, "generic-9012", "acknowledge", replyText=template.format("Bob"))
    assert canned.status == 422 and canned.json()["rejections"][0]["rule"] == "canned reply"
    assert show(cloud, "generic-9012")["waitingFor"] == "acknowledge"


# -- business hours and the pre-breach warning ---------------------------------------------------------------------
OFFICE_HOURS = """
business_hours:
  timezone: Europe/London
  weekly: {mon: ["08:00-18:00"], tue: ["08:00-18:00"], wed: ["08:00-18:00"], thu: ["08:00-18:00"],
           fri: ["08:00-18:00"]}
"""


def test_the_acknowledgement_sla_runs_in_business_time_and_the_dm_wait_on_the_wall_clock(
        make_cloud, monkeypatch, tmp_path):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from socialcare.cases import clocks
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text(OFFICE_HOURS)
    monkeypatch.setenv("POLICY_FILE", str(policy_file))
    # Given it is Friday 17:50 in London, with Mon-Fri 08:00-18:00 hours and a 60-minute acknowledgement SLA
    friday = datetime(2026, 11, 27, 17, 50, tzinfo=ZoneInfo("Europe/London"))
    monkeypatch.setattr(clocks, "now", lambda: friday)
    cloud = make_cloud(ACK_SLA_SECONDS=3600, ACK_HARD_LIMIT_SECONDS=7200, DM_WAIT_SECONDS=86400)
    # When a mention arrives
    deliver(cloud, mention("9101", "5101"), delivery_id="d-9101")
    case = wait_until_waiting(cloud, "generic-9101", "acknowledge")
    # Then the SLA ends Monday 08:50, not Friday 18:50: the execution waits through the weekend
    assert case["deadline"] == "2026-11-30T08:50:00.000Z"
    # and the customer's turn (the DM wait) counts on the wall clock: 24 hours from Friday 17:50
    assert act(cloud, "generic-9101", "acknowledge", replyText="So sorry your order arrived broken.").status == 200
    case = wait_until_waiting(cloud, "generic-9101", "customer-dm")
    assert case["deadline"] == "2026-11-28T17:50:00.000Z"


def test_whoever_must_act_is_warned_before_the_breach_and_the_ladder_climbs_at_it(make_cloud):
    cloud = make_cloud(ACK_SLA_SECONDS=4, ACK_HARD_LIMIT_SECONDS=240, PRE_BREACH_WARNING_SECONDS=2)
    deliver(cloud, mention("9102", "5102"), delivery_id="d-9102")
    wait_until_waiting(cloud, "generic-9102", "acknowledge")
    # Two seconds before the SLA the agents hear the deadline is close...
    warned = cloud.wait_for(lambda: [n for n in cloud.notifications("AgentsTopic-inbox")
                                     if n["attributes"].get("warning") == "true"], what="a breach warning")
    assert warned[0]["message"]["caseId"] == "generic-9102" and warned[0]["subject"].startswith("Deadline soon")
    # ...and at the SLA the first tier hears the escalation; the agents were told once per rung, not again
    cloud.wait_for(lambda: [n for n in cloud.notifications("EscalationsTopic-inbox")
                            if n["message"]["caseId"] == "generic-9102" and not n["message"].get("warning")],
                   what="the escalation")
    events = [e["event"] for e in show(cloud, "generic-9102")["timeline"]]
    assert events.index("breach warning") < events.index("escalated")
    path = cloud.path("generic-9102")
    assert path[:7] == ["Open Case", "Is It An Echo?", "Outside Business Hours?", "Await Acknowledgement",
                        "Escalate Case", "Promise Broken?", "Which Step Is Waiting?"]


# -- indirect mentions, priority, routing, flagged authors ---------------------------------------------------------
def test_an_indirect_mention_is_watched_unless_its_author_asks_for_help(cloud):
    deliver(cloud, mention("9201", "5201", text="Loving my new #acme kettle", kind="hashtag"), delivery_id="d-9201")
    deliver(cloud, mention("9202", "5202", text="Does anyone know how to descale an #acme kettle?", kind="hashtag"),
            delivery_id="d-9202")
    wait_until_waiting(cloud, "generic-9202", "acknowledge")
    assert [e["name"] for e in cloud.executions()] == ["generic-9202"]
    from socialcare.storage.records import MentionRecord
    assert MentionRecord.get("generic#9201").outcome == "watched"


def test_a_severe_case_reaches_the_second_tier_at_once_and_the_agents_get_a_draft(cloud):
    deliver(cloud, mention("9301", "5301", text="@brand my kettle caught fire. Nobody answers."), delivery_id="d-9301")
    case = wait_until_waiting(cloud, "generic-9301", "acknowledge")
    assert case["priority"] == "urgent"
    told = [n for n in cloud.notifications("AgentsTopic-inbox") if n["message"]["caseId"] == "generic-9301"]
    assert told[0]["attributes"]["priority"] == "urgent"
    draft = told[0]["message"]["draftReply"]
    assert draft.startswith("Hi Ann, we're so sorry: your kettle caught fire.") and "DM" in draft
    tier = cloud.wait_for(lambda: [n for n in cloud.notifications("EscalationsTopic-inbox")
                                   if n["message"]["caseId"] == "generic-9301"], what="the first tier")
    assert tier[0]["attributes"]["level"] == "2" and tier[0]["subject"] == "Urgent case generic-9301 (ACKNOWLEDGE)"
    # The case shows the draft while it waits for the acknowledgement; the draft went nowhere by itself
    assert case["draftReply"] == draft
    assert not any(e["event"] == "posted publicly" for e in case["timeline"])
    assert act(cloud, "generic-9301", "acknowledge", replyText=draft).status == 200
    assert "draftReply" not in wait_until_waiting(cloud, "generic-9301", "customer-dm")


def test_the_hand_off_goes_to_the_team_a_routing_rule_names(make_cloud, monkeypatch, tmp_path):
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text("routing:\n  default_team: care\n  rules:\n    - {team: deliveries, keywords: [parcel]}\n")
    monkeypatch.setenv("POLICY_FILE", str(policy_file))
    cloud = make_cloud()
    deliver(cloud, mention("9401", "5401", text="@brand my parcel is late"), delivery_id="d-9401")
    wait_until_waiting(cloud, "generic-9401", "acknowledge")
    answer = act(cloud, "generic-9401", "acknowledge", replyText="Sorry your parcel is late! Can you DM us?")
    assert answer.status == 200
    wait_until_waiting(cloud, "generic-9401", "customer-dm")
    deliver(cloud, mention("9402", "5401", text="Email is fine", kind="dm"), delivery_id="d-9402")
    wait_until_waiting(cloud, "generic-9401", "claim")
    handed = [n for n in cloud.notifications("TriageTopic-inbox") if n["message"]["caseId"] == "generic-9401"]
    assert handed[0]["attributes"]["team"] == "deliveries"


def test_an_author_with_a_record_of_abusive_posts_is_flagged_and_gets_no_automatic_answer(cloud):
    for n in (9501, 9502):
        deliver(cloud, mention(str(n), "5501", text="@brand you are all idiots"), delivery_id=f"d-{n}")
        wait_until_waiting(cloud, f"generic-{n}", "acknowledge")
        assert act(cloud, f"generic-{n}", "dismiss", reason="abusive").status == 200
        cloud.wait_for_status(f"generic-{n}")
    deliver(cloud, mention("9503", "5501", text="@brand my order is wrong"), delivery_id="d-9503")
    case = wait_until_waiting(cloud, "generic-9503", "acknowledge")
    assert case["flagged"] == "2 earlier cases dismissed as abusive"
    told = [n for n in cloud.notifications("AgentsTopic-inbox") if n["message"]["caseId"] == "generic-9503"]
    assert told[0]["message"]["flagged"].startswith("check before answering")
    # a human answers; the automatic DM invitation is withheld
    answer = act(cloud, "generic-9503", "acknowledge", replyText="Sorry your order is wrong. Can you DM us?")
    assert answer.status == 200
    case = wait_until_waiting(cloud, "generic-9503", "customer-dm")
    assert any(e["event"] == "automatic notice withheld" for e in case["timeline"])


def test_a_mention_outside_the_hours_gets_an_honest_notice_that_states_them(make_cloud, monkeypatch, tmp_path):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from socialcare.cases import clocks
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text(OFFICE_HOURS + "  after_hours_notice: true\n")
    monkeypatch.setenv("POLICY_FILE", str(policy_file))
    saturday = datetime(2026, 11, 28, 11, 0, tzinfo=ZoneInfo("Europe/London"))
    monkeypatch.setattr(clocks, "now", lambda: saturday)
    cloud = make_cloud(ACK_SLA_SECONDS=3600, ACK_HARD_LIMIT_SECONDS=7200)
    deliver(cloud, mention("9601", "5601"), delivery_id="d-9601")
    case = wait_until_waiting(cloud, "generic-9601", "acknowledge")
    assert cloud.path("generic-9601")[:5] == ["Open Case", "Is It An Echo?", "Outside Business Hours?",
                                              "Post After-Hours Notice", "Await Acknowledgement"]
    [notice] = [e for e in case["timeline"] if e["event"] == "posted publicly"]
    assert notice["kind"] == "after-hours"
    assert notice["text"] == ("Thanks for getting in touch. Our team is here Mon-Fri 08:00-18:00 (Europe/London); "
                              "we will answer you when we are back, by Monday 09:00 (Europe/London).")


# -- pile-ons ----------------------------------------------------------------------------------------------------------
def test_three_people_complaining_about_the_app_make_one_incident_the_leads_hear_once(cloud):
    # Given a quiet indirect complaint (watched) and two direct ones about the same problem, within the hour
    deliver(cloud, mention("9701", "5701", text="acme app is down again, useless", kind="keyword"),
            delivery_id="d-9701")
    deliver(cloud, mention("9702", "5702", text="@brand the app is down, can't log in"), delivery_id="d-9702")
    deliver(cloud, mention("9703", "5703", text="@brand app crash every time I open it"), delivery_id="d-9703")
    # Then the third makes an incident: the leads are alerted once with a holding statement to post
    alerts = cloud.wait_for(lambda: [n for n in cloud.notifications("EscalationsTopic-inbox")
                                     if n["attributes"].get("incident") == "true"], what="the incident alert")
    assert len(alerts) == 1 and alerts[0]["message"]["topic"] == "app" and alerts[0]["message"]["authors"] == 3
    assert alerts[0]["message"]["draftHoldingStatement"].startswith("We know some of you are having trouble with app")
    # and the watched complaint became a case too: all three are grouped in the incident
    for n in (9701, 9702, 9703):
        case = wait_until_waiting(cloud, f"generic-{n}", "acknowledge")
        assert case["incident"] == alerts[0]["message"]["incidentId"], n
        # a complaint that is part of a pile-on is high priority, also the one opened before anyone knew
        assert case["priority"] == "high", n
    # A fourth complaint joins the incident without a second alert
    deliver(cloud, mention("9704", "5704", text="@brand app down for me too"), delivery_id="d-9704")
    assert wait_until_waiting(cloud, "generic-9704", "acknowledge")["incident"] == alerts[0]["message"]["incidentId"]
    assert len([n for n in cloud.notifications("EscalationsTopic-inbox")
                if n["attributes"].get("incident") == "true"]) == 1


def test_an_ingest_dying_before_the_incident_alert_is_finished_by_the_redelivery(cloud, monkeypatch):
    from socialcare import notify
    # Given two complaints about payments, and the ingest of the third dies after opening the incident, before the alert
    real_alert = notify.notify_incident
    calls = {"count": 0}

    def dies_once(*args, **kwargs):
        calls["count"] += 1
        if calls["count"] == 1:
            raise RuntimeError("Lambda died")
        return real_alert(*args, **kwargs)
    monkeypatch.setattr(notify, "notify_incident", dies_once)
    deliver(cloud, mention("9711", "5711", text="@brand I was charged twice at checkout"), delivery_id="d-9711")
    deliver(cloud, mention("9712", "5712", text="@brand checkout charged my card twice, refund?"), delivery_id="d-9712")
    deliver(cloud, mention("9713", "5713", text="@brand charged twice for one order, refund please"),
            delivery_id="d-9713")
    # Then the queue's redelivery of that mention alerts the leads: once, with all three cases grouped
    alerts = cloud.wait_for(lambda: [n for n in cloud.notifications("EscalationsTopic-inbox")
                                     if n["attributes"].get("incident") == "true"], what="the incident alert")
    assert calls["count"] == 2 and len(alerts) == 1
    assert alerts[0]["message"]["cases"] == ["generic-9711", "generic-9712", "generic-9713"]
    for n in (9711, 9712, 9713):
        assert wait_until_waiting(cloud, f"generic-{n}", "acknowledge")["incident"] == alerts[0]["message"]["incidentId"]
    # and a later redelivery of the same mention is a duplicate: no second alert
    deliver(cloud, mention("9713", "5713", text="@brand charged twice for one order, refund please"),
            delivery_id="d-9713-again")
    assert calls["count"] == 2


# -- echoes ------------------------------------------------------------------------------------------------------------
def test_a_mention_that_only_repeats_our_own_reply_is_dismissed_as_an_echo(cloud):
    reply = "Sam, we're so sorry the kettle arrived with a cracked lid. A new one is on its way today."
    deliver(cloud, mention("9801", "5801", text="@brand my kettle arrived with a cracked lid"), delivery_id="d-9801")
    wait_until_waiting(cloud, "generic-9801", "acknowledge")
    assert act(cloud, "generic-9801", "acknowledge", replyText=reply).status == 200
    wait_until_waiting(cloud, "generic-9801", "customer-dm")
    # When someone else posts our reply back at us (a copy, a quote that adds nothing)
    deliver(cloud, mention("9802", "5802", text=f"@brand {reply}"), delivery_id="d-9802")
    # Then the state machine dismisses it at once as an echo: no agent is asked to answer our own words
    execution = cloud.wait_for_status("generic-9802")
    assert execution["status"] == "SUCCEEDED"
    assert cloud.path("generic-9802") == ["Open Case", "Is It An Echo?", "Dismiss Case", "Case Closed"]
    case = show(cloud, "generic-9802")
    assert case["status"] == "DISMISSED" and case["closedReason"].startswith("echo of our reply: Sam, we're so sorry")


def test_a_customer_who_writes_again_angrier_raises_their_cases_priority(cloud):
    deliver(cloud, mention("9901", "5901", text="@brand do you deliver on Sundays?"), delivery_id="d-9901")
    assert wait_until_waiting(cloud, "generic-9901", "acknowledge")["priority"] == "normal"
    deliver(cloud, mention("9902", "5901", text="@brand still waiting, no response, this is useless"),
            delivery_id="d-9902")
    case = cloud.wait_for(lambda: (c := show(cloud, "generic-9901"))["priority"] == "high" and c, what="high")
    assert [e["why"] for e in case["timeline"] if e["event"] == "priority raised"] == ["the customer wrote again"]
    # and the tier a high priority names (the team lead) hears of it at once, without waiting for a deadline
    told = cloud.wait_for(lambda: [n for n in cloud.notifications("EscalationsTopic-inbox")
                                   if n["attributes"].get("caseId") == "generic-9901"], what="the first tier")
    assert [(n["subject"], n["attributes"]["level"], n["attributes"]["priority"]) for n in told] == [
        ("High priority case generic-9901 (ACKNOWLEDGE)", "1", "high")]

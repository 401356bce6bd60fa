"""Mirrors functions/manage_cases/app.py: the agent API over the local cloud's HttpApi (routes from template.yaml)."""
import json

import pytest

from socialcare.cases import lifecycle, service
from socialcare.storage.cases import CasesRepository
from socialcare.storage.records import CASE_RECORD, CaseRecord
from tests.conftest import delivery, json_logs, mention, signed_headers

CASE_ID = "generic-post-7001"


def manage_cases_calls(cloud) -> int:
    return sum(1 for function, _ in cloud.invocations if function == "ManageCasesFunction")


def show(cloud, case_id: str = CASE_ID) -> dict:
    response = cloud.http("GET", f"/cases/{case_id}", headers=cloud.signed_in())
    assert response.status == 200, response
    return response.json()


@pytest.fixture
def waiting_case(cloud) -> dict:
    """A case opened from a signed mention, waiting for an agent's acknowledgement (and the agents told so)."""
    body = delivery(mention("post-7001", author_id="7001"))
    assert cloud.http("POST", "/webhooks/generic", body, signed_headers(body)).status == 200
    cloud.deliver_queue()

    def waiting_and_agents_told():
        case = show(cloud)
        told = any(e["event"] == "notified" and e["step"] == "ACKNOWLEDGE" for e in case["timeline"])
        return case if case["waitingFor"] == "acknowledge" and told else None
    return cloud.wait_for(waiting_and_agents_told, what=f"{CASE_ID} waiting for acknowledge, agents told")


def assert_still_waiting_for_acknowledgement(cloud, before: dict) -> None:
    after = show(cloud)
    assert (after["step"], after["waitingFor"], after["status"]) == ("ACKNOWLEDGE", "acknowledge", "OPEN")
    assert [e["event"] for e in after["timeline"]] == [e["event"] for e in before["timeline"]]
    assert cloud.path(CASE_ID)[-1] == "Await Acknowledgement"


# -- who may call ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Bearer "},
                                     {"X-Agent-Name": "lead"}])
def test_a_caller_who_is_not_signed_in_is_refused_before_the_api_runs(cloud, headers):
    for method, path in [("GET", "/cases"), ("GET", f"/cases/{CASE_ID}"), ("POST", f"/cases/{CASE_ID}/dismiss")]:
        response = cloud.http(method, path, '{"reason": "spam"}' if method == "POST" else None, headers)
        assert (response.status, response.json()) == (401, {"message": "Unauthorized"}), (method, path)
    assert manage_cases_calls(cloud) == 0


# -- listing -----------------------------------------------------------------------------------------------------
def test_an_empty_queue_lists_no_cases(cloud):
    response = cloud.http("GET", "/cases", headers=cloud.signed_in())
    assert (response.status, response.json()) == (200, {"cases": []})


def test_the_queue_lists_an_open_case_whatever_the_case_of_the_status(cloud, waiting_case):
    for query in ("", "?status=OPEN", "?status=open"):
        response = cloud.http("GET", f"/cases{query}", headers=cloud.signed_in())
        assert [c["caseId"] for c in response.json()["cases"]] == [CASE_ID], query
    assert cloud.http("GET", "/cases?status=CLOSED", headers=cloud.signed_in()).json() == {"cases": []}


def test_listing_an_unknown_status_is_a_bad_request(cloud):
    for query in ("status=bogus", "status=", "status=OPEN,CLOSED"):
        response = cloud.http("GET", f"/cases?{query}", headers=cloud.signed_in())
        assert response.status == 400, query
        assert response.json()["message"] == "status must be one of OPEN, CLOSED, DISMISSED"


def test_listing_with_a_limit_out_of_range_is_a_bad_request(cloud):
    # str.isdigit() takes "²" (superscript two) and "٣" (Arabic-Indic three): only ASCII digits are a limit
    for limit in ("0", "501", "ten", "-1", "2.5", "%C2%B2", "%D9%A3", "%EF%BC%95", "9" * 5000, "+5", " 5", ""):
        response = cloud.http("GET", f"/cases?limit={limit}", headers=cloud.signed_in())
        assert response.status == 400, limit[:20]
        assert response.json()["message"] == "limit must be a number from 1 to 500"


def test_a_limit_in_ascii_digits_is_read_leading_zeros_and_all(cloud, waiting_case):
    for limit in ("1", "050", "500"):
        response = cloud.http("GET", f"/cases?limit={limit}", headers=cloud.signed_in())
        assert (response.status, len(response.json()["cases"])) == (200, 1), limit


# -- unknown cases -----------------------------------------------------------------------------------------------
def test_showing_an_unknown_case_is_not_found(cloud):
    response = cloud.http("GET", "/cases/generic-unknown", headers=cloud.signed_in())
    assert response.status == 404
    assert "generic-unknown" in response.json()["message"]


def test_acting_on_an_unknown_case_is_not_found(cloud):
    for action, body in [("acknowledge", {"replyText": "Sorry!"}), ("dismiss", {"reason": "spam"}), ("claim", {})]:
        response = cloud.http("POST", f"/cases/generic-unknown/{action}", json.dumps(body), cloud.signed_in())
        assert response.status == 404, action
        assert "generic-unknown" in response.json()["message"]


def test_the_private_messages_of_an_unknown_case_are_not_found(cloud):
    response = cloud.http("GET", "/cases/generic-unknown/private-messages", headers=cloud.signed_in())
    assert response.status == 404
    assert "generic-unknown" in response.json()["message"]


# -- acting on a waiting case ------------------------------------------------------------------------------------
def test_a_waiting_case_shows_its_step_its_timeline_and_no_private_contact(cloud, waiting_case):
    assert (waiting_case["caseId"], waiting_case["status"], waiting_case["step"]) == (CASE_ID, "OPEN", "ACKNOWLEDGE")
    assert waiting_case["timeline"][0]["event"] == "case opened"
    assert "privateContact" not in waiting_case and "taskToken" not in json.dumps(waiting_case)


def test_a_bad_action_body_is_a_bad_request_and_changes_nothing(cloud, waiting_case):
    for body, problem in [('{"replyText": ""}', "replyText"), ("{}", "replyText"), (None, "replyText"),
                          ('{"replyText": "Sorry!", "summary": "internal"}', "summary"), ("not json", "Invalid JSON")]:
        response = cloud.http("POST", f"/cases/{CASE_ID}/acknowledge", body, cloud.signed_in())
        assert response.status == 400, body
        assert response.json()["message"].startswith("bad acknowledge body"), body
        assert problem in response.json()["message"], body
    assert_still_waiting_for_acknowledgement(cloud, waiting_case)


def test_an_action_the_case_is_not_waiting_for_is_a_conflict_and_changes_nothing(cloud, waiting_case):
    for action, body in [("claim", {}), ("resolve", {"summary": "x", "publicNote": "Sorted."}), ("follow-up", {})]:
        response = cloud.http("POST", f"/cases/{CASE_ID}/{action}", json.dumps(body), cloud.signed_in())
        assert response.status == 409, action
        assert "waits for 'acknowledge'" in response.json()["message"], action
    assert_still_waiting_for_acknowledgement(cloud, waiting_case)


@pytest.mark.parametrize("action", ["escalate", "Acknowledge", "customer-dm", "%00"])
def test_an_unknown_action_is_a_bad_request_naming_the_actions_and_changes_nothing(cloud, waiting_case, action):
    response = cloud.http("POST", f"/cases/{CASE_ID}/{action}", "{}", cloud.signed_in())
    assert response.status == 400
    assert response.json()["message"] == (f"unknown action {action!r}; "
                                          "one of acknowledge, answer, claim, resolve, follow-up, dismiss")
    assert_still_waiting_for_acknowledgement(cloud, waiting_case)


def test_an_unknown_action_on_an_unknown_case_is_a_bad_request(cloud):
    response = cloud.http("POST", "/cases/generic-unknown/escalate", "{}", cloud.signed_in())
    assert response.status == 400 and "unknown action 'escalate'" in response.json()["message"]


@pytest.mark.parametrize(("reply", "problem"), [
    ("k", "at least 2 characters"), (" . ", "at least 2 characters"),
    ("Sorry\u0000!", "control character U+0000 at position 5"), ("\u001b[2JSorry", "control character U+001B"),
])
def test_a_one_character_or_control_character_reply_is_a_bad_request_and_changes_nothing(cloud, waiting_case, reply,
                                                                                          problem):
    response = cloud.http("POST", f"/cases/{CASE_ID}/acknowledge", json.dumps({"replyText": reply}), cloud.signed_in())
    assert response.status == 400
    assert response.json()["message"].startswith("bad acknowledge body: replyText: ")
    assert problem in response.json()["message"]
    assert_still_waiting_for_acknowledgement(cloud, waiting_case)
    assert show(cloud)["timeline"] == waiting_case["timeline"]


def test_an_acknowledgement_is_taken_once_and_a_second_one_is_a_conflict(cloud, waiting_case):
    # Given a case waiting for its acknowledgement / When two agents send one each
    reply = json.dumps({"replyText": "Sorry about order A1, that's not OK."})
    first = cloud.http("POST", f"/cases/{CASE_ID}/acknowledge", reply, cloud.signed_in("ann-agent", "agents"))
    second = cloud.http("POST", f"/cases/{CASE_ID}/acknowledge", reply, cloud.signed_in("bob-agent", "agents"))
    # Then the first moves the case on and the second is told it came too late
    assert first.status == 200
    assert first.json() == {"caseId": CASE_ID, "action": "acknowledge", "step": "ACKNOWLEDGE"}
    assert second.status == 409
    acknowledgements = [e for e in show(cloud)["timeline"] if e["event"] == "acknowledge"]
    assert [e["by"] for e in acknowledgements] == ["ann-agent"]


# -- what operators see ------------------------------------------------------------------------------------------
def test_a_request_about_a_case_logs_with_its_id_as_correlation_id_and_annotates_its_trace(cloud, waiting_case,
                                                                                          caplog, monkeypatch):
    from aws_lambda_powertools import Logger

    from functions.manage_cases import app
    logs = json_logs(caplog)
    annotations = []
    monkeypatch.setattr(app.tracer, "put_annotation", lambda key, value: annotations.append((key, value)))
    real_view = app.service.view

    def view_that_logs(case_id: str) -> dict:
        Logger().info("showing the case")  # as the layer's logger would
        return real_view(case_id)
    monkeypatch.setattr(app.service, "view", view_that_logs)
    show(cloud)
    [line] = [line for line in logs() if line["message"] == "showing the case"]
    assert line["correlation_id"] == CASE_ID
    assert annotations == [("caseId", CASE_ID)]


def acknowledgement_metrics(monkeypatch) -> list[str]:
    from functions.manage_cases import app
    added = []
    monkeypatch.setattr(app.metrics, "add_metric", lambda name, unit, value: added.append(name))
    return added


def test_an_acknowledgement_before_the_deadline_counts_within_the_sla(cloud, waiting_case, monkeypatch):
    added = acknowledgement_metrics(monkeypatch)
    reply = json.dumps({"replyText": "Sorry about order A1, that's not OK."})
    assert cloud.http("POST", f"/cases/{CASE_ID}/acknowledge", reply, cloud.signed_in()).status == 200
    assert added == ["AcknowledgedWithinSla"]


def test_an_acknowledgement_after_the_first_escalation_counts_late_and_other_actions_count_nothing(make_cloud,
                                                                                                  monkeypatch):
    from tests.integration.helpers import act, deliver, wait_until_waiting
    # Given a case whose acknowledgement clock ran out: it escalated to level 1 and waits again
    cloud = make_cloud(ACK_SLA_SECONDS=1, ACK_HARD_LIMIT_SECONDS=240, MAX_ESCALATION_LEVEL=3)
    deliver(cloud, mention("7002", author_id="7002"))
    cloud.wait_for(lambda: show(cloud, "generic-7002")["escalationLevel"] == 1, what="level 1")
    wait_until_waiting(cloud, "generic-7002", "acknowledge")
    added = acknowledgement_metrics(monkeypatch)
    # When an agent acknowledges it, then tries an action the case does not wait for
    assert act(cloud, "generic-7002", "acknowledge", replyText="Sorry for the wait, we're on it.").status == 200
    assert act(cloud, "generic-7002", "claim").status == 409
    # Then the acknowledgement counts late, once, and the refused action counts nothing
    assert added == ["AcknowledgedLate"]


# -- a private case's messages -----------------------------------------------------------------------------------
def test_the_care_team_reads_a_private_cases_messages_and_draft_on_their_own_route(cloud):
    # Given a private case opened by a Messenger DM, waiting for its acknowledgement, with two messages
    repo = CasesRepository()
    repo.open(CaseRecord("meta-m_7003", CASE_RECORD, status=lifecycle.OPEN, deadline="2026-11-23T11:00:00.000Z",
                         author_key="meta#7003", opened_at="2026-11-23T09:40:00.000Z", platform="meta",
                         surface="messenger", author_handle="Ann", step=lifecycle.ACKNOWLEDGE, escalation_level=0,
                         visibility=lifecycle.PRIVATE, draft_reply="Hi Ann, we're so sorry: your parcel is lost."))
    repo.add_private_message("meta-m_7003", "2026-11-23T09:40:00.000Z", "meta#m_7003", "my parcel is lost")
    repo.add_private_message("meta-m_7003", "2026-11-23T09:41:00.000Z", "meta#m_7004", "order A1234")
    # When an agent asks for its private messages
    response = cloud.http("GET", "/cases/meta-m_7003/private-messages", headers=cloud.signed_in())
    # Then they get what the service's private view says: the thread oldest first and the draft
    assert response.status == 200
    assert response.json() == service.private_view("meta-m_7003") == {
        "caseId": "meta-m_7003", "visibility": "private",
        "draftReply": "Hi Ann, we're so sorry: your parcel is lost.",
        "privateMessages": [{"at": "2026-11-23T09:40:00.000Z", "text": "my parcel is lost"},
                            {"at": "2026-11-23T09:41:00.000Z", "text": "order A1234"}]}


def test_a_caller_without_the_agents_credentials_cannot_read_private_messages(cloud):
    for headers in ({}, {"Authorization": "Bearer not-the-agent-token"}):
        assert cloud.http("GET", f"/cases/{CASE_ID}/private-messages", headers=headers).status == 401
    assert manage_cases_calls(cloud) == 0


# -- an author's flag --------------------------------------------------------------------------------------------
MARIA = "maria"  # the lead who clears the flag, as their sign-in names them


def test_an_agent_clears_an_authors_flag_with_a_reason_kept_on_the_author(cloud):
    response = cloud.http("POST", "/authors/x/42/flag-clearance", json.dumps({"reason": "a real customer"}),
                          cloud.signed_in("maria", "leads"))
    assert response.status == 200, response
    body = response.json()
    assert (body["author"], body["by"], body["reason"], body["wasFlagged"], body["unflaggedCase"]) == (
        {"platform": "x", "authorId": "42"}, MARIA, "a real customer", False, None)
    history = cloud.http("GET", "/authors/x/42/cases", headers=cloud.signed_in()).json()
    assert history["flagClearances"] == [{"platform": "x", "authorId": "42", "at": body["clearedAt"], "by": MARIA,
                                          "reason": "a real customer"}]


@pytest.mark.parametrize("path, body", [
    ("/authors/x/42/flag-clearance", None), ("/authors/x/42/flag-clearance", "{}"),
    ("/authors/x/42/flag-clearance", json.dumps({"reason": "x" * 501})),
    ("/authors/x/42/flag-clearance", json.dumps({"reason": "fine", "flag": "none"})),
    ("/authors/x/dana/flag-clearance", json.dumps({"reason": "fine"})),
    ("/authors/google/1/flag-clearance", json.dumps({"reason": "fine"}))])
def test_a_bad_flag_clearance_is_a_bad_request_and_keeps_nothing(cloud, path, body):
    response = cloud.http("POST", path, body, cloud.signed_in())
    assert response.status == 400, response
    assert cloud.http("GET", "/authors/x/42/cases", headers=cloud.signed_in()).json()["flagClearances"] == []


# -- incidents ----------------------------------------------------------------------------------------------------
def an_incident(incident_id: str = "incident-app-20261123-100000") -> str:
    from socialcare.storage.incidents import Incident, IncidentsRepository
    opened = "2026-11-23T10:00:00.000000Z"
    IncidentsRepository().open_incident(Incident(incident_id, "app", opened, opened, "generic#m1"), None, opened,
                                        "We know some of you are having trouble with app right now.")
    return incident_id


def test_incidents_are_listed_by_status_and_a_bad_status_or_limit_is_a_bad_request(cloud):
    incident_id = an_incident()
    assert cloud.http("GET", "/incidents", headers=cloud.signed_in()).json()["incidents"][0]["incidentId"] == incident_id
    assert cloud.http("GET", "/incidents?status=resolved", headers=cloud.signed_in()).json() == {"incidents": []}
    for query, problem in (("status=CLOSED", "status must be one of OPEN, RESOLVED"),
                           ("limit=0", "limit must be a number from 1 to 500")):
        response = cloud.http("GET", f"/incidents?{query}", headers=cloud.signed_in())
        assert (response.status, response.json()["message"]) == (400, problem), query


def test_an_unknown_incident_is_not_found_whatever_is_asked_of_it(cloud):
    for method, path, body in (("GET", "/incidents/incident-none", None),
                               ("POST", "/incidents/incident-none/statement", '{"target": "brand"}'),
                               ("POST", "/incidents/incident-none/resolve", '{"outcome": "fixed"}')):
        response = cloud.http(method, path, body, cloud.signed_in())
        assert response.status == 404 and "incident-none" in response.json()["message"], path


@pytest.mark.parametrize(("action", "body", "problem"), [
    ("statement", "{}", "target"), ("statement", '{"target": "everyone"}', "target"),
    ("statement", '{"target": "brand", "text": "k"}', "at least 2 characters"),
    ("statement", '{"target": "brand", "tone": "calm"}', "tone"),
    ("resolve", "{}", "outcome"), ("resolve", '{"outcome": "x"}', "outcome"),
    ("resolve", '{"outcome": "fixed\\u0000"}', "control character U+0000"), ("resolve", "not json", "Invalid JSON"),
])
def test_a_bad_incident_body_is_a_bad_request_and_changes_nothing(cloud, action, body, problem):
    incident_id = an_incident()
    response = cloud.http("POST", f"/incidents/{incident_id}/{action}", body, cloud.signed_in())
    assert response.status == 400 and response.json()["message"].startswith(f"bad {action} body")
    assert problem in response.json()["message"]
    shown = cloud.http("GET", f"/incidents/{incident_id}", headers=cloud.signed_in()).json()
    assert (shown["status"], shown["statements"]) == ("OPEN", [])


def test_a_resolved_incident_is_a_conflict_to_resolve_again_or_post_on(cloud):
    incident_id = an_incident()
    resolved = cloud.http("POST", f"/incidents/{incident_id}/resolve", '{"outcome": "the app is back up"}',
                          cloud.signed_in("lead"))
    assert resolved.status == 200 and resolved.json()["resolvedBy"] == "lead"
    for action, body in (("resolve", '{"outcome": "fixed again"}'), ("statement", '{"target": "brand"}')):
        response = cloud.http("POST", f"/incidents/{incident_id}/{action}", body, cloud.signed_in())
        assert response.status == 409 and "resolved" in response.json()["message"], action

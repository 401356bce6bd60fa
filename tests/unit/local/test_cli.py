"""Mirrors local/cli.py: what a support lead reads at the terminal."""
import json

import pytest
import responses

from local.cli import Api, describe, main, print_case, print_history, print_incidents, print_thread
from local.sign_in import CognitoSignIn, Session, SessionCache

CASE = {"caseId": "x-1", "platform": "x", "author": "@dana", "status": "OPEN", "step": "ACKNOWLEDGE",
        "waitingFor": "acknowledge", "escalationLevel": 0, "hardLimitReached": False,
        "deadline": "2026-11-23T10:00:00.000Z", "owner": None, "mentions": 1, "dmReceived": False,
        "closedReason": None, "text": "@brand three weeks and my parcel is still in transit", "priority": "high",
        "team": "deliveries", "flagged": None, "incident": "incident-delivery-20261123-094500",
        "draftReply": "Hi Dana, we're so sorry: three weeks and your parcel is still in transit.",
        "timeline": [{"at": "2026-11-23T09:50:00.000Z", "event": "breach warning", "step": "ACKNOWLEDGE", "level": 0,
                      "deadline": "2026-11-23T10:00:00.000Z"}]}


def test_show_prints_priority_team_incident_and_the_draft_to_start_from(capsys):
    print_case(CASE)
    out = capsys.readouterr().out
    assert "  priority    high   intent other   team deliveries   incident incident-delivery-20261123-094500\n" in out
    assert "  draft reply Hi Dana, we're so sorry: three weeks and your parcel is still in transit.\n" in out
    assert "FLAGGED" not in out


EARLIER = [
    {"caseId": "generic-7", "platform": "generic", "authorId": "3101", "author": "@dana_b", "linked": True,
     "openedAt": "2026-11-20T09:00:00.000Z", "status": "DISMISSED", "closedAt": "2026-11-20T09:30:00.000Z",
     "closedReason": "solved-elsewhere", "topic": None, "priority": "normal", "text": "where is it"},
    {"caseId": "x-3", "platform": "x", "authorId": "42", "author": "@dana", "linked": False,
     "openedAt": "2026-11-02T09:00:00.000Z", "status": "CLOSED", "closedAt": "2026-11-03T09:00:00.000Z",
     "closedReason": "resolved", "topic": "delivery", "priority": "high", "text": "parcel late"}]


def test_show_lists_the_customers_earlier_cases_newest_first_saying_which_came_from_a_linked_account(capsys):
    print_case({**CASE, "earlierCases": EARLIER})
    out = capsys.readouterr().out
    assert ("  earlier     2 case(s) of this customer, newest first\n"
            "    2026-11-20T09:00:00.000Z  generic-7  DISMISSED (solved-elsewhere)   topic -   priority normal   "
            "from generic @dana_b (linked)\n"
            "    2026-11-02T09:00:00.000Z  x-3  CLOSED (resolved)   topic delivery   priority high\n") in out
    print_case({**CASE, "earlierCases": []})
    assert "  earlier     none\n" in capsys.readouterr().out


def test_history_names_the_linked_accounts_and_lists_every_case(capsys):
    print_history({"platform": "x", "authorId": "42", "linkedAccounts": [{"platform": "generic", "authorId": "3101"}],
                   "cases": EARLIER})
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "author x 42  (linked: generic 3101)"
    assert [line.split()[1] for line in lines[1:]] == ["generic-7", "x-3"]
    print_history({"platform": "x", "authorId": "43", "linkedAccounts": [], "cases": []})
    assert capsys.readouterr().out == "author x 43\n  no cases\n"


def test_a_flagged_author_is_said_loudly(capsys):
    print_case({**CASE, "flagged": "2 earlier cases dismissed as abusive", "draftReply": None})
    out = capsys.readouterr().out
    assert "  FLAGGED     2 earlier cases dismissed as abusive: check before answering" in out
    assert "draft reply" not in out


FLAG = {"reason": "2 earlier cases dismissed as troll",
        "dismissedCases": [{"caseId": "x-5", "closedAt": "2026-11-21T10:00:00.000Z", "reason": "troll"},
                           {"caseId": "x-4", "closedAt": "2026-11-20T10:00:00.000Z", "reason": "troll"}],
        "clearances": [{"at": "2026-11-01T09:00:00.000Z", "by": "arn:aws:iam::123456789012:user/maria",
                        "reason": "a real customer"}]}


def test_show_of_a_flagged_case_lists_the_dismissals_that_count_and_the_clearances_before(capsys):
    print_case({**CASE, "flagged": FLAG["reason"], "flag": FLAG})
    assert ("  FLAGGED     2 earlier cases dismissed as troll: check before answering; no automatic notices\n"
            "    2026-11-21T10:00:00.000Z  x-5  dismissed as troll\n"
            "    2026-11-20T10:00:00.000Z  x-4  dismissed as troll\n"
            "    2026-11-01T09:00:00.000Z  flag cleared by maria: a real customer\n") in capsys.readouterr().out


def test_history_lists_the_flag_clearances_after_the_cases(capsys):
    print_history({"platform": "x", "authorId": "42", "linkedAccounts": [], "cases": [],
                   "flagClearances": [{"platform": "x", "authorId": "42", **FLAG["clearances"][0]}]})
    assert capsys.readouterr().out == ("author x 42\n  no cases\n"
                                       "  2026-11-01T09:00:00.000Z  flag cleared by maria: a real customer  (x 42)\n")


@pytest.mark.parametrize("was_flagged, unflagged, said", [
    (True, "x-9", ["clear-flag: done (x 42: only dismissals from now on count)",
                   "  open case x-9 is no longer flagged"]),
    (False, None, ["clear-flag: recorded, but x 42 was not flagged (earlier dismissals no longer count)"])])
def test_clear_flag_posts_the_reason_and_says_what_changed(monkeypatch, capsys, was_flagged, unflagged, said):
    calls = []

    def call(api, method, path, body=None):
        calls.append((method, path, body))
        return 200, {"author": {"platform": "x", "authorId": "42"}, "clearedAt": "2026-11-23T10:00:00.000Z",
                     "by": "maria", "reason": body["reason"], "wasFlagged": was_flagged, "unflaggedCase": unflagged}
    monkeypatch.setattr(Api, "call", call)
    assert main(["--as", "maria", "clear-flag", "x", "42", "--reason", "a real customer"]) == 0
    assert calls == [("POST", "/authors/x/42/flag-clearance", {"reason": "a real customer"})]
    assert capsys.readouterr().out.splitlines() == said


def test_clear_flag_needs_a_reason():
    with pytest.raises(SystemExit):
        main(["clear-flag", "x", "42"])


def test_a_breach_warning_reads_as_a_deadline_soon():
    assert describe(CASE["timeline"][0]) == ("deadline soon: warned whoever must act (ACKNOWLEDGE, due "
                                             "2026-11-23T10:00:00.000Z)")


@pytest.mark.parametrize("entry, line", [
    ({"event": "priority raised", "priority": "high", "why": "part of the app incident"},
     "priority raised to high: part of the app incident"),
    ({"event": "first tier told", "priority": "urgent", "level": 2}, "escalation level 2 told at once (urgent priority)"),
    ({"event": "hard-limit", "step": "ACKNOWLEDGE", "level": 1}, "HARD LIMIT: level 1 told again (ACKNOWLEDGE)"),
    ({"event": "flag cleared", "by": "maria", "reason": "a real customer", "flag": "2 earlier cases dismissed"},
     'maria: flag cleared "a real customer"'),
    ({"event": "dm invitation not posted", "reason": "the acknowledgement already invited a DM"},
     "no DM invitation posted: the acknowledgement already invited a DM"),
])
def test_policy_events_read_as_sentences(entry, line):
    assert describe({"at": "2026-11-23T09:50:00.000Z", **entry}) == line


# -- private cases -----------------------------------------------------------------------------------------------
PRIVATE_CASE = {**CASE, "caseId": "meta-m_1", "platform": "meta", "visibility": "private", "text": None,
                "draftReply": None, "privateMessages": 2,
                "timeline": [{"at": "2026-11-23T09:40:00.000Z", "event": "case opened", "author": "Dana W",
                              "private": True}]}


def test_show_of_a_private_case_counts_the_messages_and_points_to_the_thread_without_their_words(capsys):
    print_case(PRIVATE_CASE)
    out = capsys.readouterr().out
    assert "  said        (privately: 2 message(s); ./socialcare thread meta-m_1)\n" in out
    assert "  said        None" not in out
    assert "    2026-11-23T09:40:00.000Z  case opened: Dana W wrote privately\n" in out


def test_show_of_a_public_case_still_prints_what_they_said(capsys):
    print_case({**CASE, "visibility": "public"})
    assert "  said        @brand three weeks and my parcel is still in transit\n" in capsys.readouterr().out


def test_a_case_opened_by_a_dm_reads_as_written_privately_and_a_post_as_said():
    assert describe({"event": "case opened", "author": "Dana W", "private": True}) == (
        "case opened: Dana W wrote privately")
    assert describe({"event": "case opened", "author": "@dana", "text": "parcel late"}) == (
        'case opened: @dana said "parcel late"')


def test_thread_prints_the_customers_messages_oldest_first_and_the_draft(capsys):
    # Given a private case's thread as GET /cases/{id}/private-messages returns it
    print_thread({"caseId": "meta-m_1", "visibility": "private", "draftReply": "Hi Dana, we're so sorry.",
                  "privateMessages": [{"at": "2026-11-23T09:40:00.000Z", "text": "my parcel is lost"},
                                      {"at": "2026-11-23T09:42:00.000Z", "text": "order A1234, ann@example.com"}]})
    # Then the support lead reads every message in the order they came, then the draft to start from
    assert capsys.readouterr().out == (
        "case meta-m_1  (private): the customer's private messages, oldest first\n"
        "  2026-11-23T09:40:00.000Z  my parcel is lost\n"
        "  2026-11-23T09:42:00.000Z  order A1234, ann@example.com\n"
        "  draft reply Hi Dana, we're so sorry.\n")


def test_thread_without_messages_says_none_and_shows_no_draft(capsys):
    print_thread({"caseId": "x-1", "visibility": "public", "privateMessages": []})
    assert capsys.readouterr().out == ("case x-1  (public): the customer's private messages, oldest first\n"
                                       "  none\n")


# -- incidents ----------------------------------------------------------------------------------------------------
def test_incidents_list_one_line_each_with_its_people_reach_and_the_tier_told(capsys):
    print_incidents([{"incidentId": "incident-app-20261123-100000", "status": "OPEN", "topic": "app", "authors": 12,
                      "reach": 48210, "caseCount": 12, "levelTold": 2, "openedAt": "2026-11-23T10:00:00.000Z"}])
    assert capsys.readouterr().out.splitlines()[1] == (
        "incident-app-20261123-100000   OPEN      app              12     48210    12   L2  2026-11-23T10:00:00.000Z")
    print_incidents([])
    assert capsys.readouterr().out == "no incidents\n"


def test_a_case_of_a_resolved_incident_shows_its_follow_up_draft_and_the_resolution_on_its_timeline(capsys):
    print_case({**CASE, "followUpDraft": "Hi Dana, an update on the trouble with delivery: parcels move again."})
    assert ("  follow-up   Hi Dana, an update on the trouble with delivery: parcels move again.  (its incident is "
            "resolved: a draft for this case)\n") in capsys.readouterr().out
    assert describe({"event": "incident resolved", "incident": "incident-delivery-1", "outcome": "parcels move again",
                     "by": "arn:aws:iam::123456789012:user/lead"}) == "its incident resolved by lead: parcels move again"
    assert describe({"event": "grouped in an incident", "incident": "incident-delivery-1", "topic": "delivery"}) == (
        "grouped in the delivery incident incident-delivery-1")


def test_the_incident_commands_against_the_local_server(capsys):
    from local.server import LocalServer
    from tests.conftest import LONG_CLOCKS, delivery, mention, signed_headers
    with LocalServer(port=0, clocks=LONG_CLOCKS) as server:
        for n in (1, 2, 3):
            body = delivery(mention(f"cli-{n}", f"91{n}", text="@brand the app is down, can't log in"),
                            delivery_id=f"cli-{n}")
            assert server.cloud.http("POST", "/webhooks/generic", body, signed_headers(body)).status == 200
        cloud = server.cloud
        cloud.wait_for(lambda: [i for i in cloud.http("GET", "/incidents", headers=cloud.signed_in()).json()[
            "incidents"] if i["caseCount"] == 3], what="the incident with its three cases")
        api = ["--api", server.url, "--as", "lead"]
        assert main([*api, "incidents"]) == 0
        incident_id = capsys.readouterr().out.splitlines()[1].split()[0]
        assert incident_id.startswith("incident-app-")
        assert main([*api, "incident", incident_id]) == 0
        shown = capsys.readouterr().out
        assert f"incident {incident_id}  (topic app)" in shown and "  people      3   reach 750 followers" in shown
        assert main([*api, "statement", incident_id, "--target", "brand"]) == 0
        assert "  generic  posted as sandbox-status-" in capsys.readouterr().out
        assert main([*api, "statement", incident_id, "--target", "brand"]) == 0
        assert "  generic  posted (earlier) as sandbox-status-" in capsys.readouterr().out
        assert main([*api, "statement", incident_id, "--target", "replies", "--text", "Call 0800 123 4567"]) == 1
        assert "error 422" in capsys.readouterr().err
        assert main([*api, "resolve-incident", incident_id, "--outcome", "the app is back up"]) == 0
        out = capsys.readouterr().out
        assert out.startswith(f"resolved {incident_id}: the app is back up\n") and out.count(" drafted") == 3
        assert main([*api, "resolve-incident", incident_id, "--outcome", "again"]) == 1
        assert "error 409" in capsys.readouterr().err
        assert main([*api, "incidents", "--status", "RESOLVED"]) == 0
        assert incident_id in capsys.readouterr().out


def test_the_report_prints_a_line_a_subject(capsys):
    from local.cli import print_report
    from socialcare.cases.report import summarize
    facts = [{"status": "CLOSED", "outcome": "resolved", "first_response_minutes": 12,
              "first_response_business_minutes": 12, "acknowledgement_sla_met": True, "minutes_to_resolve": 180,
              "highest_escalation_level": 1, "platform": "x", "team": "support", "topic": "delivery", "csat_score": 4, "csat_asked": True,
              "opened_day": "2026-11-24"}]
    print_report(summarize(facts, period={"from": "2026-11-23", "to": "2026-11-29", "days": 7}, sla_minutes=60))
    out = capsys.readouterr().out
    assert "report 2026-11-23 to 2026-11-29 (7 days)" in out
    assert "1 answered, 100% inside the SLA of 60 business min; p50 12.0 min" in out and "level 1: 1; hard limits 0" in out
    assert "delivery +1 (against the 7 days before)" in out and "1 asked, 1 scores, average 4.0" in out
    assert "look at       topic delivery is rising: 1 cases against 0 before" in out


def test_the_report_as_html_is_written_to_the_file_and_its_path_printed(monkeypatch, capsys, tmp_path):
    from socialcare.cases.report import summarize
    facts = [{"status": "OPEN", "first_response_minutes": 90, "first_response_business_minutes": 90,
              "acknowledgement_sla_met": False, "platform": "x", "team": "support", "topic": "delivery",
              "opened_day": "2026-11-24"}]
    calls = []

    def call(api, method, path, body=None):
        calls.append((method, path))
        return 200, summarize(facts, period={"from": "2026-11-23", "to": "2026-11-29", "days": 7}, sla_minutes=60)
    monkeypatch.setattr(Api, "call", call)
    monkeypatch.chdir(tmp_path)
    assert main(["report", "--from", "2026-11-23", "--to", "2026-11-29", "--html", "week.html"]) == 0
    assert calls == [("GET", "/reports/summary?from=2026-11-23&to=2026-11-29")]
    assert capsys.readouterr().out == f"{tmp_path / 'week.html'}\n"
    page = (tmp_path / "week.html").read_text()
    assert "<li>platform x: 0% of first responses inside the SLA</li>" in page and "<svg" in page


# -- a deployed stack ----------------------------------------------------------------------------------------------
COGNITO = "https://cognito-idp.eu-west-1.amazonaws.com/"


def test_the_cli_signs_in_to_a_deployed_stack_once_and_keeps_the_session_for_the_next_command(monkeypatch, tmp_path,
                                                                                           capsys):
    import local.cli
    monkeypatch.setattr(local.cli, "_stack_outputs", lambda stack: {
        "region": "eu-west-1", "ApiUrl": "https://api.example", "DeskClientId": "desk-client"})
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setenv("SOCIALCARE_PASSWORD", "Ann-own-password-1")
    with responses.RequestsMock() as mocked:
        sign_in = mocked.post(COGNITO, json={"AuthenticationResult": {
            "IdToken": "id-token-1", "RefreshToken": "refresh-1", "ExpiresIn": 3600, "TokenType": "Bearer"}})
        listing = mocked.get("https://api.example/cases?status=OPEN&limit=50", json={"cases": []})
        assert main(["--stack", "prod", "--as", "ann", "list"]) == 0
        assert main(["--stack", "prod", "--as", "ann", "list"]) == 0
        # Cognito was asked once, for ann, with the app client; both calls carried her ID token
        assert sign_in.call_count == 1
        body = json.loads(mocked.calls[0].request.body)
        assert body == {"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": "desk-client",
                        "AuthParameters": {"USERNAME": "ann", "PASSWORD": "Ann-own-password-1"}}
        assert mocked.calls[0].request.headers["X-Amz-Target"] == "AWSCognitoIdentityProviderService.InitiateAuth"
        assert [c.request.headers["Authorization"] for c in listing.calls] == ["Bearer id-token-1"] * 2
    session = tmp_path / "socialcare" / "prod.json"
    assert json.loads(session.read_text())["user"] == "ann" and oct(session.stat().st_mode & 0o777) == "0o600"
    assert main(["--stack", "prod", "--as", "ann", "sign-out"]) == 0
    assert not session.exists()
    assert "no cases" in capsys.readouterr().out


def test_the_cli_renews_an_expired_session_from_its_refresh_token(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    SessionCache("prod").save(Session("ann", "old-token", "refresh-1", expires_at=0))
    api = Api("https://api.example", "ann", "prod", CognitoSignIn(COGNITO, "desk-client"))
    with responses.RequestsMock() as mocked:
        mocked.post(COGNITO, json={"AuthenticationResult": {"IdToken": "new-token", "ExpiresIn": 3600}})
        assert api.id_token() == "new-token"
        assert json.loads(mocked.calls[0].request.body)["AuthFlow"] == "REFRESH_TOKEN_AUTH"
    assert SessionCache("prod").load("ann").refresh_token == "refresh-1"  # Cognito sends no new one

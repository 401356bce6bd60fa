"""Mirrors layers/domain/socialcare/cases/incidents.py (named apart from care/test_incidents.py, which pytest would
take for the same module): an incident as the leads work it (its view, the holding statement at most once per
channel, resolving with follow-ups), on the tables of template.yaml in moto. Posts go to the sandbox, which records
them."""
import time
import uuid
from dataclasses import replace

import pytest

from socialcare.care.policy import policy
from socialcare.cases import incidents, lifecycle, service
from socialcare.errors import (
    ChannelUnavailableError,
    IncidentNotFoundError,
    IncidentResolvedError,
    ReplyRejectedError,
)
from socialcare.platforms import sandbox
from socialcare.storage.cases import CasesRepository
from socialcare.storage.incidents import Incident, IncidentsRepository, Member
from socialcare.storage.records import CASE_RECORD, CaseRecord

OPENED = "2026-11-23T10:00:00.000000Z"
NAMES = {1: "Ann Lee", 2: "Bob", 3: "Cleo Diaz", 4: "Dan", 5: "Eve"}
RUN = uuid.uuid4().hex[:6]  # the sandbox's record of posts lasts the process: each test's cases are its own


def a_case(repo: CasesRepository, incident_id: str, n: int, platform: str = "generic", **fields) -> str:
    case_id = f"{platform}-{incident_id.rsplit('-', 1)[-1]}-{n}"
    values = {"status": lifecycle.OPEN, "deadline": "2026-11-23T11:00:00.000Z", "author_key": f"{platform}#{case_id}",
              "opened_at": f"2026-11-23T09:5{n}:00.000Z", "platform": platform, "author_handle": f"@person{n}",
              "author_name": NAMES[n], "reply_to_id": f"post-{n}",
              "summary_text": "@brand the app is down again, I can't log in", "step": lifecycle.ACKNOWLEDGE,
              "escalation_level": 0, "topic": "app", "incident_id": incident_id, **fields}
    repo.open(CaseRecord(case_id, CASE_RECORD, **values))
    IncidentsRepository().group_case(incident_id, case_id, platform, OPENED)
    return case_id


@pytest.fixture
def incident(repo):
    """An open incident about the app with three people, each with their case: two generic ones, one on X."""
    incident_id = f"incident-app-{RUN}{uuid.uuid4().hex[:6]}"
    incidents_repo = IncidentsRepository()
    assert incidents_repo.open_incident(Incident(incident_id, "app", OPENED, OPENED, "generic#m1"), None, OPENED,
                                        "We know some of you are having trouble with app right now.")
    for n, platform in ((1, "generic"), (2, "generic"), (3, "x")):
        a_case(repo, incident_id, n, platform)
        incidents_repo.join(incident_id, Member(f"{platform}#{n}", f"2026-11-23T09:5{n}:00.000000Z", 100 * n,
                                                f"@person{n}", platform))
    return incident_id


def case(incident_id: str, n: int, platform: str = "generic") -> str:
    return f"{platform}-{incident_id.rsplit('-', 1)[-1]}-{n}"


def posts(incident_id: str, kind: str) -> list[dict]:
    """The sandbox's posts for the incident: its statement on the brand's channels, or a kind on its cases' threads."""
    suffix = incident_id.rsplit("-", 1)[-1]
    if kind == "statement":
        return [post for post in sandbox.SENT if post["key"].startswith(f"{incident_id}:statement:")]
    return [post for post in sandbox.SENT if f"-{suffix}-" in post["key"] and post["key"].endswith(f":{kind}")]


# -- reading ----------------------------------------------------------------------------------------------------------
def test_the_view_shows_its_cases_people_growth_and_reach(incident):
    view = incidents.view(incident)
    assert (view["topic"], view["status"], view["authors"], view["reach"], view["caseCount"]) == ("app", "OPEN", 3,
                                                                                                 600, 3)
    assert [(c["caseId"], c["status"], c["step"]) for c in view["cases"]] == [
        (case(incident, 1), "OPEN", "ACKNOWLEDGE"), (case(incident, 2), "OPEN", "ACKNOWLEDGE"),
        (case(incident, 3, "x"), "OPEN", "ACKNOWLEDGE")]
    assert view["growth"] == [{"at": "2026-11-23T09:51:00.000Z", "authors": 1},
                              {"at": "2026-11-23T09:52:00.000Z", "authors": 2},
                              {"at": "2026-11-23T09:53:00.000Z", "authors": 3}]
    assert view["people"][2] == {"author": "@person3", "platform": "x", "joinedAt": "2026-11-23T09:53:00.000Z",
                                 "followers": 300}
    assert (view["platforms"], view["tiersTold"], view["statements"], view["outcome"]) == (["generic", "x"], [], [],
                                                                                          None)
    assert incident in [i["incidentId"] for i in incidents.list_incidents("OPEN", 50)]
    assert incident not in [i["incidentId"] for i in incidents.list_incidents("RESOLVED", 50)]


def test_an_unknown_incident_is_not_found(repo):
    with pytest.raises(IncidentNotFoundError):
        incidents.view("incident-none")
    with pytest.raises(IncidentNotFoundError):
        incidents.post_statement("incident-none", "brand", "", "lead")
    with pytest.raises(IncidentNotFoundError):
        incidents.resolve("incident-none", "fixed", "lead")


# -- the holding statement --------------------------------------------------------------------------------------------
def test_the_brands_statement_goes_once_on_each_platform_the_incident_spans(incident):
    first = incidents.post_statement(incident, "brand", "", "lead")
    assert first["text"] == "We know some of you are having trouble with app right now."
    assert [(r["platform"], r["state"], r["alreadyPosted"]) for r in first["results"]] == [
        ("generic", "posted", False), ("x", "posted", False)]
    again = incidents.post_statement(incident, "brand", "", "lead")
    assert [(r["platform"], r["state"], r["alreadyPosted"]) for r in again["results"]] == [
        ("generic", "posted", True), ("x", "posted", True)]
    assert len(posts(incident, "statement")) == 2
    assert [(s["platform"], s["state"], s["by"]) for s in incidents.view(incident)["statements"]] == [
        ("generic", "posted", "lead"), ("x", "posted", "lead")]


def test_a_reply_goes_once_on_each_open_cases_thread_and_is_on_its_timeline(incident, repo):
    service.close(case(incident, 2), "dismissed", repo=repo)
    text = "We know the app is down for some of you; on it."
    first = incidents.post_statement(incident, "replies", text, "lead")
    assert [(r["caseId"], r["state"]) for r in first["results"]] == [(case(incident, 1), "posted"),
                                                                     (case(incident, 3, "x"), "posted")]
    assert first["complete"] is True
    second = incidents.post_statement(incident, "replies", text, "lead")
    assert all(r["alreadyPosted"] for r in second["results"])
    assert len(posts(incident, "incident-statement")) == 2
    [posted] = [e for e in repo.timeline(case(incident, 1)) if e.event == "posted publicly"]
    assert posted.detail.as_dict()["kind"] == "incident-statement"


def test_a_private_case_gets_the_statement_by_dm_and_a_google_review_is_skipped(incident, repo):
    private = a_case(repo, incident, 4, visibility=lifecycle.PRIVATE, summary_text=None, dm_sender_id="dm-4")
    review = a_case(repo, incident, 5, "google")
    result = incidents.post_statement(incident, "replies", "", "lead")
    states = {r["caseId"]: (r["state"], r.get("reason", "")) for r in result["results"]}
    assert states[private][0] == "sent"
    assert states[review][0] == "skipped" and "one reply" in states[review][1]
    assert [e.event for e in repo.timeline(private)] == ["sent privately"]
    brand = incidents.post_statement(incident, "brand", "", "lead")
    [google] = [r for r in brand["results"] if r["platform"] == "google"]
    assert google["state"] == "skipped" and "by hand" in google["reason"]


def test_a_statement_the_guardrails_refuse_posts_nothing(incident):
    with pytest.raises(ReplyRejectedError) as refused:
        incidents.post_statement(incident, "replies", "Sorry! Call us on 0800 123 4567 for help.", "lead")
    assert {r.rule for r in refused.value.rejections} == {"phone redirect"}
    assert len(refused.value.rejections) == len(set(refused.value.rejections))  # each rule and words once
    with pytest.raises(ReplyRejectedError, match="too long"):  # X takes 280 characters
        incidents.post_statement(incident, "brand", "We are on it. " * 25, "lead")
    assert posts(incident, "statement") == [] and posts(incident, "incident-statement") == []
    assert incidents.view(incident)["statements"] == []


def test_a_request_out_of_time_posts_nothing_more_and_the_next_one_posts_the_rest(incident):
    late = incidents.post_statement(incident, "replies", "", "lead", deadline=time.monotonic() - 1)
    assert {r["state"] for r in late["results"]} == {"not-reached"} and late["complete"] is False
    assert incidents.post_statement(incident, "replies", "", "lead")["complete"] is True
    assert len(posts(incident, "incident-statement")) == 3


def test_a_platform_that_cannot_take_it_now_leaves_the_channel_free_for_the_next_try(incident, monkeypatch):
    def unavailable(self, text, key):
        raise ChannelUnavailableError("X failed the post (503)")
    monkeypatch.setattr(sandbox.SandboxPlatform, "post_status", unavailable)
    result = incidents.post_statement(incident, "brand", "", "lead")
    assert {r["state"] for r in result["results"]} == {"unavailable"} and result["complete"] is False
    monkeypatch.undo()
    assert {r["state"] for r in incidents.post_statement(incident, "brand", "", "lead")["results"]} == {"posted"}


# -- resolving --------------------------------------------------------------------------------------------------------
def test_resolving_drafts_a_personal_follow_up_on_each_open_case_and_closes_the_incident(incident, repo):
    service.close(case(incident, 2), "dismissed", repo=repo)
    result = incidents.resolve(incident, "the app is back up for everyone since 11:20", "lead")
    assert (result["status"], result["outcome"], result["resolvedBy"]) == (
        "RESOLVED", "the app is back up for everyone since 11:20", "lead")
    assert [(f["caseId"], f["state"]) for f in result["followUps"]] == [(case(incident, 1), "drafted"),
                                                                        (case(incident, 3, "x"), "drafted")]
    draft = service.view(case(incident, 1), repo)["followUpDraft"]
    assert draft == ("Hi Ann, an update on the trouble with app you told us about (\"the app is down again, you can't "
                     "log in\"): the app is back up for everyone since 11:20. Thanks for bearing with us, and sorry "
                     "again.")
    assert "followUpDraft" not in service.view(case(incident, 2), repo)  # closed before: none
    # nothing was posted, and the cases stay in their steps: each one's agent still closes it
    assert posts(incident, "incident-follow-up") == []
    assert service.view(case(incident, 3, "x"), repo)["step"] == "ACKNOWLEDGE"
    assert [e.event for e in repo.timeline(case(incident, 3, "x"))] == ["incident resolved"]
    view = incidents.view(incident)
    assert (view["status"], view["outcome"], view["resolvedBy"]) == ("RESOLVED", result["outcome"], "lead")
    assert incident in [i["incidentId"] for i in incidents.list_incidents("RESOLVED", 50)]
    with pytest.raises(IncidentResolvedError):
        incidents.resolve(incident, "again", "lead")
    with pytest.raises(IncidentResolvedError):
        incidents.post_statement(incident, "brand", "", "lead")


def test_an_outcome_that_breaks_a_guardrail_changes_nothing(incident):
    with pytest.raises(ReplyRejectedError) as refused:
        incidents.resolve(incident, "fixed; if not, ring our support line on 0800 123 4567", "lead")
    assert "phone redirect" in {r.rule for r in refused.value.rejections}
    assert incidents.view(incident)["status"] == "OPEN"


def test_the_follow_up_quotes_nothing_of_theirs_when_that_would_be_too_long_for_x(incident, repo):
    outcome = ("a fix is live for every account: " + "everything works again, " * 5).strip(", ")
    incidents.resolve(incident, outcome, "lead")
    on_x = service.view(case(incident, 3, "x"), repo)["followUpDraft"]
    assert len(on_x) <= 280 and on_x.startswith("Hi Cleo, an update on the trouble with app you told us about: a fix")
    assert "(\"the app is down" in service.view(case(incident, 1), repo)["followUpDraft"]  # generic takes 5000


def test_with_the_policy_switch_each_open_case_gets_its_follow_up_posted_once(incident, repo, monkeypatch):
    switched = replace(policy(), pile_on=replace(policy().pile_on, resolve_follow_ups="post"))
    monkeypatch.setattr(incidents, "policy", lambda: switched)
    result = incidents.resolve(incident, "the app is back up", "lead")
    assert [(f["caseId"], f["state"]) for f in result["followUps"]] == [
        (case(incident, 1), "posted"), (case(incident, 2), "posted"), (case(incident, 3, "x"), "posted")]
    assert len(posts(incident, "incident-follow-up")) == 3
    view = service.view(case(incident, 1), repo)
    assert "followUpDraft" not in view and view["step"] == "ACKNOWLEDGE"
    [posted] = [e for e in view["timeline"] if e["event"] == "posted publicly"]
    assert posted["kind"] == "incident-follow-up" and posted["text"].startswith("Hi Ann, an update")

"""Asking how we did, through the real state machine: once, privately, after the follow-up; the customer's answer, a DM
after the case closed, is the case's score and opens nothing; a low score tells the team lead; anything else is a
normal DM; praise is never asked."""
from __future__ import annotations

from socialcare.care.policy import policy
from socialcare.platforms import sandbox
from tests.conftest import mention
from tests.integration.helpers import act, customer_dm, deliver, escalations, run_to_acknowledged, show, \
    wait_until_waiting


def resolved_complaint(cloud, mention_id: str, author_id: str) -> str:
    """A complaint through all five steps (the customer wrote to us privately), followed up in public, closed."""
    case_id = run_to_acknowledged(cloud, mention_id, author_id)
    wait_until_waiting(cloud, case_id, "customer-dm")
    customer_dm(cloud, f"{mention_id}-dm", author_id=author_id, text="Email me please")
    wait_until_waiting(cloud, case_id, "claim")
    assert act(cloud, case_id, "claim", owner="bob").status == 200
    wait_until_waiting(cloud, case_id, "resolve")
    assert act(cloud, case_id, "resolve", summary="Sent a new one", publicNote="A replacement is on its way.").status \
        == 200
    wait_until_waiting(cloud, case_id, "follow-up")
    assert act(cloud, case_id, "follow-up").status == 200
    assert cloud.wait_for_status(case_id)["status"] == "SUCCEEDED"
    return case_id


def open_cases(cloud) -> list[str]:
    return [c["caseId"] for c in cloud.http("GET", "/cases", headers=cloud.signed_in()).json()["cases"]]


def test_a_resolved_complaints_customer_is_asked_once_privately_and_their_4_is_the_score(cloud):
    # Given a complaint resolved and followed up in public
    case_id = resolved_complaint(cloud, "9101", "7101")
    # Then after the follow-up, and before the case closed, the customer was asked by DM, once, in the policy's words
    path = cloud.path(case_id)
    assert path[path.index("Post Public Follow-Up"):] == ["Post Public Follow-Up", "Ask How We Did", "Close Case",
                                                          "Case Closed"]
    asked = [s for s in sandbox.SENT if s["key"] == f"{case_id}:csat-question"]
    assert [(s["channel"], s["target"], s["text"]) for s in asked] == [("dm", "7101", policy().csat.question)]
    case = show(cloud, case_id)
    assert case["csatAskedAt"] and case["csatScore"] is None
    assert [e["kind"] for e in case["timeline"] if e["event"] == "sent privately"] == ["handoff-confirmation",
                                                                                       "csat-question"]
    # When they answer "4" by DM after the case closed
    customer_dm(cloud, "9101-score", author_id="7101", text="4")
    # Then it is the case's score, on its timeline, and no case opens for it; the team lead hears nothing
    case = show(cloud, case_id)
    assert case["csatScore"] == 4
    assert "customer rated us 4/5" in [e["event"] for e in case["timeline"]]
    assert open_cases(cloud) == [] and cloud.http("GET", "/cases/generic-9101-score", headers=cloud.signed_in()).status == 404
    assert [n for n in escalations(cloud, case_id) if "csatScore" in n["message"]] == []
    # And a second answer changes nothing: it is a normal DM (a new private case)
    customer_dm(cloud, "9101-again", author_id="7101", text="5")
    assert show(cloud, case_id)["csatScore"] == 4
    assert open_cases(cloud) == ["generic-9101-again"]
    # And the report counts one asked, one answered: a 4
    csat = cloud.http("GET", "/reports/summary", headers=cloud.signed_in()).json()["csat"]
    assert (csat["asked"], csat["answered"], csat["average"], csat["distribution"]["4"]) == (1, 1, 4, 1)


def test_a_score_of_1_tells_the_team_lead_with_the_case(cloud):
    case_id = resolved_complaint(cloud, "9102", "7102")
    customer_dm(cloud, "9102-score", author_id="7102", text="1/5")
    [told] = [n for n in escalations(cloud, case_id) if "csatScore" in n["message"]]
    assert told["message"]["csatScore"] == 1 and told["message"]["reason"] == "the customer rated us 1/5"
    assert told["message"]["text"] == "@brand my order #A1 arrived broken"  # the case's briefing
    assert told["attributes"]["level"] == "1" and told["subject"] == f"Low score 1/5: case {case_id}"
    assert show(cloud, case_id)["csatScore"] == 1 and open_cases(cloud) == []


def test_an_answer_that_is_not_a_number_is_a_normal_dm_that_opens_a_private_case(cloud):
    case_id = resolved_complaint(cloud, "9103", "7103")
    customer_dm(cloud, "9103-words", author_id="7103", text="4 but the box was dented again")
    assert show(cloud, case_id)["csatScore"] is None
    new_case = wait_until_waiting(cloud, "generic-9103-words", "acknowledge")
    assert new_case["visibility"] == "private"


def test_praise_is_never_asked(cloud):
    # Given praise, answered in public (closed at once)
    deliver(cloud, mention("9104", "7104", text="@brand thanks, great service and lovely staff"), delivery_id="d-9104")
    wait_until_waiting(cloud, "generic-9104", "acknowledge")
    assert act(cloud, "generic-9104", "answer", replyText="Thanks so much Ann, we'll tell the team!").status == 200
    assert cloud.wait_for_status("generic-9104")["status"] == "SUCCEEDED"
    # Then nobody asked how we did, and a "5" from them is a normal DM
    assert "Ask How We Did" not in cloud.path("generic-9104")
    assert [s for s in sandbox.SENT if s["key"].endswith(":csat-question") and s["target"] == "7104"] == []
    customer_dm(cloud, "9104-score", author_id="7104", text="5")
    assert show(cloud, "generic-9104")["csatScore"] is None
    assert open_cases(cloud) == ["generic-9104-score"]


def test_a_google_reviews_stars_before_and_after_our_reply_are_recorded_instead(make_cloud, monkeypatch):
    import responses

    from socialcare.config import settings
    from socialcare.platforms import google_reviews
    from tests.unit.socialcare.platforms.test_google_reviews import LOCATION, REVIEWS_URL, TOKEN_URL, page, review

    monkeypatch.setenv("OUTBOUND_MODE", "live")
    monkeypatch.setenv("GOOGLE_REVIEW_LOCATIONS", LOCATION)
    settings.cache_clear()
    google_reviews.forget_token()
    cloud = make_cloud()
    priya = review("R7", minutes_ago=3, stars="TWO", comment="Waited 40 minutes at click & collect.")
    try:
        with responses.RequestsMock(assert_all_requests_are_fired=True) as google:
            google.post(TOKEN_URL, json={"access_token": "ya29.local", "expires_in": 3599, "token_type": "Bearer"})
            google.get(REVIEWS_URL, json=page(priya))
            google.put(f"https://mybusiness.googleapis.com/v4/{priya['name']}/reply", json={"comment": "ok"})
            # Given a two-star review, polled, opened and answered on the review
            cloud.invoke("PollGoogleReviewsFunction", {"maxPages": 5})
            cloud.deliver_queue()
            [case_id] = [e["name"] for e in cloud.executions()]
            assert show(cloud, case_id)["reviewRating"] == {"before": 2, "after": None}
            wait_until_waiting(cloud, case_id, "acknowledge")
            assert act(cloud, case_id, "acknowledge", replyText="Priya, we're so sorry you waited.").status == 200
            wait_until_waiting(cloud, case_id, "claim")
            # When a later poll reads the same review, edited to four stars
            edited = review("R7", minutes_ago=1, stars="FOUR", comment="Waited, but they made it right.")
            google.replace(responses.GET, REVIEWS_URL, json=page(edited))
            cloud.invoke("PollGoogleReviewsFunction", {"maxPages": 5})
            cloud.deliver_queue()
            # Then the case records the stars before and after our reply; the review was never asked anything
            case = show(cloud, case_id)
            assert case["reviewRating"] == {"before": 2, "after": 4}
            assert "review rated 4 stars after our reply (was 2)" in [e["event"] for e in case["timeline"]]
            reviews = cloud.http("GET", "/reports/summary", headers=cloud.signed_in()).json()["csat"]["reviews"]
            assert reviews == {"answered": 1, "averageBefore": 2, "averageAfter": 4, "raised": 1, "lowered": 0}
    finally:
        google_reviews.forget_token()
        settings.cache_clear()

"""The customer's history on the local cloud: a case lists the author's earlier cases, the authors route lists them
all, and an account an agent links to the author brings its cases along."""
from __future__ import annotations

import json

from tests.conftest import mention
from tests.integration.helpers import act, customer_dm, deliver, run_to_acknowledged, show, wait_until_waiting
from tests.integration.test_platform_webhooks import x_delivery

PRIVATE_DM = "Email me: ann@example.com or call 555-0100"
PRIVATE_SUMMARY = "Refunded to card ending 4242"


def resolved_case(cloud, mention_id: str, author_id: str) -> str:
    case_id = run_to_acknowledged(cloud, mention_id, author_id)
    wait_until_waiting(cloud, case_id, "customer-dm")
    customer_dm(cloud, f"{mention_id}-dm", author_id, text=PRIVATE_DM)
    for action, fields in (("claim", {}), ("resolve", {"summary": PRIVATE_SUMMARY, "publicNote": "Refund sent."}),
                           ("follow-up", {})):
        wait_until_waiting(cloud, case_id, action)
        assert act(cloud, case_id, action, **fields).status == 200
    return closed(cloud, case_id)


def dismissed_case(cloud, mention_id: str, author_id: str, text: str = "@brand where is my parcel?") -> str:
    case_id = f"generic-{mention_id}"
    deliver(cloud, mention(mention_id, author_id, text=text), delivery_id=f"d-{mention_id}")
    wait_until_waiting(cloud, case_id, "acknowledge")
    assert act(cloud, case_id, "dismiss", reason="solved-elsewhere").status == 200
    return closed(cloud, case_id)


def closed(cloud, case_id: str) -> str:
    cloud.wait_for(lambda: show(cloud, case_id)["status"] != "OPEN", what=f"{case_id} closed")
    return case_id


def author_cases(cloud, platform: str, author_id: str):
    return cloud.http("GET", f"/authors/{platform}/{author_id}/cases", headers=cloud.signed_in())


def link(cloud, platform: str, author_id: str, body: dict | str):
    return cloud.http("POST", f"/authors/{platform}/{author_id}/links",
                      body if isinstance(body, str) else json.dumps(body), cloud.signed_in())


def test_a_third_case_lists_the_authors_two_earlier_cases_newest_first(cloud):
    # Given an author whose first case was resolved and whose second was dismissed
    first = resolved_case(cloud, "h1", "3001")
    second = dismissed_case(cloud, "h2", "3001")
    # When they write a third time
    deliver(cloud, mention("h3", "3001", text="@brand and now the app logs me out"), delivery_id="d-h3")
    third = wait_until_waiting(cloud, "generic-h3", "acknowledge")
    # Then the new case shows both earlier cases, newest first, with how each ended, and nothing private
    earlier = third["earlierCases"]
    assert [(c["caseId"], c["status"], c["closedReason"]) for c in earlier] == [
        (second, "DISMISSED", "solved-elsewhere"), (first, "CLOSED", "resolved")]
    assert earlier[0]["openedAt"] > earlier[1]["openedAt"]
    assert [c["priority"] for c in earlier] == ["high", "normal"]  # the second was a repeated contact
    assert {(c["platform"], c["authorId"], c["author"], c["linked"]) for c in earlier} == {
        ("generic", "3001", "@ann", False)}
    assert earlier[0]["topic"] == "delivery"
    for private in ("ann@example.com", "555-0100", "4242"):
        assert private not in json.dumps(earlier)
    # And an earlier case lists only what came before it
    assert [c["caseId"] for c in show(cloud, second)["earlierCases"]] == [first]
    assert show(cloud, first)["earlierCases"] == []
    # And the authors route lists all three, newest first
    response = author_cases(cloud, "generic", "3001")
    assert response.status == 200
    assert [c["caseId"] for c in response.json()["cases"]] == ["generic-h3", second, first]
    assert response.json()["linkedAccounts"] == []


def test_a_linked_accounts_case_appears_in_the_history_saying_where_it_came_from(cloud, load_event):
    # Given a case of a listening tool's author, and an X mention of the same person, linked by an agent
    earlier = dismissed_case(cloud, "h4", "3101")
    assert x_delivery(cloud, load_event, "x_aaa_tweet_mention").status == 200
    cloud.deliver_queue()
    tweet = json.loads(load_event("receive_webhook.x_aaa_tweet_mention")["body"])["tweet_create_events"][0]
    x_case, x_author = f"x-{tweet['id_str']}", tweet["user"]["id_str"]
    wait_until_waiting(cloud, x_case, "acknowledge")
    response = link(cloud, "x", x_author, {"platform": "generic", "authorId": "3101"})
    assert response.status == 200
    assert response.json() == {"author": {"platform": "x", "authorId": x_author},
                               "linked": {"platform": "generic", "authorId": "3101"}, "alreadyLinked": False}
    # When an agent reads the X case
    case = show(cloud, x_case)
    # Then the linked account's case is there, saying which account it came from
    assert [(c["caseId"], c["platform"], c["authorId"], c["author"], c["linked"]) for c in case["earlierCases"]] == [
        (earlier, "generic", "3101", "@ann", True)]
    # And each account's history shows both cases, each from its own account
    history = author_cases(cloud, "generic", "3101").json()
    assert history["linkedAccounts"] == [{"platform": "x", "authorId": x_author}]
    assert [(c["caseId"], c["platform"], c["linked"]) for c in history["cases"]] == [
        (x_case, "x", True), (earlier, "generic", False)]
    # And linking again, either way round, changes nothing
    again = link(cloud, "generic", "3101", {"platform": "x", "authorId": x_author})
    assert (again.status, again.json()["alreadyLinked"]) == (200, True)
    assert author_cases(cloud, "x", x_author).json()["linkedAccounts"] == [{"platform": "generic",
                                                                           "authorId": "3101"}]


def test_links_across_platforms_are_followed_through_another_account(cloud):
    # Given a generic author with a case, linked to an X account that is linked to a Facebook (Meta) id
    earlier = dismissed_case(cloud, "h6", "3201")
    assert link(cloud, "x", "1234567890", {"platform": "generic", "authorId": "3201"}).status == 200
    assert link(cloud, "meta", "998877", {"platform": "x", "authorId": "1234567890"}).status == 200
    # When an agent looks up the Facebook id, which has no case of its own
    history = author_cases(cloud, "meta", "998877").json()
    # Then the generic account's case is there, through the X account
    assert history["linkedAccounts"] == [{"platform": "x", "authorId": "1234567890"},
                                         {"platform": "generic", "authorId": "3201"}]
    assert [(c["caseId"], c["platform"], c["linked"]) for c in history["cases"]] == [(earlier, "generic", True)]


def test_an_author_without_cases_has_an_empty_history(cloud):
    response = author_cases(cloud, "x", "42")
    assert (response.status, response.json()) == (200, {"platform": "x", "authorId": "42", "linkedAccounts": [],
                                                         "cases": [], "flagClearances": []})


def test_an_unknown_platform_or_an_id_the_platform_never_gives_is_a_bad_request(cloud):
    for platform, author_id in (("myspace", "1"), ("google", "1"), ("x", "ann"), ("x", "１２"), ("meta", "1.5"),
                                ("generic", "ann%20b"), ("x", "1" * 21)):
        response = author_cases(cloud, platform, author_id)
        assert response.status == 400, (platform, author_id, response)
        assert link(cloud, platform, author_id, {"platform": "x", "authorId": "1"}).status == 400


def test_a_bad_link_body_or_a_link_to_itself_is_a_bad_request_and_links_nothing(cloud):
    for body in ("", "{", '{"platform": "x"}', '{"platform": "x", "authorId": 1}',
                 '{"platform": "x", "authorId": "1", "note": "hi"}', {"platform": "tiktok", "authorId": "1"},
                 {"platform": "x", "authorId": "٣"}, {"platform": "x", "authorId": "77"}):
        response = link(cloud, "x", "77", body)
        assert response.status == 400, (body, response)
    assert author_cases(cloud, "x", "77").json()["linkedAccounts"] == []


def test_with_linking_off_in_the_care_policy_a_link_is_forbidden(make_cloud, monkeypatch, tmp_path):
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text("privacy: {link_accounts: false}\n")
    monkeypatch.setenv("POLICY_FILE", str(policy_file))
    cloud = make_cloud()
    response = link(cloud, "x", "42", {"platform": "meta", "authorId": "998877"})
    assert response.status == 403 and "link_accounts" in response.json()["message"]
    assert author_cases(cloud, "x", "42").json()["linkedAccounts"] == []

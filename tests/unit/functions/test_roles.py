"""Who may do what, through the agent API on the local cloud: every route and action, for a member of each group and
for a signed-in user in none. Each request names an unknown case or incident, so a call the person may make goes on to
its 404 (or its 200 for a list) and one they may not is refused with 403 before anything is read or written."""
import json

import pytest

from socialcare.cases import roles

CASE = "generic-nobody-1"
INCIDENT = "incident-nobody-1"
ACTION_BODIES = {"acknowledge": {"replyText": "Sorry about that, we're on it."},
                 "answer": {"replyText": "Thanks, glad it worked out."}, "claim": {}, "follow-up": {},
                 "resolve": {"summary": "refunded", "publicNote": "All sorted, thanks for your patience."},
                 "dismiss": {"reason": "spam"}}
# (method, path, body, the permission it needs, the status when allowed)
ROUTES = [
    ("GET", "/cases", None, "read-cases", 200),
    ("GET", f"/cases/{CASE}", None, "read-cases", 404),
    ("GET", f"/cases/{CASE}/private-messages", None, "read-private-messages", 404),
    *[("POST", f"/cases/{CASE}/{action}", body, action, 404) for action, body in ACTION_BODIES.items()],
    ("GET", "/authors/x/42/cases", None, "read-cases", 200),
    ("POST", "/authors/x/42/links", {"platform": "meta", "authorId": "998877"}, "link-accounts", 200),
    ("POST", "/authors/x/42/flag-clearance", {"reason": "a real customer"}, "clear-flag", 200),
    ("GET", "/incidents", None, "read-cases", 200),
    ("GET", f"/incidents/{INCIDENT}", None, "read-cases", 404),
    ("POST", f"/incidents/{INCIDENT}/statement", {"target": "brand"}, "manage-incidents", 404),
    ("POST", f"/incidents/{INCIDENT}/resolve", {"outcome": "back up"}, "manage-incidents", 404),
    ("GET", "/reports/summary", None, "read-report", 200),
]
EXPECTED = {  # the table docs/desk.md gives a lead, spelled out
    "agents": {"read-cases", "acknowledge", "answer", "follow-up", "dismiss"},
    "triage": {"read-cases", "claim", "resolve", "read-private-messages"},
    "leads": set(roles.PERMISSIONS),
    None: set(),
}


def test_every_route_and_every_permission_is_in_this_table(cloud):
    guarded = [route for route in cloud.routes if route.jwt is not None and route.path != "/me"]
    tried = {(method, path) for method, path, *_ in ROUTES}
    for route in guarded:
        assert any(method == route.method and route.regex.match(path) for method, path in tried), route.path
    assert {permission for *_, permission, _ in ROUTES} == set(roles.PERMISSIONS)


@pytest.mark.parametrize("group", ["agents", "triage", "leads", None])
def test_each_group_may_do_what_its_role_allows_and_is_refused_the_rest(cloud, group):
    name = f"someone-in-{group or 'no-group'}"
    headers = cloud.signed_in(name, group) if group else _signed_in_without_a_group(cloud, name)
    me = cloud.http("GET", "/me", headers=headers)
    assert me.status == 200
    assert me.json() == {"user": name, "groups": [group] if group else [],
                         "may": [p for p in roles.PERMISSIONS if p in EXPECTED[group]]}
    for method, path, body, permission, allowed_status in ROUTES:
        calls_before = len(cloud.invocations)
        response = cloud.http(method, path, json.dumps(body) if body is not None else None, headers)
        if permission in EXPECTED[group]:
            assert response.status == allowed_status, (group, method, path, response.body)
        else:
            assert response.status == 403, (group, method, path, response.body)
            assert response.json()["message"].startswith(f"{permission} is for "), response.body
            assert f"{name} is in " in response.json()["message"]
        assert len(cloud.invocations) == calls_before + 1  # the one function: nothing else started or told
    assert cloud.http("GET", "/cases?status=CLOSED", headers=cloud.signed_in()).json() == {"cases": []}


def _signed_in_without_a_group(cloud, name: str) -> dict:
    cloud.care_team.add_user(name, None)
    return {"Authorization": f"Bearer {cloud.care_team.sign_in(name)['IdToken']}"}


def test_a_refusal_names_the_groups_that_may_and_the_persons_own(cloud):
    response = cloud.http("POST", f"/cases/{CASE}/resolve", json.dumps(ACTION_BODIES["resolve"]),
                          cloud.signed_in("agent"))
    assert (response.status, response.json()["message"]) == (403, "resolve is for triage and leads; agent is in agents")


def test_someone_in_two_groups_may_do_what_either_may(cloud):
    headers = cloud.signed_in("ana", "agents")
    cloud.care_team.cognito.admin_add_user_to_group(UserPoolId=cloud.care_team.user_pool_id, Username="ana",
                                                    GroupName="triage")
    headers = {"Authorization": f"Bearer {cloud.care_team.sign_in('ana')['IdToken']}"}  # groups are in the token
    assert cloud.http("GET", "/me", headers=headers).json()["groups"] == ["agents", "triage"]
    assert cloud.http("POST", f"/cases/{CASE}/claim", "{}", headers).status == 404
    assert cloud.http("POST", f"/cases/{CASE}/dismiss", '{"reason": "spam"}', headers).status == 404
    assert cloud.http("GET", "/reports/summary", headers=headers).status == 403

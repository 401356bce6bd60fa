"""`make demo`: a scripted morning on the local cloud, clocks compressed to seconds.

Customers and agents driven over HTTP exactly as a platform and the agents would (signed webhook deliveries, the
agent API), under the care policy in local/demo-policy.yaml (the defaults plus two routing rules); then each case's
path through the state machine, its timeline, and who heard what; last, the report on the morning's cases, in text
and as the HTML page (.demo/report.html).
"""
from __future__ import annotations

import json
import os
import sys
import threading
import time
import traceback

from pathlib import Path

import requests

from local.cli import Api, describe, print_report, write_html_report
from local.server import LocalServer

DEMO_CLOCKS = {"ACK_SLA_SECONDS": 2, "ACK_HARD_LIMIT_SECONDS": 8, "MAX_ESCALATION_LEVEL": 3,
               "DM_WAIT_SECONDS": 30, "TRIAGE_CLAIM_SECONDS": 30, "RESOLVE_SECONDS": 30, "FOLLOW_UP_SECONDS": 30,
               "PRE_BREACH_WARNING_SECONDS": 1}
DEMO_POLICY = Path(__file__).with_name("demo-policy.yaml")
DEMO_REPORT = Path(__file__).parent.parent / ".demo" / "report.html"
TIERS = {1: "team lead", 2: "support manager", 3: "head of customer care"}
TRIAGE_TEAMS = ["support", "deliveries", "devices"]  # each subscribes to the triage topic with a filter on `team`
NOTES: dict[str, list[str]] = {}  # what a scenario saw on the way, printed under its case


def note(title: str, line: str) -> None:
    NOTES.setdefault(title, []).append(line)


class NotReached(TimeoutError):
    """A case did not get where the scenario expected: the demo shows the case as it is."""

    def __init__(self, case_id: str, message: str):
        super().__init__(message)
        self.case_id = case_id


class Customer:
    def __init__(self, url: str, author_id: str, handle: str):
        self.url, self.author_id, self.handle = url, author_id, handle

    def post(self, mention_id: str, text: str, kind: str = "mention", delivery_id: str | None = None) -> int:
        from socialcare.platforms.generic import sign
        body = json.dumps({"deliveryId": delivery_id or f"delivery-{mention_id}", "mentions": [{
            "id": mention_id, "kind": kind, "text": text, "createdAt": "2026-11-22T09:00:00Z",
            "url": f"https://social.example/{self.handle.strip('@')}/{mention_id}",
            "author": {"id": self.author_id, "handle": self.handle, "name": self.handle.strip("@").title(),
                       "followers": 480}}]}).encode()
        stamp = str(int(time.time()))
        headers = {"content-type": "application/json", "X-SocialCare-Timestamp": stamp,
                   "X-SocialCare-Signature": sign(os.environ["GENERIC_WEBHOOK_SECRET"], stamp, body)}
        return requests.post(f"{self.url}/webhooks/generic", data=body, headers=headers, timeout=10).status_code


class Agent:
    """A member of the demo's care team (DEMO_TEAM), signed in through the local server as the CLI signs in."""

    def __init__(self, url: str, name: str):
        self.url, self.name = url, name
        self.headers = {"Authorization": f"Bearer {Api(url, name).id_token()}"}

    def case(self, case_id: str) -> dict:
        return requests.get(f"{self.url}/cases/{case_id}", headers=self.headers, timeout=10).json()

    def wait_until(self, case_id: str, condition, what: str, timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            response = requests.get(f"{self.url}/cases/{case_id}", headers=self.headers, timeout=10)
            if response.status_code == 200 and condition(response.json()):
                return response.json()
            time.sleep(0.1)
        raise NotReached(case_id, f"{case_id}: {what} not reached in {timeout}s")

    def waiting_for(self, case_id: str, action: str) -> dict:
        return self.wait_until(case_id, lambda c: c.get("waitingFor") == action, f"waiting for {action}")

    def act(self, case_id: str, action: str, **fields) -> int:
        """Act once, as an agent would: 200 applied, 202 applied to the same wait as its clock restarts it."""
        response = self.try_act(case_id, action, **fields)
        if response.status_code not in (200, 202):
            raise RuntimeError(f"{action} on {case_id}: {response.status_code} {response.text}")
        return response.status_code

    def try_act(self, case_id: str, action: str, **fields) -> requests.Response:
        return requests.post(f"{self.url}/cases/{case_id}/{action}", json=fields, headers=self.headers, timeout=10)

    def post(self, path: str, body: dict) -> dict:
        response = requests.post(f"{self.url}{path}", json=body, headers=self.headers, timeout=30)
        if response.status_code != 200:
            raise RuntimeError(f"POST {path}: {response.status_code} {response.text}")
        return response.json()

    def private_messages(self, case_id: str) -> dict:
        """The customer's DMs, on the route only triage and leads may read."""
        return requests.get(f"{self.url}/cases/{case_id}/private-messages", headers=self.headers, timeout=10).json()

    def open_case_on(self, platform: str) -> str:
        """The id of the one open case from `platform` (its id comes from the platform's message id)."""
        def listed() -> list[dict]:
            cases = requests.get(f"{self.url}/cases", headers=self.headers, timeout=10).json()["cases"]
            return [case for case in cases if case["platform"] == platform]
        deadline = time.monotonic() + 30
        while not listed() and time.monotonic() < deadline:
            time.sleep(0.1)
        [case] = listed()
        return case["caseId"]


def complaint_through_all_five_steps(url: str) -> str:
    ann, maria, dev = Customer(url, "1001", "@ann"), Agent(url, "maria"), Agent(url, "dev-triage")
    ann.post("ann-1", "@brand my order #A1 arrived with a cracked screen. Not happy.")
    case_id = "generic-ann-1"
    maria.waiting_for(case_id, "acknowledge")
    maria.act(case_id, "acknowledge", replyText="Ann, a cracked screen on a new order is not OK, we're sorry. "
                                                "We'd like to put it right.")
    maria.waiting_for(case_id, "customer-dm")
    ann.post("ann-dm-1", "Hi, it's order A1. Please email me at ann@example.com", kind="dm")
    dev.waiting_for(case_id, "claim")
    dev.act(case_id, "claim", owner="dev")
    dev.waiting_for(case_id, "resolve")
    dev.act(case_id, "resolve", summary="Replacement A1-R shipped to ann@example.com's address, refund of shipping",
            publicNote="Ann, your replacement is on its way. Thanks for bearing with us!")
    maria.waiting_for(case_id, "follow-up")
    maria.act(case_id, "follow-up")
    maria.wait_until(case_id, lambda c: c["status"] == "CLOSED", "closed")
    ann.post("ann-dm-2", "4", kind="dm")  # her answer to "how did we do?", asked by DM after the follow-up
    maria.wait_until(case_id, lambda c: c["csatScore"] == 4, "scored")
    return case_id


def complaint_nobody_acknowledges(url: str) -> str:
    Customer(url, "1002", "@bob").post("bob-1", "@brand third time asking: where is my refund??")
    case_id = "generic-bob-1"
    Agent(url, "watcher").wait_until(case_id, lambda c: c["hardLimitReached"], "hard limit", timeout=30)
    return case_id


def spam_dismissed_while_it_waits(url: str) -> str:
    Customer(url, "1003", "@cheap_followers").post("spam-1", "@brand buy 10k followers now!!! link in bio")
    case_id = "generic-spam-1"
    lead = Agent(url, "lead")
    lead.waiting_for(case_id, "acknowledge")
    lead.act(case_id, "dismiss", reason="spam")
    lead.wait_until(case_id, lambda c: c["status"] == "DISMISSED", "dismissed")
    return case_id


def same_delivery_twice_and_a_second_mention(url: str) -> str:
    carol = Customer(url, "1004", "@carol")
    carol.post("carol-1", "@brand my kettle switches itself off every five minutes", delivery_id="carol-delivery")
    carol.post("carol-1", "@brand my kettle switches itself off every five minutes", delivery_id="carol-delivery")
    case_id = "generic-carol-1"
    agent = Agent(url, "maria")
    agent.waiting_for(case_id, "acknowledge")
    carol.post("carol-2", "@brand still happening after the update, anyone there?")
    agent.wait_until(case_id, lambda c: c["mentions"] == 2, "second mention attached")
    return case_id


DRAFT_AND_GUARDRAILS = "A draft to start from, replies the guardrails refuse, the hand-off routed to its team"


def draft_refused_reply_and_routing(url: str) -> str:
    dana, maria = Customer(url, "1005", "@dana"), Agent(url, "maria")
    dana.post("dana-1", "@brand three weeks and my parcel is still in transit. Where is it?")
    case_id = "generic-dana-1"
    draft = maria.waiting_for(case_id, "acknowledge")["draftReply"]
    note(DRAFT_AND_GUARDRAILS, f"the agents' draft: \"{draft}\"")
    for attempt in ("We apologise. Could you reply here with your order number and email address so we can check?",
                    "As we've already said, parcels can take 3 weeks. Please fill in the form on our website."):
        refused = maria.try_act(case_id, "acknowledge", replyText=attempt)
        rules = "; ".join(f"{r['rule']} ({r['words']!r})" for r in refused.json()["rejections"])
        note(DRAFT_AND_GUARDRAILS, f"maria tries \"{attempt}\" → {refused.status_code}: {rules}; nothing posted")
    maria.act(case_id, "acknowledge", replyText=draft)
    maria.waiting_for(case_id, "customer-dm")
    dana.post("dana-dm-1", "It's order 5512, email me at dana@example.com", kind="dm")
    maria.waiting_for(case_id, "claim")
    return case_id


URGENT = "Smoke from a charger: urgent, the second tier hears at once"


def urgent_complaint(url: str) -> str:
    Customer(url, "1006", "@femi").post("femi-1", "@brand my new charger gave off smoke and melted. Is it safe??")
    case_id = "generic-femi-1"
    lead = Agent(url, "maria")
    case = lead.waiting_for(case_id, "acknowledge")
    note(URGENT, f"assessed: priority {case['priority']}, team {case['team']}")
    lead.act(case_id, "acknowledge", replyText="Femi, smoke from a charger is serious and we're sorry. Please unplug "
                                               "it and send us a DM so we can put this right today.")
    lead.waiting_for(case_id, "customer-dm")
    return case_id


PILE_ON = "Three people say the app is down: one incident, from the alert to its resolution"


def pile_on(url: str) -> str:
    Customer(url, "1007", "@eve").post("eve-1", "@brand the app is down again, can't log in")
    Customer(url, "1008", "@fay").post("fay-1", "@brand app crash every time I open it, useless")
    # an indirect post (the brand named, not addressed): watched, until the pile-on makes it a case
    Customer(url, "1009", "@gus").post("gus-1", "acme app down for anyone else? useless", kind="keyword")
    lead = Agent(url, "lead")
    for case_id in ("generic-eve-1", "generic-fay-1", "generic-gus-1"):
        incident_id = lead.wait_until(case_id, lambda c: c.get("incident"), "grouped in the incident",
                                      timeout=60)["incident"]
    # the lead answers the people in it with the holding statement (once each, however often it is sent), then
    # resolves it: each case gets a personalised follow-up to start from
    for attempt in ("posts", "posts again"):
        sent = lead.post(f"/incidents/{incident_id}/statement", {"target": "replies"})
        states = ", ".join(f"{r['caseId']} {'already posted' if r.get('alreadyPosted') else r['state']}"
                           for r in sent["results"])
        note(PILE_ON, f"the lead {attempt} the holding statement as replies: {states}")
    resolved = lead.post(f"/incidents/{incident_id}/resolve", {"outcome": "the app is back up for everyone since 10:20"})
    note(PILE_ON, f"the lead resolves {incident_id}: {len(resolved['followUps'])} follow-ups drafted, e.g. "
                  f"\"{resolved['followUps'][0]['text']}\"")
    return "generic-eve-1"


ECHO = "Our own reply posted back at us: dismissed as an echo"
PRAISE = "Praise, answered in public and closed: no DM invitation, no hand-off"


def our_reply_echoed(url: str) -> str:
    hal, agent = Customer(url, "1010", "@hal"), Agent(url, "maria")
    hal.post("hal-1", "@brand the lid of my kettle cracked on day one")
    agent.waiting_for("generic-hal-1", "acknowledge")
    reply = "Hal, sorry the kettle lid cracked on day one. A new lid is on its way to you today."
    agent.act("generic-hal-1", "acknowledge", replyText=reply)
    Customer(url, "1011", "@ivy").post("ivy-1", f"@brand {reply}")
    agent.wait_until("generic-ivy-1", lambda c: c["status"] == "DISMISSED", "dismissed")
    return "generic-ivy-1"


def praise_answered_in_public(url: str) -> str:
    jo, agent = Customer(url, "1012", "@jo"), Agent(url, "maria")
    jo.post("jo-1", "@brand great service at the Camden store today, thanks!")
    case = agent.waiting_for("generic-jo-1", "acknowledge")
    note(PRAISE, f"read as {case['intent']}; the draft: \"{case['draftReply']}\"")
    agent.act("generic-jo-1", "answer", replyText="Thank you Jo! We'll tell the Camden team, they'll be so pleased.")
    agent.wait_until("generic-jo-1", lambda c: c["status"] == "CLOSED", "answered and closed")
    jo.post("jo-2", "@brand went back to Camden today and the till was down?")
    again = agent.waiting_for("generic-jo-2", "acknowledge")
    history = "; ".join(f"{c['caseId']} ({c['closedReason']})" for c in again["earlierCases"])
    note(PRAISE, f"Jo writes again: case generic-jo-2 reopens {again['reopensCase']}; her history: {history}")
    return "generic-jo-1"


DM_FIRST = "A customer who writes privately first: a private case, Meta's own example Messenger delivery"


def dm_first_private_case(url: str) -> str:
    from local.cli import signature_headers
    event = json.loads((Path(__file__).parents[1] / "events" / "receive_webhook.meta_messenger_message.json")
                       .read_text())
    body = event["body"].encode()
    requests.post(f"{url}/webhooks/meta", data=body, timeout=10,
                  headers={"content-type": "application/json", **signature_headers("meta", body)})
    maria, dev = Agent(url, "maria"), Agent(url, "dev-triage")
    case_id = maria.open_case_on("meta")
    case = maria.waiting_for(case_id, "acknowledge")
    thread = dev.private_messages(case_id)  # triage reads the customer's private words; agents may not
    note(DM_FIRST, f"listed as {case['visibility']}, read as {case['intent']}; public text: {case['text'] or 'none'}; "
                   f"on the private route: {len(thread['privateMessages'])} message, "
                   f"\"{thread['privateMessages'][0]['text']}\"")
    maria.act(case_id, "acknowledge", replyText="Hi! Sorry to hear order A1 needs sorting. Could you tell us the "
                                                "email address you ordered with? We'll take it from there.")
    dev.waiting_for(case_id, "claim")
    dev.act(case_id, "claim", owner="dev")
    dev.waiting_for(case_id, "resolve")
    dev.act(case_id, "resolve", summary="Order A1 re-sent to the customer's address",
            publicNote="Your order A1 is on its way again, with tracking in your email. Thanks for your patience!")
    maria.waiting_for(case_id, "follow-up")
    maria.act(case_id, "follow-up")
    maria.wait_until(case_id, lambda c: c["status"] == "CLOSED", "closed")
    return case_id


# Who acts in the scenarios, and in which group (the local server has agent, triage and lead already).
DEMO_TEAM = {"maria": "agents", "watcher": "agents", "dev-triage": "triage"}

SCENARIOS = [
    ("A complaint through all five steps", complaint_through_all_five_steps),
    ("A complaint nobody acknowledges", complaint_nobody_acknowledges),
    ("Spam, dismissed while it waits", spam_dismissed_while_it_waits),
    ("The same delivery twice, then a second mention by the same author", same_delivery_twice_and_a_second_mention),
    (DRAFT_AND_GUARDRAILS, draft_refused_reply_and_routing),
    (URGENT, urgent_complaint),
    (PILE_ON, pile_on),
    (ECHO, our_reply_echoed),
    (PRAISE, praise_answered_in_public),
    (DM_FIRST, dm_first_private_case),
]


def main() -> int:
    os.environ.setdefault("LOCAL_SERVER_QUIET", "1")
    os.environ["POLICY_FILE"] = str(DEMO_POLICY)
    started = time.monotonic()
    clocks = ", ".join(f"{k.removesuffix('_SECONDS').lower()}={v}{'s' if k.endswith('SECONDS') else ''}"
                       for k, v in DEMO_CLOCKS.items())
    print(f"social-care-workflow demo: local cloud from template.yaml, clocks compressed ({clocks})\n")
    with LocalServer(port=0, clocks=DEMO_CLOCKS) as server:
        cloud = server.cloud
        for name, group in DEMO_TEAM.items():  # as a lead adds them (docs/desk.md#adding-people)
            cloud.care_team.add_user(name, group)
        topic = cloud.resolver.physical("EscalationsTopic")["TopicArn"]
        for level in TIERS:  # each tier subscribes to the one escalations topic with a filter on the level
            cloud.subscribe_inbox("EscalationsTopic", topic, {"level": [{"numeric": ["=", level]}]},
                                  inbox=f"tier-{level}")
        triage = cloud.resolver.physical("TriageTopic")["TopicArn"]
        for team in TRIAGE_TEAMS:
            cloud.subscribe_inbox("TriageTopic", triage, {"team": [team]}, inbox=f"team-{team}")
        results: dict[str, str | Exception] = {}

        def run(title, scenario):
            try:
                results[title] = scenario(server.url)
            except Exception as error:  # shown below; the demo then exits non-zero
                traceback.print_exc()
                results[title] = error
        threads = [threading.Thread(target=run, args=scenario) for scenario in SCENARIOS]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        agent = Agent(server.url, "lead")  # the report is for leads
        for number, (title, _) in enumerate(SCENARIOS, start=1):
            outcome = results[title]
            print(f"{number}. {title}")
            if isinstance(outcome, Exception):
                print(f"   FAILED: {outcome}")
                if not isinstance(outcome, NotReached):
                    print()
                    continue
                outcome = outcome.case_id
            case = agent.case(outcome)
            executions = [e for e in cloud.executions() if e["name"] == outcome]
            print(f"   case {outcome}: {case['status']}, step {case['step']}, escalation level "
                  f"{case['escalationLevel']}{' (hard limit reached)' if case['hardLimitReached'] else ''}, "
                  f"{case['mentions']} mention(s), {len(executions)} execution(s) named {outcome}, "
                  f"priority {case['priority']}, team {case['team']}")
            for line in NOTES.get(title, []):
                print(f"   {line}")
            print("   path:  " + " → ".join(_compact(cloud.path(outcome))))
            print("   timeline:")
            opened = case["timeline"][0]["at"]
            for entry in case["timeline"]:
                print(f"     +{_seconds_since(opened, entry['at']):5.1f}s  {describe(entry)}")
            if title in ("A complaint nobody acknowledges", URGENT):
                _print_tiers(cloud, outcome)
            if title == DRAFT_AND_GUARDRAILS:
                _print_teams(cloud, outcome)
            if title == PILE_ON:
                _print_incident(cloud, agent)
            print()
        _print_report(agent)
        print(f"sandbox posts are recorded on each case; nothing was sent anywhere. "
              f"{time.monotonic() - started:.1f}s in all.")
    return 0 if all(not isinstance(r, Exception) for r in results.values()) else 1


def _print_tiers(cloud, case_id: str) -> None:
    print("   who heard it (each tier's filter policy on the escalations topic):")
    for level, tier in TIERS.items():
        heard = [n for n in cloud.notifications(f"tier-{level}") if n["message"].get("caseId") == case_id]
        subjects = "; ".join(n["subject"] for n in heard) or "nothing"
        print(f"     level {level}  {tier:<22} {subjects}")


def _print_teams(cloud, case_id: str) -> None:
    print("   who heard the hand-off (each triage team's filter policy on `team`):")
    for team in TRIAGE_TEAMS:
        heard = [n for n in cloud.notifications(f"team-{team}") if n["message"]["caseId"] == case_id]
        print(f"     {team:<12} {'; '.join(n['subject'] for n in heard) or 'nothing'}")


def _print_incident(cloud, agent: Agent) -> None:
    alerts = [n for n in cloud.notifications("tier-1") if n["attributes"].get("incident") == "true"]
    print(f"   the team lead heard {len(alerts)} incident alert(s):")
    for alert in alerts:
        message = alert["message"]
        print(f"     {alert['subject']}: cases {', '.join(message['cases'])}")
        print(f"     drafted holding statement: \"{message['draftHoldingStatement']}\"")
        for case_id in message["cases"]:
            case = agent.case(case_id)
            print(f"       {case_id:<16} {case['author']:<6} priority {case['priority']:<7} incident {case['incident']}")
    for incident in requests.get(f"{agent.url}/incidents?status=RESOLVED", headers=agent.headers, timeout=10).json()[
            "incidents"]:
        print(f"   {incident['incidentId']}: {incident['status']} ({incident['outcome']}), {incident['authors']} people, "
              f"reach {incident['reach']}, level told {incident['levelTold']}")


def _print_report(agent: Agent) -> None:
    """The report a lead would read on today's cases (the demo opened them all today, UTC), as text and as the page."""
    from datetime import UTC, datetime
    today = datetime.now(UTC).date().isoformat()
    response = requests.get(f"{agent.url}/reports/summary?from={today}&to={today}", headers=agent.headers, timeout=30)
    if response.status_code != 200:
        raise RuntimeError(f"GET /reports/summary: {response.status_code} {response.text}")
    print_report(response.json())
    DEMO_REPORT.parent.mkdir(exist_ok=True)
    print(f"  as a page     {write_html_report(response.json(), str(DEMO_REPORT))}\n")


def _compact(path: list[str]) -> list[str]:
    """Fold each escalation loop (Await → Escalate Case → Promise Broken? → Which Step Is Waiting? → the same Await)
    into its Await, so the ladder reads at a glance. A holding reply stays in the path: the customer saw it."""
    loop = ["Escalate Case", "Promise Broken?", "Which Step Is Waiting?"]
    out: list[str] = []
    index = 0
    while index < len(path):
        state = path[index]
        rungs = 0
        while state.startswith("Await ") and path[index + 1:index + 5] == [*loop, state]:
            rungs += 1
            index += 4
        out.append(f"{state} (escalated {rungs}×)" if rungs else state)
        index += 1
    return out


def _seconds_since(start: str, at: str) -> float:
    from datetime import datetime
    parse = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00"))  # noqa: E731
    return (parse(at) - parse(start)).total_seconds()


if __name__ == "__main__":
    sys.exit(main())

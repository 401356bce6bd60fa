"""The command line for people at a terminal: list and show cases, act on them, a customer's history, linking
their accounts and clearing an author's flag, pile-on incidents (list, show, post the holding statement, resolve),
replay a sample delivery, serve.

Against the local server by default (http://127.0.0.1:$PORT, as a local user: --as agent, triage or lead); against a
deployed stack with --stack NAME (the API URL and the app client from the stack's outputs), signed in as --as NAME
(default $SOCIALCARE_USER) with your care-team password, asked once and the session kept in ~/.cache/socialcare/.
"""
from __future__ import annotations

import argparse
import getpass
import json
import os
import pathlib
import signal
import sys
import time
import urllib.parse

import requests

from local.sign_in import LOCAL_PASSWORD, CognitoSignIn, Session, SessionCache, SignInError

ACTIONS = ("acknowledge", "answer", "claim", "resolve", "follow-up", "dismiss")


class Api:
    """The agent API as one member of the care team, signed in to the stack's user pool (local/sign_in.py): locally
    as a local user with the local password, deployed as you, the session kept between commands."""

    def __init__(self, base_url: str, user: str, stack: str | None = None, sign_in: CognitoSignIn | None = None):
        self.base_url = base_url.rstrip("/")
        self.user = user
        self.stack = stack
        self._sign_in = sign_in
        self._session: Session | None = None

    @classmethod
    def of_stack(cls, stack: str, user: str) -> "Api":
        outputs = _stack_outputs(stack)
        endpoint = f"https://cognito-idp.{outputs['region']}.amazonaws.com/"
        return cls(outputs["ApiUrl"], user, stack, CognitoSignIn(endpoint, outputs["DeskClientId"]))

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else None
        headers = {"content-type": "application/json"} if data else {}
        headers["Authorization"] = f"Bearer {self.id_token()}"
        response = requests.request(method, self.base_url + path, data=data, headers=headers, timeout=30)
        try:
            return response.status_code, response.json()
        except ValueError:
            return response.status_code, {"message": response.text}

    def id_token(self) -> str:
        if self._session is None or not self._session.fresh():
            self._session = self._signed_in()
        return self._session.id_token

    def _signed_in(self) -> Session:
        if self.stack is None:  # the local server: its config names its stand-in for Cognito and the app client
            config = requests.get(f"{self.base_url}/desk/config.json", timeout=30).json()
            client = CognitoSignIn(self.base_url + config["cognitoUrl"], config["clientId"])
            return client.sign_in(self.user, os.environ.get("SOCIALCARE_PASSWORD", LOCAL_PASSWORD))
        cache = SessionCache(self.stack)
        session = self._session or cache.load(self.user)
        if session is not None and session.fresh():
            return session
        if session is not None and session.refresh_token:
            try:
                session = self._sign_in.renew(session)
                cache.save(session)
                return session
            except SignInError:
                pass  # expired or revoked: sign in again
        password = os.environ.get("SOCIALCARE_PASSWORD") or getpass.getpass(f"password for {self.user}: ")
        session = self._sign_in.sign_in(self.user, password, new_password=_choose_password)
        cache.save(session)
        return session

    def sign_out(self) -> None:
        if self.stack is not None:
            SessionCache(self.stack).forget()


def _choose_password() -> str:
    while True:
        first = getpass.getpass("first sign-in: choose your password (12+ characters, upper and lower case, a digit): ")
        if first == getpass.getpass("again: "):
            return first
        print("the two differ; once more", file=sys.stderr)


def _stack_outputs(stack: str) -> dict[str, str]:
    import boto3
    client = boto3.client("cloudformation")
    outputs = client.describe_stacks(StackName=stack)["Stacks"][0]["Outputs"]
    return {"region": client.meta.region_name, **{o["OutputKey"]: o["OutputValue"] for o in outputs}}


# -- printing ----------------------------------------------------------------------------------------------------
def print_cases(cases: list[dict]) -> None:
    if not cases:
        print("no cases")
        return
    width = max(28, *(len(case["caseId"]) for case in cases))
    print(f"{'CASE':<{width}} {'STATUS':<9} {'STEP':<12} {'WAITING FOR':<12} {'LVL':>3}  {'DEADLINE':<24} AUTHOR")
    for case in cases:
        level = f"{case['escalationLevel']}{'!' if case['hardLimitReached'] else ''}"
        print(f"{case['caseId']:<{width}} {case['status']:<9} {case['step'] or '':<12} {case['waitingFor'] or '-':<12} "
              f"{level:>3}  {case['deadline'] or '-':<24} {case['author'] or ''}")


def print_case(case: dict) -> None:
    print(f"case {case['caseId']}  ({case['platform']}, {case['author']})")
    print(f"  status      {case['status']}   step {case['step']}   waiting for {case['waitingFor'] or '-'}")
    hard = "  HARD LIMIT REACHED" if case["hardLimitReached"] else ""
    print(f"  escalation  level {case['escalationLevel']}{hard}")
    print(f"  deadline    {case['deadline'] or '-'}")
    print(f"  owner       {case['owner'] or '-'}   mentions {case['mentions']}   DM received {case['dmReceived']}")
    incident = f"   incident {case['incident']}" if case.get("incident") else ""
    print(f"  priority    {case['priority']}   intent {case.get('intent') or 'other'}   team {case['team'] or '-'}{incident}")
    if case.get("reopensCase"):
        print(f"  reopens     {case['reopensCase']} (answered in public; the customer wrote again)")
    if case.get("flagged"):
        print(f"  FLAGGED     {case['flagged']}: check before answering; no automatic notices")
        print_flag(case.get("flag") or {})
    if case.get("draftReply"):
        print(f"  draft reply {case['draftReply']}")
    if case.get("followUpDraft"):
        print(f"  follow-up   {case['followUpDraft']}  (its incident is resolved: a draft for this case)")
    if case.get("closedReason"):
        print(f"  closed      {case['closedAt']}  ({case['closedReason']})")
    if case.get("visibility") == "private":
        print(f"  said        (privately: {case['privateMessages']} message(s); ./socialcare thread {case['caseId']})")
    else:
        print(f"  said        {case['text']}")
    earlier = case.get("earlierCases") or []
    print(f"  earlier     {len(earlier)} case(s) of this customer, newest first" if earlier else "  earlier     none")
    for other in earlier:
        print(f"    {history_line(other)}")
    print("  timeline")
    for entry in case["timeline"]:
        print(f"    {entry['at']}  {describe(entry)}")


def print_flag(flag: dict) -> None:
    """The record behind a flag: the dismissals that count, newest first, and the clearances before them."""
    for dismissed in flag.get("dismissedCases") or []:
        print(f"    {dismissed['closedAt'] or '-'}  {dismissed['caseId']}  dismissed as {dismissed['reason']}")
    for clearance in flag.get("clearances") or []:
        print(f"    {clearance_line(clearance)}")


def clearance_line(clearance: dict) -> str:
    return f"{clearance['at']}  flag cleared by {clearance['by'].rsplit('/', 1)[-1]}: {clearance['reason']}"


def print_thread(thread: dict) -> None:
    print(f"case {thread['caseId']}  ({thread['visibility']}): the customer's private messages, oldest first")
    for message in thread["privateMessages"]:
        print(f"  {message['at'] or '-'}  {message['text']}")
    if not thread["privateMessages"]:
        print("  none")
    if thread.get("draftReply"):
        print(f"  draft reply {thread['draftReply']}")


def print_report(report: dict) -> None:
    """The summary report, a line a subject: what a lead reads first."""
    period, cases, first = report["period"], report["cases"], report["firstResponse"]
    attainment = "-" if first["slaAttainment"] is None else f"{first['slaAttainment']:.0%}"
    print(f"report {period['from']} to {period['to']} ({period['days']} days)")
    print(f"  cases         {cases['opened']} opened: {cases['closed']} closed, {cases['dismissed']} dismissed, "
          f"{cases['open']} open")
    sla = f" of {first['slaMinutes']:g} business min" if first.get("slaMinutes") else ""
    print(f"  first reply   {first['count']} answered, {attainment} inside the SLA{sla}; p50 {first['p50Minutes']} min, "
          f"p90 {first['p90Minutes']} min (business p50 {first['p50BusinessMinutes']}, p90 {first['p90BusinessMinutes']})")
    resolution = report["resolution"]
    print(f"  resolution    {resolution['count']} resolved; p50 {resolution['p50Hours']} h, p90 {resolution['p90Hours']} h")
    levels = ", ".join(f"level {level}: {count}" for level, count in report["escalations"]["byLevel"].items()) or "none"
    print(f"  escalations   {levels}; hard limits {report['escalations']['hardLimits']}")
    for name in ("byPlatform", "byTeam", "byTopic"):
        groups = ", ".join(f"{key} {group['count']}" for key, group in report[name].items()) or "none"
        print(f"  {name[2:].lower():<13} {groups}")
    trends = ", ".join(f"{t['topic']} {t['change']:+d}" for t in report["topics"]) or "none"
    print(f"  topics        {trends} (against the {period['days']} days before)")
    csat, reviews = report["csat"], report["csat"]["reviews"]
    print(f"  satisfaction  {csat['asked']} asked, {csat['answered']} scores, average {csat['average'] or '-'}; "
          f"{reviews['answered']} reviews answered, stars {reviews['averageBefore'] or '-'} before, "
          f"{reviews['averageAfter'] or '-'} after")
    for highlight in report["highlights"]:
        print(f"  look at       {highlight}")


def write_html_report(report: dict, file: str) -> pathlib.Path:
    """The report as the page the weekly digest sends, written to `file`: its absolute path, to open."""
    from functions.send_weekly_digest.report_page import render
    path = pathlib.Path(file).resolve()
    path.write_text(render(report), encoding="utf-8")
    return path


def print_history(history: dict) -> None:
    linked = ", ".join(f"{a['platform']} {a['authorId']}" for a in history["linkedAccounts"])
    print(f"author {history['platform']} {history['authorId']}" + (f"  (linked: {linked})" if linked else ""))
    for case in history["cases"]:
        print(f"  {history_line(case)}")
    if not history["cases"]:
        print("  no cases")
    for clearance in history.get("flagClearances") or []:
        print(f"  {clearance_line(clearance)}  ({clearance['platform']} {clearance['authorId']})")


def print_incidents(incidents: list[dict]) -> None:
    if not incidents:
        print("no incidents")
        return
    width = max(30, *(len(incident["incidentId"]) for incident in incidents))
    print(f"{'INCIDENT':<{width}} {'STATUS':<9} {'TOPIC':<12} {'PEOPLE':>6} {'REACH':>9} {'CASES':>5} {'TOLD':>4}  "
          f"OPENED")
    for incident in incidents:
        told = f"L{incident['levelTold']}" if incident["levelTold"] else "-"
        print(f"{incident['incidentId']:<{width}} {incident['status']:<9} {incident['topic']:<12} "
              f"{incident['authors']:>6} {incident['reach']:>9} {incident['caseCount']:>5} {told:>4}  "
              f"{incident['openedAt']}")


def print_incident(incident: dict) -> None:
    print(f"incident {incident['incidentId']}  (topic {incident['topic']})")
    print(f"  status      {incident['status']}   opened {incident['openedAt']}   first complaint "
          f"{incident['startedAt'] or '-'}")
    print(f"  people      {incident['authors']}   reach {incident['reach']} followers   platforms "
          f"{', '.join(incident['platforms']) or '-'}")
    if incident.get("outcome"):
        print(f"  resolved    {incident['resolvedAt']} by {(incident['resolvedBy'] or '-').rsplit('/', 1)[-1]}: "
              f"{incident['outcome']}")
    print(f"  statement   {incident['holdingStatement']}")
    print("  grew")
    for point, person in zip(incident["growth"], incident["people"]):
        print(f"    {point['at']}  {point['authors']:>4}  {person['author'] or '-'} ({person['platform']}, "
              f"{person['followers']} followers)")
    print("  tiers told" if incident["tiersTold"] else "  tiers told  none yet")
    for tier in incident["tiersTold"]:
        print(f"    {tier['at']}  level {tier['level']} at {tier['authors']} people")
    print(f"  cases       {len(incident['cases'])}")
    for case in incident["cases"]:
        print(f"    {case['caseId']}  {case['status']}  {case['step'] or '-'}  waiting for {case['waitingFor'] or '-'}"
              f"  {case['author'] or ''}")
    if incident["statements"]:
        print("  posted")
    for statement in incident["statements"]:
        where = statement.get("platform") or statement.get("caseId")
        print(f"    {statement['at']}  {statement['target']} {where}: {statement['state']}"
              + (f" as {statement['platformPostId']}" if statement.get("platformPostId") else "")
              + (f" ({statement['reason']})" if statement.get("reason") else ""))


def print_posts(results: list[dict], what: str) -> None:
    """Each channel an incident's statement or follow-up went to, and what happened there."""
    for result in results:
        where = result.get("platform") or result.get("caseId")
        earlier = " (earlier)" if result.get("alreadyPosted") else ""
        post_id = f" as {result['platformPostId']}" if result.get("platformPostId") else ""
        reason = f": {result['reason']}" if result.get("reason") else ""
        print(f"  {where}  {result['state']}{earlier}{post_id}{reason}")
    if not results:
        print(f"  no {what}")


def history_line(case: dict) -> str:
    """One case of a customer's history: when, which, how it ended, and the account it came from if linked."""
    ended = case["status"] + (f" ({case['closedReason']})" if case.get("closedReason") else "")
    linked = f"   from {case['platform']} {case['author'] or case['authorId']} (linked)" if case["linked"] else ""
    return (f"{case['openedAt']}  {case['caseId']}  {ended}   topic {case['topic'] or '-'}   "
            f"priority {case['priority']}{linked}")


def describe(entry: dict) -> str:
    """One readable line per timeline entry."""
    event = entry["event"]
    if event in ("case opened", "mention attached"):
        said = "wrote privately" if entry.get("private") else f"said \"{entry.get('text', '')}\""
        return f"{event}: {entry.get('author', '')} {said}"
    if event == "step":
        return f"entered {entry['step']} (deadline {entry['deadline']})"
    if event == "notified":
        return f"{entry['team']} team notified ({entry['step']})"
    if event in ("escalated", "hard-limit", "reminder-due"):
        label = {"escalated": f"escalated to level {entry['level']}",
                 "hard-limit": f"HARD LIMIT: level {entry['level']} told again",
                 "reminder-due": "customer did not DM in time"}[event]
        return f"{label} ({entry['step']})"
    if event in ("posted publicly", "sent privately"):
        text = f": \"{entry['text']}\"" if entry.get("text") else ""
        return f"{event} [{entry['kind']}] as {entry['platformPostId']}{text}"
    if event == "priority raised":
        return f"priority raised to {entry['priority']}" + (f": {entry['why']}" if entry.get("why") else "")
    if event == "first tier told":
        return f"escalation level {entry['level']} told at once ({entry['priority']} priority)"
    if event == "dm invitation not posted":
        return f"no DM invitation posted: {entry['reason']}"
    if event == "breach warning":
        return f"deadline soon: warned whoever must act ({entry['step']}, due {entry['deadline']})"
    if event == "customer DM received":
        return "customer DM received (kept private)"
    if event == "closed":
        return f"closed: {entry['reason']}"
    if event == "grouped in an incident":
        return f"grouped in the {entry['topic']} incident {entry['incident']}"
    if event == "incident resolved":
        return f"its incident resolved by {entry['by'].rsplit('/', 1)[-1]}: {entry['outcome']}"
    if "by" in entry:  # an agent's action
        said = entry.get("replyText") or entry.get("publicNote") or entry.get("reason") or entry.get("owner") or ""
        return f"{entry['by'].rsplit('/', 1)[-1]}: {event}" + (f" \"{said}\"" if said else "")
    details = ", ".join(f"{k}={v}" for k, v in entry.items() if k not in ("at", "event"))
    return f"{event} ({details})"


def print_clearance(clearance: dict) -> None:
    author = f"{clearance['author']['platform']} {clearance['author']['authorId']}"
    if clearance["wasFlagged"]:
        print(f"clear-flag: done ({author}: only dismissals from now on count)")
    else:
        print(f"clear-flag: recorded, but {author} was not flagged (earlier dismissals no longer count)")
    if clearance.get("unflaggedCase"):
        print(f"  open case {clearance['unflaggedCase']} is no longer flagged")


# -- commands ------------------------------------------------------------------------------------------------------
def serve(port: int) -> int:
    from local.server import LocalServer
    server = LocalServer(port=port).start()
    print(f"social-care local cloud on {server.url}  (the desk: {server.url}/desk/, users agent, triage and lead, "
          f"password {LOCAL_PASSWORD}; generic secret: $GENERIC_WEBHOOK_SECRET; Ctrl-C stops)")
    stop = {"now": False}
    signal.signal(signal.SIGTERM, lambda *_: stop.update(now=True))
    try:
        while not stop["now"]:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    server.stop()
    return 0


def replay(api: Api, event_file: str, platform: str | None) -> int:
    """POST a sample delivery (an events/*.json API Gateway event, or a bare generic body), signed the way its
    platform signs, with the local secrets; a GET sample (a challenge) is sent as its query."""
    event = json.loads(pathlib.Path(event_file).read_text())
    is_http_event = "routeKey" in event
    platform = platform or (event.get("pathParameters") or {}).get("platform", "generic")
    url = f"{api.base_url}/webhooks/{platform}"
    if is_http_event and event["routeKey"].startswith("GET"):
        response = requests.get(url, params=event.get("queryStringParameters") or {}, timeout=30)
    else:
        body = (event["body"] if is_http_event else json.dumps(event)).encode()
        headers = {"content-type": "application/json", **signature_headers(platform, body)}
        response = requests.post(url, data=body, headers=headers, timeout=30)
    print(response.status_code, response.text)
    return 0 if response.ok else 1


def signature_headers(platform: str, body: bytes) -> dict[str, str]:
    """Each platform's own signature over the raw body, with the local secret from the environment."""
    import base64
    import hashlib
    import hmac
    if platform == "x":
        key = os.environ.get("X_CONSUMER_SECRET", "local-x-consumer-secret").encode()
        return {"x-twitter-webhooks-signature":
                "sha256=" + base64.b64encode(hmac.new(key, body, hashlib.sha256).digest()).decode()}
    if platform == "meta":
        key = os.environ.get("META_APP_SECRET", "local-meta-app-secret").encode()
        return {"x-hub-signature-256": "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()}
    from socialcare.platforms.generic import sign
    timestamp = str(int(time.time()))
    secret = os.environ.get("GENERIC_WEBHOOK_SECRET", "local-generic-secret")
    return {"X-SocialCare-Timestamp": timestamp, "X-SocialCare-Signature": sign(secret, timestamp, body)}


def check_policy(path: str | None) -> int:
    """Load the policy as a function's cold start would; print its problems, or what it decides."""
    from socialcare.care.policy import PolicyError, load_policy
    from socialcare.config import settings
    try:  # the levels it names must be on the ladder: MAX_ESCALATION_LEVEL (the template's default, 3, unset)
        policy = load_policy(path, max_escalation_level=settings().clocks.max_escalation_level)
    except PolicyError as error:
        print(error, file=sys.stderr)
        return 1
    hours = policy.business_hours
    print(f"business hours: {policy.calendar.describe()}; holidays: {len(hours.holidays)}; "
          f"warning {hours.pre_breach_warning_minutes} min before a deadline; "
          f"after-hours notice: {'on' if hours.after_hours_notice else 'off'}")
    print(f"routing: {len(policy.routing.rules)} rule(s), default team {policy.routing.default_team}")
    pile_on = policy.pile_on
    alerts = ", ".join(f"level {level} at {authors}" for level, authors in sorted(pile_on.growth_alerts.items()))
    print(f"pile-ons: {pile_on.authors} authors in {pile_on.window_minutes} min, topics {', '.join(pile_on.topics)}; "
          f"alerts {alerts}; resolving {'posts' if pile_on.resolve_follow_ups == 'post' else 'drafts'} the follow-ups")
    print("policy ok")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="socialcare", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--api", default=f"http://127.0.0.1:{os.environ.get('PORT', '3000')}",
                        help="the API's base URL (default: the local server)")
    parser.add_argument("--stack", help="a deployed stack's name: its API, signed in to its user pool")
    parser.add_argument("--as", dest="user", default=os.environ.get("SOCIALCARE_USER", "lead"),
                        help="who you sign in as, recorded on the timeline (locally: agent, triage or lead)")
    commands = parser.add_subparsers(dest="command", required=True)
    serve_parser = commands.add_parser("serve", help="run the local cloud on 127.0.0.1")
    serve_parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")))
    list_parser = commands.add_parser("list", help="cases by status, nearest deadline first")
    list_parser.add_argument("--status", default="OPEN", choices=["OPEN", "CLOSED", "DISMISSED"])
    list_parser.add_argument("--limit", type=int, default=50)
    commands.add_parser("show", help="one case with its timeline").add_argument("case_id")
    commands.add_parser("thread", help="the customer's private messages on a case (the care team's route)"
                        ).add_argument("case_id")
    history_parser = commands.add_parser("history", help="every case of an author and their linked accounts")
    history_parser.add_argument("platform")
    history_parser.add_argument("author_id")
    link_parser = commands.add_parser("link", help="link two accounts of one person (their histories show together)")
    for name in ("platform", "author_id", "other_platform", "other_author_id"):
        link_parser.add_argument(name)
    clear_parser = commands.add_parser("clear-flag", help="clear an author's flag, with why (kept on the author)")
    clear_parser.add_argument("platform")
    clear_parser.add_argument("author_id")
    clear_parser.add_argument("--reason", required=True)
    for action, fields in {"acknowledge": [("--text", True)], "answer": [("--text", True)], "claim": [("--owner", False)],
                           "resolve": [("--summary", True), ("--note", True)], "follow-up": [("--text", False)],
                           "dismiss": [("--reason", True)]}.items():
        action_parser = commands.add_parser(action, help=f"{action} a case")
        action_parser.add_argument("case_id")
        for flag, required in fields:
            action_parser.add_argument(flag, required=required)
    incidents_parser = commands.add_parser("incidents", help="pile-on incidents, newest first")
    incidents_parser.add_argument("--status", default="OPEN", choices=["OPEN", "RESOLVED"])
    incidents_parser.add_argument("--limit", type=int, default=50)
    commands.add_parser("incident", help="one incident: its cases, people, growth, tiers told, statements"
                        ).add_argument("incident_id")
    statement_parser = commands.add_parser("statement", help="post an incident's holding statement, once per channel")
    statement_parser.add_argument("incident_id")
    statement_parser.add_argument("--target", required=True, choices=["brand", "replies"],
                                  help="brand: the brand's own channels; replies: each open case's thread")
    statement_parser.add_argument("--text", help="default: the statement drafted when the incident opened")
    resolve_incident_parser = commands.add_parser("resolve-incident", help="resolve an incident with its outcome")
    resolve_incident_parser.add_argument("incident_id")
    resolve_incident_parser.add_argument("--outcome", required=True, help="public: each follow-up says it")
    replay_parser = commands.add_parser("replay", help="send a sample event (events/*.json), signed with the local secret")
    replay_parser.add_argument("event_file")
    replay_parser.add_argument("--platform", help="default: the event's own {platform}, else generic")
    report_parser = commands.add_parser("report", help="the summary report for the people who lead care")
    report_parser.add_argument("--from", dest="from_day", help="first day, YYYY-MM-DD (default: 6 days ago)")
    report_parser.add_argument("--to", dest="to_day", help="last day, YYYY-MM-DD (default: today)")
    report_parser.add_argument("--html", metavar="FILE", help="write it as one HTML page with charts; prints its path")
    commands.add_parser("sign-out", help="forget the session kept for --stack")
    policy_parser = commands.add_parser("policy", help="check the care policy file and summarise it")
    policy_parser.add_argument("file", nargs="?", help="default: $POLICY_FILE, else the one the layer ships")
    args = parser.parse_args(argv)

    if args.command == "serve":
        return serve(args.port)
    if args.command == "policy":
        return check_policy(args.file)
    api = Api.of_stack(args.stack, args.user) if args.stack else Api(args.api, args.user)
    if args.command == "sign-out":
        api.sign_out()
        return 0
    if args.command == "replay":
        return replay(api, args.event_file, args.platform)
    if args.command == "list":
        status, body = api.call("GET", f"/cases?status={args.status}&limit={args.limit}")
        if status == 200:
            print_cases(body["cases"])
    elif args.command == "show":
        status, body = api.call("GET", f"/cases/{args.case_id}")
        if status == 200:
            print_case(body)
    elif args.command == "thread":
        status, body = api.call("GET", f"/cases/{args.case_id}/private-messages")
        if status == 200:
            print_thread(body)
    elif args.command == "report":
        query = "&".join(f"{name}={value}" for name, value in (("from", args.from_day), ("to", args.to_day)) if value)
        status, body = api.call("GET", "/reports/summary" + (f"?{query}" if query else ""))
        if status == 200 and args.html:
            print(write_html_report(body, args.html))
        elif status == 200:
            print_report(body)
    elif args.command == "history":
        status, body = api.call("GET", f"/authors/{args.platform}/{args.author_id}/cases")
        if status == 200:
            print_history(body)
    elif args.command == "link":
        status, body = api.call("POST", f"/authors/{args.platform}/{args.author_id}/links",
                                {"platform": args.other_platform, "authorId": args.other_author_id})
        if status == 200:
            print(f"link: {'already linked' if body['alreadyLinked'] else 'done'} ({args.platform} {args.author_id} "
                  f"and {args.other_platform} {args.other_author_id} are one person's)")
    elif args.command == "clear-flag":
        status, body = api.call("POST", f"/authors/{args.platform}/{args.author_id}/flag-clearance",
                                {"reason": args.reason})
        if status == 200:
            print_clearance(body)
    elif args.command in ("incidents", "incident", "statement", "resolve-incident"):
        return incident_command(api, args)
    else:
        fields = {"acknowledge": {"replyText": getattr(args, "text", None)},
                  "answer": {"replyText": getattr(args, "text", None)},
                  "claim": {"owner": getattr(args, "owner", None) or ""},
                  "resolve": {"summary": getattr(args, "summary", None), "publicNote": getattr(args, "note", None)},
                  "follow-up": {"replyText": getattr(args, "text", None) or ""},
                  "dismiss": {"reason": getattr(args, "reason", None)}}[args.command]
        status, body = api.call("POST", f"/cases/{args.case_id}/{args.command}", fields)
        if status == 200:
            print(f"{args.command}: done ({body['caseId']} was in {body['step']})")
        elif status == 202:
            print(f"{args.command}: accepted ({body['message']})")
            return 0
    if status != 200:
        print(f"error {status}: {body.get('message', body)}", file=sys.stderr)
        return 1
    return 0


def incident_command(api: Api, args: argparse.Namespace) -> int:
    if args.command == "incidents":
        status, body = api.call("GET", f"/incidents?status={args.status}&limit={args.limit}")
        if status == 200:
            print_incidents(body["incidents"])
            return 0
    path = f"/incidents/{urllib.parse.quote(args.incident_id, safe='')}"
    if args.command == "incident":
        status, body = api.call("GET", path)
        if status == 200:
            print_incident(body)
            return 0
    elif args.command == "statement":
        status, body = api.call("POST", f"{path}/statement", {"target": args.target, "text": args.text or ""})
        if status == 200:
            print(f"statement ({args.target}): {body['text']}")
            print_posts(body["results"], "open case to reply to" if args.target == "replies" else "platform")
            if not body["complete"]:
                print("  not all posted yet: run the same command again to post the rest (nothing goes twice)")
            return 0
    else:
        status, body = api.call("POST", f"{path}/resolve", {"outcome": args.outcome})
        if status == 200:
            print(f"resolved {body['incidentId']}: {body['outcome']}")
            print_posts(body["followUps"], "open case: no follow-ups")
            return 0
    print(f"error {status}: {body.get('message', body)}", file=sys.stderr)
    for rejection in body.get("rejections", []):
        print(f"  {rejection['rule']}: {rejection['words']!r} ({rejection['explanation']})", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())

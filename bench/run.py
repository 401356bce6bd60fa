"""`make bench`: figures on this machine, no pass/fail.

  1. import time of each handler module in a fresh interpreter (a cold-start proxy), beside `import boto3` timed the
     same way in the same run, and the Lambda cold start it suggests
  2. the receive-webhook handler's time per signed delivery, beside a bare verify-and-enqueue on the same moto
  3. ingest throughput on the local cloud, with repeated mentions and second mentions by one author, and what became
     of every mention (read back from the tables, so a doubled mention would show)
  4. state transitions of a happy-path case and of one escalation rung, and what Step Functions charges for them
  5. the reply guardrails on the labelled corpus
  6. the summary report over a week of 10,000 cases: reading their facts by day and adding them up, then the HTML page
  7. the open queue (GET /cases?limit=500) over HTTP with 2,000 open cases (bench/queue.py)
"""
from __future__ import annotations

import hashlib
import hmac
import importlib
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta

from local.cloud import LocalCloud, local_environment
from local.template import ROOT, load_template, resources_of_type

os.environ.update(local_environment())  # before socialcare reads its settings and table names

import boto3  # noqa: E402
import botocore.client  # noqa: E402

from socialcare.platforms.generic import sign  # noqa: E402

PRICE_PER_1000_TRANSITIONS = 0.025  # USD, Standard workflows, us-east-1 (aws-notes.md §5)
FREE_TRANSITIONS_PER_MONTH = 4000
# Hours-long clocks, so nothing escalates while the bench runs unless a section shortens one on purpose.
LONG_CLOCKS = {"ACK_SLA_SECONDS": 3600, "ACK_HARD_LIMIT_SECONDS": 7200, "DM_WAIT_SECONDS": 3600,
               "TRIAGE_CLAIM_SECONDS": 3600, "RESOLVE_SECONDS": 3600, "FOLLOW_UP_SECONDS": 3600}
# The acknowledgement ladder squeezed into seconds: first rung after 1 s, then one rung a second up to level 3.
LATE_CLOCKS = {**LONG_CLOCKS, "ACK_SLA_SECONDS": 1, "ACK_HARD_LIMIT_SECONDS": 4}
LABEL_WIDTH = 46
OUTCOME_ORDER = ("opened", "attached", "duplicate")  # socialcare.ingest's names, in the order a reader expects


def row(label: str, value: str) -> None:
    print(f"   {label:<{LABEL_WIDTH}} {value}")


# -- deliveries -----------------------------------------------------------------------------------------------------
def signed_delivery(mentions: list[dict], delivery_id: str) -> tuple[bytes, dict]:
    body = json.dumps({"deliveryId": delivery_id, "mentions": mentions}).encode()
    stamp = str(int(time.time()))
    return body, {"X-SocialCare-Timestamp": stamp,
                  "X-SocialCare-Signature": sign(os.environ["GENERIC_WEBHOOK_SECRET"], stamp, body)}


def mention(mention_id: str, author_id: str, kind: str = "mention", text: str = "@brand my order is late") -> dict:
    return {"id": mention_id, "kind": kind, "text": text, "createdAt": "2026-11-22T09:00:00Z",
            "author": {"id": author_id, "handle": f"@user{author_id}", "followers": 100}}


def post_delivery(cloud: LocalCloud, mentions: list[dict], delivery_id: str) -> None:
    body, headers = signed_delivery(mentions, delivery_id)
    response = cloud.http("POST", "/webhooks/generic", body, headers)
    assert response.status == 200, response


# -- 1. import time ---------------------------------------------------------------------------------------------------
IMPORT_RUNS = 5
BASELINE_MODULE = "boto3"
# What a cold start costs besides the imports: Lambda starting the Python runtime (a figure seen for a bare python3.13
# function's Init Duration; measure yours as README "Cold starts" says). Not measured here.
RUNTIME_START_MS = 100
ONE_VCPU_MB = 1769  # Lambda: "At 1,769 MB, a function has the equivalent of one vCPU" (AWS docs, function memory)


def handler_modules() -> dict[str, str]:
    """Function logical id -> its handler module, as SAM packages CodeUri functions/<folder>/."""
    return {name: "functions." + function["Properties"]["CodeUri"].strip("/").split("/")[-1] + ".app"
            for name, function in resources_of_type(load_template(), "AWS::Serverless::Function").items()}


def memory_sizes() -> dict[str, int]:
    """Function logical id -> its MemorySize in MB, the template's Globals unless the function sets its own."""
    template = load_template()
    default = template.get("Globals", {}).get("Function", {}).get("MemorySize", 128)
    return {name: function["Properties"].get("MemorySize", default)
            for name, function in resources_of_type(template, "AWS::Serverless::Function").items()}


def import_seconds(module: str, bytecode_dir: str) -> float:
    """One import in a fresh interpreter: only the import is timed, not the interpreter's own start. The environment
    is a Lambda function's as far as the imports see it (LAMBDA_TASK_ROOT set), so the Tracer does what it does when
    deployed: it patches boto3 and requests, and the X-Ray SDK samples locally instead of building an X-Ray client.
    Bytecode is read from (and first written to) `bytecode_dir`, as the deployed layer ships it compiled
    (layers/domain/Makefile), whatever PYTHONDONTWRITEBYTECODE says here."""
    env = {**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'layers/domain'}",  # os.environ has the fake AWS creds
           "LAMBDA_TASK_ROOT": str(ROOT), "AWS_LAMBDA_FUNCTION_NAME": "bench", "PYTHONPYCACHEPREFIX": bytecode_dir}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("POWERTOOLS_TRACE_DISABLED", None)  # set for the local cloud; a deployed Tracer patches at import
    code = f"import time; started = time.perf_counter(); import {module}; print(time.perf_counter() - started)"
    return float(subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True,
                                check=True).stdout)


def import_milliseconds(modules: list[str], runs: int = IMPORT_RUNS) -> dict[str, float]:
    """The fastest of `runs` fresh imports of each module (the least disturbed by whatever else the machine does).
    The modules take turns within each round, so a busy moment slows the baseline as much as the handlers."""
    seconds: dict[str, list[float]] = {module: [] for module in modules}
    with tempfile.TemporaryDirectory(prefix="bench-bytecode-") as bytecode_dir:
        for module in modules:  # compiles what the module imports, untimed
            import_seconds(module, bytecode_dir)
        for _ in range(runs):
            for module in modules:
                seconds[module].append(import_seconds(module, bytecode_dir))
    return {module: min(timings) * 1000 for module, timings in seconds.items()}


def lambda_init_estimate(import_ms: float, memory_mb: int) -> tuple[float, float]:
    """(low, high) milliseconds of Init Duration on Lambda, from an import time measured on one core of this machine,
    taken as one vCPU of Lambda's. High: the import at the CPU share the memory buys (256 MB: 0.145 vCPU), as Lambda
    documents for a function's run. Low: the import at a whole vCPU, as Lambda is commonly seen to give the init
    phase (not documented). Both add the runtime's own start."""
    share = min(1.0, memory_mb / ONE_VCPU_MB)
    return RUNTIME_START_MS + import_ms, RUNTIME_START_MS + import_ms / share


# -- 2. webhook latency -----------------------------------------------------------------------------------------------
def bare_delivery(sqs, queue_url: str, secret_value: str, body: bytes, headers: dict) -> None:
    """The least a webhook can do: check the HMAC, read the JSON, send one SQS message (the baseline of section 2)."""
    stamp = headers["X-SocialCare-Timestamp"]
    expected = hmac.new(secret_value.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(f"sha256={expected}".encode(), headers["X-SocialCare-Signature"].encode())
    delivery = json.loads(body)
    sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(delivery["mentions"][0]))


def webhook_milliseconds(cloud: LocalCloud, deliveries: int = 300, warm_up: int = 10) -> tuple[list[float], list[float]]:
    """One signed 1-mention delivery at a time through the local HttpApi to the handler, and the same delivery through
    bare_delivery on the same moto, taking turns; the first few of each (lazy clients, caches) are not counted."""
    handler, bare = [], []
    sqs, queue_url, secret_value = (boto3.client("sqs"), os.environ["INGEST_QUEUE_URL"],
                                    os.environ["GENERIC_WEBHOOK_SECRET"])
    for n in range(warm_up + deliveries):
        body, headers = signed_delivery([mention(f"lat-{n}", str(n))], f"lat-{n}")
        started = time.perf_counter()
        response = cloud.http("POST", "/webhooks/generic", body, headers)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status == 200, response
        started = time.perf_counter()
        bare_delivery(sqs, queue_url, secret_value, body, headers)
        bare_elapsed = (time.perf_counter() - started) * 1000
        if n >= warm_up:
            handler.append(elapsed)
            bare.append(bare_elapsed)
    return handler, bare


# -- 3. ingest --------------------------------------------------------------------------------------------------------
def ingest_traffic(deliveries: int = 15) -> list[list[dict]]:
    """Ten mentions per delivery: six authors' first mentions, a second mention by two of them, and two repeats of
    mention ids already in the delivery (a platform retry) — 20% repeats, 20% attach to an open case."""
    traffic = []
    for d in range(deliveries):
        firsts = [mention(f"tp-{d}-{k}", author_id=f"tp-{d}-{k}") for k in range(6)]
        seconds = [mention(f"tp-{d}-{k}-again", author_id=f"tp-{d}-{k}", text="still waiting") for k in range(2)]
        traffic.append(firsts + seconds + [firsts[0], seconds[0]])
    return traffic


class IngestTimer:
    """Wall time of each mention's ingest, by outcome (opened, attached, duplicate...), timed around the ingest
    handler's call into the layer, and the AWS calls that ingest made (in its own thread: not the execution's). Opening
    a case also starts an execution on moto, whose interpreter threads share this process's GIL, so an opened case's
    figure includes some of that."""

    def __init__(self):
        self.milliseconds: dict[str, list[float]] = {}
        self.calls: dict[str, list[Counter]] = {}  # outcome -> for each mention, its calls by "service.Operation"
        self.capacity: dict[str, list[Counter]] = {}  # outcome -> for each mention, {"read": RCU, "write": WCU}
        self._handler_module = importlib.import_module("functions.ingest_mentions.app")  # the cloud's, once started
        self._original = self._handler_module.ingest_mention
        self._original_call = botocore.client.BaseClient._make_api_call
        self._current = threading.local()

    def __enter__(self) -> "IngestTimer":
        def timed(*args, **kwargs):
            self._current.calls, self._current.capacity = Counter(), Counter()
            started = time.perf_counter()
            try:
                outcome = self._original(*args, **kwargs)
            finally:
                calls, capacity = self._current.calls, self._current.capacity
                self._current.calls = None
            self.milliseconds.setdefault(outcome.outcome, []).append((time.perf_counter() - started) * 1000)
            self.calls.setdefault(outcome.outcome, []).append(calls)
            self.capacity.setdefault(outcome.outcome, []).append(capacity)
            return outcome

        timer, original_call = self, self._original_call

        def counted(client, operation_name, api_params):
            calls = getattr(timer._current, "calls", None)
            if calls is None:
                return original_call(client, operation_name, api_params)
            service = client.meta.service_model.service_name
            calls[f"{service}.{operation_name}"] += 1
            if service != "dynamodb":
                return original_call(client, operation_name, api_params)
            response: dict = {}
            try:  # a write refused on its condition consumes its units too
                response = original_call(client, operation_name, api_params)
                return response
            finally:
                kind, units = capacity_units(operation_name, api_params, response)
                timer._current.capacity[kind] += units

        self._handler_module.ingest_mention = timed
        botocore.client.BaseClient._make_api_call = counted
        return self

    def __exit__(self, *exc) -> None:
        self._handler_module.ingest_mention = self._original
        botocore.client.BaseClient._make_api_call = self._original_call


WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}


def capacity_units(operation: str, params: dict, response: dict) -> tuple[str, float]:
    """DynamoDB's capacity units for one call, by AWS's rules on on-demand tables with every item under 1 KB (ours
    are): a write 1 WCU an item (2 in a transaction), refused on its condition or not; a read 1 RCU per 4 KB read
    strongly consistent, half that eventually consistent, at least one unit a call even when nothing is found. (moto's
    own ConsumedCapacity is a fixed number per call, so it is not asked for.)"""
    if operation in WRITES:
        if operation == "TransactWriteItems":
            return "write", 2.0 * len(params["TransactItems"])
        if operation == "BatchWriteItem":
            return "write", float(sum(len(requests) for requests in params["RequestItems"].values()))
        return "write", 1.0
    size = len(json.dumps(response.get("Items") or response.get("Item") or {}))  # roughly the items' bytes
    units = max(1, -(-size // 4096))
    return "read", units if params.get("ConsistentRead") else units / 2


def stored_outcomes(cloud: LocalCloud) -> dict:
    """What the tables hold for the bench's mentions: one mentions-table row per distinct mention, with its outcome,
    and each case's mention count."""
    pages = boto3.client("dynamodb").get_paginator("scan").paginate(TableName=os.environ["MENTIONS_TABLE_NAME"])
    rows = [item for page in pages for item in page["Items"] if item["mention_key"]["S"].startswith("generic#tp-")]
    cases = [c for c in cloud.http("GET", "/cases?limit=500", headers=cloud.signed_in()).json()["cases"]
             if c["caseId"].startswith("generic-tp-")]
    return {"mention rows": len(rows),
            "outcomes": Counter(item.get("outcome", {}).get("S", "unfinished") for item in rows),
            "cases": len(cases), "mentions on cases": sum(c["mentions"] for c in cases),
            "executions": sum(1 for e in cloud.executions() if e["name"].startswith("generic-tp-"))}


def ingest_run(cloud: LocalCloud, traffic: list[list[dict]]) -> dict:
    """Enqueue every delivery, time the queue's delivery to the ingest handler, then redeliver it all (the platform
    retrying everything: only the dedupe path runs) and read the tables back after each."""
    for n, mentions in enumerate(traffic):
        post_delivery(cloud, mentions, f"tp-delivery-{n}")
    with IngestTimer() as by_outcome:
        started = time.perf_counter()
        delivered = cloud.deliver_queue(max_rounds=10_000)
        seconds = time.perf_counter() - started
    after_first = stored_outcomes(cloud)
    for n, mentions in enumerate(traffic):
        post_delivery(cloud, mentions, f"tp-delivery-{n}")
    started = time.perf_counter()
    redelivered = cloud.deliver_queue(max_rounds=10_000)
    redelivery_seconds = time.perf_counter() - started
    sent = [m for mentions in traffic for m in mentions]
    return {"sent": len(sent), "distinct": len({m["id"] for m in sent}),
            "authors": len({m["author"]["id"] for m in sent}),
            "delivered": delivered, "seconds": seconds, "milliseconds_by_outcome": by_outcome.milliseconds,
            "calls_by_outcome": by_outcome.calls, "capacity_by_outcome": by_outcome.capacity,
            "after_first": after_first,
            "redelivered": redelivered, "redelivery_seconds": redelivery_seconds,
            "after_redelivery": stored_outcomes(cloud)}


# -- 4. state transitions ---------------------------------------------------------------------------------------------
def states_entered(cloud: LocalCloud, case_id: str) -> list[str]:
    """Step Functions bills one transition per state entered."""
    return [event["stateEnteredEventDetails"]["name"] for event in cloud.history(case_id)
            if event["type"].endswith("StateEntered")]


def show(cloud: LocalCloud, case_id: str) -> dict:
    return cloud.http("GET", f"/cases/{case_id}", headers=cloud.signed_in()).json()


def act_when_waiting(cloud: LocalCloud, case_id: str, action: str, **fields) -> None:
    """Act once the case waits for it. A rung firing in between makes the case briefly not wait (409): try again."""
    deadline = time.monotonic() + 30
    while True:
        cloud.wait_for(lambda: show(cloud, case_id).get("waitingFor") == action, timeout=30,
                       what=f"{case_id} waiting for {action}")
        response = cloud.http("POST", f"/cases/{case_id}/{action}", json.dumps(fields), cloud.signed_in())
        if response.status == 200:
            return
        if response.status != 409 or time.monotonic() > deadline:
            raise RuntimeError(f"{action} on {case_id}: {response}")


def happy_path(cloud: LocalCloud) -> tuple[list[str], int]:
    """Mention, acknowledge, the customer's DM, claim, resolve, follow-up: the states the case entered, and how many
    of its tasks failed (each would be retried, and a retry is billed as a transition too)."""
    case_id = "generic-happy-1"
    post_delivery(cloud, [mention("happy-1", "happy")], "happy")
    cloud.deliver_queue()
    act_when_waiting(cloud, case_id, "acknowledge", replyText="Sorry about the late order, we're on it.")
    cloud.wait_for(lambda: show(cloud, case_id).get("waitingFor") == "customer-dm", what="waiting for the DM")
    post_delivery(cloud, [mention("happy-dm", "happy", kind="dm", text="order 42")], "happy-dm")
    cloud.deliver_queue()
    act_when_waiting(cloud, case_id, "claim", owner="bench")
    act_when_waiting(cloud, case_id, "resolve", summary="shipped", publicNote="It's on its way!")
    act_when_waiting(cloud, case_id, "follow-up")
    status = cloud.wait_for_status(case_id)["status"]
    if status != "SUCCEEDED":
        raise RuntimeError(f"the happy-path case ended {status}: {cloud.path(case_id)}")
    failures = sum(1 for event in cloud.history(case_id) if event["type"].endswith("Failed"))
    return states_entered(cloud, case_id), failures


def late_acknowledgement(cloud: LocalCloud) -> list[str]:
    """A case acknowledged once the first rung has fired, up to its wait for the customer's DM."""
    case_id = "generic-late-1"
    post_delivery(cloud, [mention("late-1", "late")], "late")
    cloud.deliver_queue()
    cloud.wait_for(lambda: show(cloud, case_id)["escalationLevel"] >= 1, timeout=30, what="the first escalation")
    act_when_waiting(cloud, case_id, "acknowledge", replyText="Sorry for the wait!")
    cloud.wait_for(lambda: show(cloud, case_id).get("waitingFor") == "customer-dm", what="waiting for the DM")
    return states_entered(cloud, case_id)


def up_to(states: list[str], name: str) -> list[str]:
    return states[:states.index(name) + 1]


def transitions_per_rung(happy: list[str], late: list[str]) -> tuple[float, int]:
    """Compare both cases up to their first wait for the DM. With a rung every second, a second one can fire before
    the acknowledgement lands, so the rungs are counted in the history rather than assumed to be one."""
    happy_part, late_part = up_to(happy, "Await Customer DM"), up_to(late, "Await Customer DM")
    rungs = late_part.count("Escalate Case")
    if rungs == 0 or "Escalate Case" in happy_part:
        raise RuntimeError(f"expected rungs only on the late case: {late_part} vs {happy_part}")
    return (len(late_part) - len(happy_part)) / rungs, rungs


# -- 6. the summary report ---------------------------------------------------------------------------------------------
REPORT_WEEK = date(2026, 11, 16)  # a Monday; the week before it is read too (the topics' trend), and is empty here


def week_of_facts(cases: int = 10_000, seed: int = 6) -> list[dict]:
    """Case facts as a week of care might leave them (seeded): most cases answered within the hour and closed, some
    late and climbing the ladder, a few never answered; scores from some of those asked, stars on Google reviews."""
    rng = random.Random(seed)
    facts = []
    for n in range(cases):
        day = REPORT_WEEK + timedelta(days=rng.randrange(7))
        platform_name = rng.choices(["x", "meta", "generic", "google"], [35, 30, 25, 10])[0]
        status = rng.choices(["CLOSED", "OPEN", "DISMISSED"], [60, 30, 10])[0]
        answered = status != "DISMISSED" and rng.random() < 0.95
        business = round(rng.lognormvariate(3.3, 0.9), 1) if answered else None
        sla_met = None if status == "DISMISSED" else business is not None and business <= 60
        level = 0 if sla_met in (True, None) else rng.choices([1, 2, 3], [60, 30, 10])[0]
        resolved = status == "CLOSED" and rng.random() < 0.7
        asked = resolved and rng.random() < 0.5
        stars = rng.randint(1, 5) if platform_name == "google" else None
        facts.append({
            "case_id": f"bench-report-{n}", "opened_day": day.isoformat(), "opened_at": f"{day}T10:00:00.000Z",
            "status": status, "platform": platform_name,
            "outcome": {"CLOSED": "resolved" if resolved else "answered", "DISMISSED": "dismissed"}.get(status),
            "topic": rng.choices(["delivery", "app", "payments", "returns", "account", None], [30, 20, 15, 10, 5, 20])[0],
            "team": rng.choice(["support", "deliveries", "billing", "devices"]),
            "priority": rng.choices(["normal", "high", "urgent"], [80, 15, 5])[0],
            "incident_id": "incident-app-bench" if rng.random() < 0.02 else None,
            "first_response_at": f"{day}T11:00:00.000Z" if answered else None,
            "first_response_minutes": business and round(business * rng.uniform(1, 3), 1),
            "first_response_business_minutes": business, "acknowledgement_sla_met": sla_met,
            "highest_escalation_level": level, "hard_limit_reached": level == 3 and not answered,
            "minutes_to_resolve": round(rng.lognormvariate(6.3, 1), 1) if resolved else None,
            "csat_asked": asked, "csat_score": rng.choices([1, 2, 3, 4, 5], [8, 7, 15, 35, 35])[0]
            if asked and rng.random() < 0.4 else None,
            "review_rating_before": stars,
            "review_rating_after": stars and min(5, stars + rng.choice([0, 0, 1, 2])) if answered else None})
    return facts


def report_summary() -> None:
    from functions.send_weekly_digest.report_page import render
    from socialcare.cases.report import summarize, summary
    from socialcare.storage.facts import CaseFactsRecord
    facts = week_of_facts()
    with LocalCloud(clocks=LONG_CLOCKS):
        started = time.perf_counter()
        with CaseFactsRecord.batch_write() as batch:
            for fact in facts:
                batch.save(CaseFactsRecord(**{k: v for k, v in fact.items() if v is not None}))
        load_seconds = time.perf_counter() - started
        started = time.perf_counter()
        report = summary(REPORT_WEEK.isoformat(), (REPORT_WEEK + timedelta(days=6)).isoformat())
        summary_seconds = time.perf_counter() - started
    started = time.perf_counter()
    summarize(facts)
    summarize_seconds = time.perf_counter() - started
    timings = []
    for _ in range(2):  # the first imports matplotlib, as a cold Lambda would
        started = time.perf_counter()
        page = render(report)
        timings.append(time.perf_counter() - started)
    first = report["firstResponse"]
    print(f"\n6. The summary report over a week of {len(facts):,} cases on the local cloud (moto DynamoDB)")
    row("facts written (batch writes)", f"{load_seconds:8.2f} s")
    row("summary(): 14 day queries on FactsByDay, added", f"{summary_seconds:8.2f} s  "
        f"({report['cases']['opened'] / summary_seconds:,.0f} cases/s)")
    row("  of which adding up (summarize, in memory)", f"{summarize_seconds:8.2f} s  "
        f"({len(facts) / summarize_seconds:,.0f} cases/s): the rest is reading")
    row("  the report", f"{report['cases']['opened']:,} opened, {first['slaAttainment']:.0%} inside the SLA, "
        f"business p50 {first['p50BusinessMinutes']} min")
    row("render(), first (imports matplotlib)", f"{timings[0]:8.2f} s")
    row("render(), again", f"{timings[1]:8.2f} s  ({len(page) / 1024:.0f} KiB, {page.count('<svg')} charts)")


# -- the report -------------------------------------------------------------------------------------------------------
def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            return next(line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or platform.machine()


def report_import_times() -> None:
    modules = handler_modules()
    milliseconds = import_milliseconds([BASELINE_MODULE, *modules.values()])
    baseline = milliseconds[BASELINE_MODULE]
    memory = memory_sizes()
    print(f"1. Handler module import in a fresh interpreter as Lambda's (cold-start proxy, bytecode compiled as the "
          f"layer ships it, fastest of {IMPORT_RUNS} runs), and `import {BASELINE_MODULE}` timed the same way in the "
          "same run")
    row(f"import {BASELINE_MODULE}", f"{baseline:7.1f} ms  1.00x")
    for name, module in modules.items():
        row(module.split(".")[1], f"{milliseconds[module]:7.1f} ms  {milliseconds[module] / baseline:4.2f}x")
    print(f"   Lambda init estimate (arm64; {RUNTIME_START_MS} ms runtime start + the import at a whole vCPU .. at the "
          "memory's CPU share, memory/1769 MB):")
    for name, module in modules.items():
        low, high = lambda_init_estimate(milliseconds[module], memory[name])
        row(f"{module.split('.')[1]} ({memory[name]} MB)", f"{low:7.0f} .. {high:5.0f} ms")


def report_webhook() -> None:
    with LocalCloud(clocks=LONG_CLOCKS) as cloud:
        timings, bare = webhook_milliseconds(cloud)
    print(f"\n2. Receive webhook, one signed 1-mention delivery ({len(timings)} deliveries after 10 warm-up;")
    print("   the local HttpApi event and the handler: verify the signature, parse, enqueue on moto SQS), beside a bare")
    print("   baseline on the same moto (HMAC check + json.loads + one SQS send_message), the two taking turns")
    row("", f"{'handler':>10} {'bare':>10} {'ratio':>7}")
    for label, pick in (("mean", statistics.mean), ("p50", lambda t: statistics.quantiles(t, n=100)[49]),
                        ("p95", lambda t: statistics.quantiles(t, n=100)[94])):
        row(label, f"{pick(timings):7.2f} ms {pick(bare):7.2f} ms {pick(timings) / pick(bare):6.2f}x")


def report_ingest() -> None:
    with LocalCloud(clocks=LONG_CLOCKS) as cloud:
        ingest = ingest_run(cloud, ingest_traffic())
    first, again = ingest["after_first"], ingest["after_redelivery"]
    print(f"\n3. Ingest on the local cloud: {ingest['sent']} mentions in {ingest['sent'] // 10} deliveries "
          f"({ingest['distinct']} distinct ids, {ingest['sent'] - ingest['distinct']} repeated, "
          f"{ingest['authors']} authors)")
    row("delivered to the ingest handler", f"{ingest['delivered']:6d} mentions in {ingest['seconds']:.1f} s")
    row("throughput", f"{ingest['delivered'] / ingest['seconds']:8.1f} mentions/s")
    by_outcome = ingest["milliseconds_by_outcome"]
    for outcome in sorted(by_outcome, key=lambda name: OUTCOME_ORDER.index(name) if name in OUTCOME_ORDER else 9):
        timings = by_outcome[outcome]
        row(f"  mean per {outcome} mention", f"{statistics.mean(timings):8.1f} ms  (n={len(timings)})")
    print("   AWS calls an ingest makes, per mention (mean; the execution's own calls are not counted here):")
    scans = 0
    for outcome in sorted(by_outcome, key=lambda name: OUTCOME_ORDER.index(name) if name in OUTCOME_ORDER else 9):
        calls, capacity = ingest["calls_by_outcome"][outcome], ingest["capacity_by_outcome"][outcome]
        total = sum(calls, Counter())
        scans += sum(count for name, count in total.items() if name.endswith((".Scan", ".ParallelScan")))
        per = ", ".join(f"{name.split('.', 1)[1] if name.startswith('dynamodb.') else name} "
                        f"{count / len(calls):.1f}" for name, count in total.most_common())
        row(f"  {outcome}: {sum(total.values()) / len(calls):.1f} calls", per)
        row("", f"DynamoDB {sum(c['read'] for c in capacity) / len(capacity):.1f} RCU, "
            f"{sum(c['write'] for c in capacity) / len(capacity):.1f} WCU")
    row("Scan on any ingest path", "none" if scans == 0 else f"{scans} SCANS")
    print("   What the tables hold afterwards:")
    outcomes = first["outcomes"]
    row("cases opened (mentions table: opened)", f"{outcomes['opened']:6d}")
    row("attached to the author's open case", f"{outcomes['attached']:6d}")
    for outcome in sorted(set(outcomes) - {"opened", "attached"}):
        row(f"other outcome: {outcome}", f"{outcomes[outcome]:6d}")
    row("mentions-table rows (one per distinct id)", f"{first['mention rows']:6d}")
    row("repeats dropped (delivered - rows)", f"{ingest['delivered'] - first['mention rows']:6d}")
    doubled = first["mentions on cases"] - first["mention rows"]
    row("mentions counted on the cases", f"{first['mentions on cases']:6d}  "
        + ("(= rows: none doubled)" if doubled == 0 else f"({doubled} more than rows: DOUBLED)"))
    row("open cases / executions started", f"{first['cases']:6d} / {first['executions']}")
    unchanged = all(first[key] == again[key] for key in first)
    print(f"   Redelivered all {ingest['redelivered']} (every one a repeat now):")
    row("throughput", f"{ingest['redelivered'] / ingest['redelivery_seconds']:8.1f} mentions/s")
    row("rows, outcomes, cases, executions", "unchanged" if unchanged else f"CHANGED to {again}")


def report_transitions() -> None:
    with LocalCloud(clocks=LONG_CLOCKS) as cloud:
        happy, failures = happy_path(cloud)
    with LocalCloud(clocks=LATE_CLOCKS) as cloud:
        late = late_acknowledgement(cloud)
    per_rung, rungs = transitions_per_rung(happy, late)
    first_rung = late.index("Escalate Case")
    print("\n4. Step Functions state transitions (states entered; Standard $0.025 per 1,000, us-east-1)")
    row("happy-path case", f"{len(happy):6d} transitions")
    row("  (mention, ack, DM, claim, resolve, follow-up)", f"{len(happy) * PRICE_PER_1000_TRANSITIONS:8.3f} USD "
        "per 1,000 cases")
    row("one escalation rung adds", f"{per_rung:6.0f} transitions  ({rungs} rung(s) in the late case's history)")
    row("", f"{per_rung * PRICE_PER_1000_TRANSITIONS:8.3f} USD per 1,000 rungs")
    row("  states a rung enters", " -> ".join(late[first_rung:first_rung + round(per_rung)]))
    row("free tier", f"{FREE_TRANSITIONS_PER_MONTH} transitions/month = "
        f"{FREE_TRANSITIONS_PER_MONTH // len(happy)} happy-path cases")
    print(f"   A retried task is billed again; {failures} task(s) failed in the happy-path case.")


def report_guardrails() -> None:
    from tests.corpus.measure import BLIND, CORPUS, measure
    started = time.perf_counter()
    figures = measure(CORPUS)
    seconds = time.perf_counter() - started
    print("\n5. Reply guardrails on the labelled corpus (tests/corpus)")
    for line in figures.report().splitlines():
        print(f"   {line}")
    row("time per reply checked", f"{seconds / figures.replies * 1000:8.2f} ms")
    from socialcare.care.policy import Guardrails
    for label, rules in (("", None), (", with the tone model on (policy tone_model: true)", Guardrails(tone_model=True))):
        blind = measure(BLIND, rules)
        if blind.replies:
            print(f"   The blind set, never used to write the rules{label}:")
            for line in blind.report().splitlines():
                print(f"   {line}")


def report_queue() -> None:
    from bench.queue import report_queue as queue  # bench.queue imports this module
    queue()


SECTIONS = {"1": report_import_times, "2": report_webhook, "3": report_ingest, "4": report_transitions,
            "5": report_guardrails, "6": report_summary, "7": report_queue}


def main(sections: list[str]) -> int:
    """Every section, or those named: `python -m bench.run 1 2`."""
    print(f"social-care-workflow bench  {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"   machine: {os.cpu_count()} cores, {cpu_model()}, {platform.system()} {platform.machine()}")
    print(f"   Python {platform.python_version()} ({sys.executable})\n")
    for number in sections or SECTIONS:
        SECTIONS[number]()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

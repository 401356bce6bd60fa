"""The open queue, GET /cases?limit=500, timed over HTTP against the local server (local/server.py on a free port, as
bench/burst.py measures it) with QUEUE_CASES open cases (default 2,000), without ingesting them one by one.

A few cases are opened by the real ingest (signed generic deliveries over HTTP) and left waiting for their first
agent reply; the rest are copies of those items, written straight into the cases table, each with its own case id,
author, texts and a deadline of its own (the index the queue reads is status + deadline). Only the CASE items are
copied: the listing reads nothing else. It is `make bench` section 7; bench/burst.py measures the same request after
ingesting its cases for real (half an hour for 2,000).
"""
from __future__ import annotations

import os
import sys
import time
from datetime import UTC, datetime, timedelta

from bench.burst import signed_in
from bench.run import LONG_CLOCKS, mention, row, signed_delivery
from local.server import LocalServer

import boto3  # noqa: E402  (after bench.run, which sets the local environment)
import requests  # noqa: E402

from socialcare.storage.records import CASE_RECORD  # noqa: E402

QUEUE_CASES = int(os.environ.get("QUEUE_CASES", "2000"))
INGESTED = 4  # opened by the real ingest: the shapes the copies take
SEED_TIMEOUT_SECONDS = 120
ANSWERS = ("limit=500", "limit=7", "status=DISMISSED&limit=500", "status=dismissed&limit=3", "status=CLOSED")


def ingest_templates(url: str) -> list[str]:
    """Open INGESTED cases through the webhook and wait until each waits for its acknowledgement; their ids."""
    mentions = [mention(f"queue-{n}", f"queue-{n}", text=f"@brand my order {n} is late and nobody answers")
                for n in range(INGESTED)]
    body, headers = signed_delivery(mentions, "queue-templates")
    requests.post(f"{url}/webhooks/generic", data=body, headers={**headers, "content-type": "application/json"},
                  timeout=60).raise_for_status()
    case_ids = [f"generic-queue-{n}" for n in range(INGESTED)]
    deadline = time.monotonic() + SEED_TIMEOUT_SECONDS
    agent = signed_in(url)
    with requests.Session() as session:
        for case_id in case_ids:
            while True:
                response = session.get(f"{url}/cases/{case_id}", headers=agent, timeout=60)
                if response.status_code == 200 and response.json().get("waitingFor"):
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{case_id} did not open within {SEED_TIMEOUT_SECONDS} s")
                time.sleep(0.2)
    return case_ids


def copies(templates: list[dict], total: int, start: datetime) -> list[dict]:
    """`total` CASE items in the templates' shapes, each its own case: ids, author, texts, times and deadline."""
    items = []
    for n in range(total):
        item = {name: dict(value) for name, value in templates[n % len(templates)].items()}
        author = f"queue-copy-{n}"
        opened = (start + timedelta(seconds=n)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        due = (start + timedelta(minutes=30, seconds=(n * 7919) % total)).isoformat(timespec="milliseconds")
        item["case_id"] = {"S": f"generic-{author}"}
        item["author_key"] = {"S": f"generic#{author}"}
        item["author_handle"] = {"S": f"@user{author}"}
        item["opening_mention_key"] = {"S": f"generic#{author}"}
        item["reply_to_id"] = {"S": author}
        item["summary_text"] = {"S": f"@brand my order {n} is late and nobody answers"}
        item["opened_at"] = item["updated_at"] = item["promise_since"] = {"S": opened}
        item["deadline"] = {"S": due.replace("+00:00", "Z")}
        item["mention_count"] = {"N": str(1 + n % 4)}
        if n % 5 == 1:  # some of what a queue also shows: a flag, a pile-on, a rung climbed, a case taken up again
            item["flagged_reason"] = {"S": "dismissed 3 times in 30 days"}
            item["incident_id"] = {"S": f"incident-{n % 3}"}
        if n % 7 == 2:
            item["escalation_level"] = {"N": str(n % 4)}
            item["hard_limit_reached"] = {"BOOL": n % 2 == 0}
            item["reopens_case_id"] = {"S": f"generic-queue-copy-{n - 1}"}
        if n % 11 == 3:
            item["summary_text"] = {"S": f"@brand encore {n} été — 😡 \"quoted\"\n"}
            item["priority"] = {"S": "urgent"}
        if n % 13 == 4:  # opened by a DM: no public text
            item["visibility"] = {"S": "private"}
            del item["summary_text"]
        if n % 17 == 5:  # closed: history, latest first
            item["status"] = {"S": "DISMISSED"}
            item["closed_at"] = item["deadline"]
            item.pop("waiting_for", None)
        items.append(item)
    return items


def seed(url: str, total: int = QUEUE_CASES) -> float:
    """`total` open cases in the table (INGESTED of them by the ingest); the seconds it took."""
    started = time.perf_counter()
    dynamodb = boto3.client("dynamodb")
    table = os.environ["CASES_TABLE_NAME"]
    templates = [dynamodb.get_item(TableName=table, Key={"case_id": {"S": case_id}, "record": {"S": CASE_RECORD}},
                                   ConsistentRead=True)["Item"] for case_id in ingest_templates(url)]
    items = copies(templates, total - len(templates), datetime(2026, 11, 22, 9, 0, tzinfo=UTC))
    for n in range(0, len(items), 25):
        requests_ = [{"PutRequest": {"Item": item}} for item in items[n:n + 25]]
        unprocessed = dynamodb.batch_write_item(RequestItems={table: requests_})["UnprocessedItems"]
        assert not unprocessed, unprocessed
    return time.perf_counter() - started


def list_milliseconds(url: str, runs: int = 5) -> tuple[float, float, int]:
    """GET /cases?limit=500 as bench/burst.py asks it: the best of `runs` over one keep-alive connection, the least
    CPU a run took (this process's: the server and the client, which a busy machine does not inflate as it inflates
    the wall clock), and the cases listed."""
    timings, cpu, listed = [], [], 0
    agent = signed_in(url)
    with requests.Session() as session:
        for _ in range(runs):
            started, cpu_started = time.perf_counter(), time.process_time()
            response = session.get(f"{url}/cases?limit=500", headers=agent, timeout=60)
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)
            listed = len(response.json()["cases"])
    return min(timings), min(cpu), listed


def report_queue(argv: list[str] = ()) -> None:
    """`make bench` section 7 (`python -m bench.run 7`); `python -m bench.queue --save FILE` also writes the answers
    of ANSWERS to FILE (to compare before and after a change), `--profile FILE` profiles one more request."""
    os.environ.setdefault("LOCAL_SERVER_QUIET", "1")
    with LocalServer(port=0, clocks=LONG_CLOCKS) as server:
        seconds = seed(server.url)
        print(f"\n7. The open queue over HTTP: {QUEUE_CASES:,} cases ({INGESTED} ingested, the rest copied into the "
              f"table in {seconds:.1f} s)")
        best, cpu, listed = list_milliseconds(server.url)
        row(f"GET /cases?limit=500 ({listed} listed, best of 5)", f"{best:8.1f} ms  (CPU {cpu:.1f} ms)")
        agent = signed_in(server.url)
        if "--save" in argv:
            with open(argv[argv.index("--save") + 1], "wb") as out:
                out.writelines(requests.get(f"{server.url}/cases?{query}", headers=agent, timeout=60).content + b"\n"
                               for query in ANSWERS)
        if "--profile" in argv:
            import cProfile
            import pstats
            profile = cProfile.Profile()
            with requests.Session() as session:
                session.get(f"{server.url}/cases?limit=500", headers=agent, timeout=60)
                profile.enable()  # the server's thread too: Python 3.12+ profiles every thread
                session.get(f"{server.url}/cases?limit=500", headers=agent, timeout=60)
                profile.disable()
            profile.dump_stats(argv[argv.index("--profile") + 1])
            pstats.Stats(profile).sort_stats("tottime").print_stats(30)


if __name__ == "__main__":
    report_queue(sys.argv[1:])

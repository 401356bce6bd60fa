"""`make bench-burst`: a burst of signed generic webhook deliveries POSTed over HTTP to the local server, as `make serve`
runs it (local/server.py on a free port, in this process as the demo runs it, so the tables can be read back), and
what became of it:

  - mentions/s for each 1,000 mentions delivered and ingested (duplicates included), and the end against the start;
  - the time until every case is visible to an agent (GET /cases/{caseId} with the agent token answers 200);
  - lost and doubled, read back from the tables: every distinct mention id in the mentions table with its outcome,
    exactly one case per author, no author with two open cases, and the mentions counted on the cases;
  - GET /cases?limit=500 with every case open, and the peak RSS of the process serving (VmHWM).

BURST_MENTIONS sets the size (default 10,000), BURST_AUTHORS the authors (default a fifth of it). The mix: each
author's first mention opens their case; 20 % of the deliveries' mentions are repeats (a platform redelivering ids
already sent); the rest are more mentions by authors whose case is open (their second, third...), which join it.
"""
from __future__ import annotations

import importlib
import os
import random
import sys
import threading
import time
from collections import Counter

from bench.run import mention, row, signed_delivery
from local.cli import Api
from local.server import LocalServer

import boto3  # noqa: E402  (after bench.run, which sets the local environment)
import requests  # noqa: E402

from socialcare.storage.records import CASE_RECORD  # noqa: E402

BURST_MENTIONS = int(os.environ.get("BURST_MENTIONS", "10000"))
BURST_AUTHORS = int(os.environ.get("BURST_AUTHORS", str(max(1, BURST_MENTIONS // 5))))
REPEAT_SHARE = 0.20
PER_DELIVERY = 10
VISIBLE_TIMEOUT_SECONDS = float(os.environ.get("BURST_TIMEOUT_SECONDS", "1800"))
# Hours-long clocks, so no case escalates while the burst is ingested.
CLOCKS = {"ACK_SLA_SECONDS": 3600, "ACK_HARD_LIMIT_SECONDS": 7200, "DM_WAIT_SECONDS": 3600,
          "TRIAGE_CLAIM_SECONDS": 3600, "RESOLVE_SECONDS": 3600, "FOLLOW_UP_SECONDS": 3600}


def burst_traffic(total: int, authors: int, seed: int = 13) -> list[dict]:
    """The mentions in the order they are sent. The distinct ones are spread over the authors (each has one at
    least; the first of each opens the case), in a shuffled order; a repeat is a mention sent earlier, sent again."""
    rng = random.Random(seed)
    repeats = round(total * REPEAT_SHARE)
    distinct = total - repeats
    if distinct < authors:
        raise ValueError(f"{distinct} distinct mentions cannot come from {authors} authors")
    owners = list(range(authors)) + [rng.randrange(authors) for _ in range(distinct - authors)]
    rng.shuffle(owners)
    seen: Counter = Counter()
    stream = []
    for owner in owners:
        seen[owner] += 1
        nth = seen[owner]
        text = "@brand my order is late" if nth == 1 else f"@brand still waiting ({nth})"
        stream.append(mention(f"burst-{owner}-{nth}", f"burst-{owner}", text=text))
    for _ in range(repeats):  # each repeat lands after the mention it repeats
        position = rng.randrange(1, len(stream) + 1)
        stream.insert(position, dict(stream[rng.randrange(position)]))
    return stream


class Ingested:
    """When each mention's ingest finished, and its outcome, timed around the ingest handler's call into the layer."""

    def __init__(self):
        self.finished: list[tuple[float, str]] = []
        self._module = importlib.import_module("functions.ingest_mentions.app")
        self._original = self._module.ingest_mention
        self._lock = threading.Lock()

    def __enter__(self) -> "Ingested":
        def timed(*args, **kwargs):
            outcome = self._original(*args, **kwargs)
            with self._lock:
                self.finished.append((time.perf_counter(), outcome.outcome))
            return outcome
        self._module.ingest_mention = timed
        return self

    def __exit__(self, *exc) -> None:
        self._module.ingest_mention = self._original

    def count(self) -> int:
        with self._lock:
            return len(self.finished)


def peak_rss_mib() -> float:
    """The process's peak resident set (VmHWM), in MiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def post_all(url: str, stream: list[dict]) -> float:
    """POST the stream as signed deliveries of PER_DELIVERY mentions, one after the other; the seconds it took."""
    started = time.perf_counter()
    with requests.Session() as session:
        for n in range(0, len(stream), PER_DELIVERY):
            body, headers = signed_delivery(stream[n:n + PER_DELIVERY], f"burst-delivery-{n // PER_DELIVERY}")
            response = session.post(f"{url}/webhooks/generic", data=body,
                                    headers={**headers, "content-type": "application/json"}, timeout=60)
            response.raise_for_status()
    return time.perf_counter() - started


def signed_in(url: str) -> dict[str, str]:
    """A lead of the local server, as the CLI signs in (an hour's token: longer than any burst)."""
    return {"Authorization": f"Bearer {Api(url, 'lead').id_token()}"}


def wait_until_visible(url: str, case_ids: list[str], started: float) -> float | None:
    """Seconds from the first POST until every case answers GET /cases/{caseId}; None past the timeout. The cases are
    asked for in the order their first mentions were sent, and each round stops at the first that is not there yet:
    the queue delivers roughly in that order, and asking again for every missing case each second (thousands of GETs
    served by the same process) would slow the very ingest it measures."""
    missing = list(case_ids)
    agent = signed_in(url)
    with requests.Session() as session:
        while missing:
            if time.perf_counter() - started > VISIBLE_TIMEOUT_SECONDS:
                return None
            while missing and session.get(f"{url}/cases/{missing[0]}", headers=agent, timeout=60).status_code == 200:
                missing.pop(0)
            if missing:
                time.sleep(1)
    return time.perf_counter() - started


def wait_until_ingested(ingested: Ingested, expected: int, started: float) -> None:
    while ingested.count() < expected and time.perf_counter() - started < VISIBLE_TIMEOUT_SECONDS:
        time.sleep(0.5)


def read_back(stream: list[dict]) -> dict:
    """Lost and doubled, from the tables (a Scan: the bench's own check, on no path of the app)."""
    dynamodb = boto3.client("dynamodb")
    scan = dynamodb.get_paginator("scan")
    rows = {item["mention_key"]["S"]: item.get("outcome", {}).get("S", "unfinished")
            for page in scan.paginate(TableName=os.environ["MENTIONS_TABLE_NAME"]) for item in page["Items"]
            if item["mention_key"]["S"].startswith("generic#burst-")}
    cases = [item for page in scan.paginate(TableName=os.environ["CASES_TABLE_NAME"]) for item in page["Items"]
             if item.get("record", {}).get("S") == CASE_RECORD
             and item.get("author_key", {}).get("S", "").startswith("generic#burst-")]
    distinct = {m["id"] for m in stream}
    authors = {m["author"]["id"] for m in stream}
    per_author = Counter(case["author_key"]["S"] for case in cases)
    open_per_author = Counter(case["author_key"]["S"] for case in cases if case.get("status", {}).get("S") == "OPEN")
    on_cases = sum(int(case.get("mention_count", {}).get("N", "0")) for case in cases)
    return {"distinct": len(distinct), "authors": len(authors),
            "lost": len({f"generic#{m}" for m in distinct} - set(rows)),
            "unfinished": sum(1 for outcome in rows.values() if outcome == "unfinished"),
            "outcomes": Counter(rows.values()), "cases": len(cases),
            "authors without a case": len(authors) - len(per_author),
            "authors with two cases": sum(1 for n in per_author.values() if n > 1),
            "authors with two open cases": sum(1 for n in open_per_author.values() if n > 1),
            "mentions on cases": on_cases}


def list_milliseconds(url: str, runs: int = 5) -> tuple[float, int]:
    """GET /cases?limit=500 (the open queue, nearest deadline first): the best of a few runs, and its length."""
    timings, length = [], 0
    agent = signed_in(url)
    with requests.Session() as session:
        for _ in range(runs):
            started = time.perf_counter()
            response = session.get(f"{url}/cases?limit=500", headers=agent, timeout=60)
            timings.append((time.perf_counter() - started) * 1000)
            length = len(response.json()["cases"])
    return min(timings), length


def throughput_per_thousand(finished: list[tuple[float, str]], started: float) -> list[float]:
    times = sorted(at for at, _ in finished)
    rates, previous = [], started
    for end in range(999, len(times), 1000):
        rates.append(1000 / (times[end] - previous))
        previous = times[end]
    return rates


def main() -> int:
    stream = burst_traffic(BURST_MENTIONS, BURST_AUTHORS)
    first_ids = {}
    for m in stream:
        first_ids.setdefault(m["author"]["id"], m["id"])
    case_ids = [f"generic-{mention_id}" for mention_id in first_ids.values()]  # in the order they were sent
    os.environ.setdefault("LOCAL_SERVER_QUIET", "1")
    with LocalServer(port=0, clocks=CLOCKS) as server, Ingested() as ingested:
        print(f"Burst: {len(stream):,} mentions over HTTP to the local server ({server.url}), {PER_DELIVERY} a signed "
              f"generic delivery; {len(first_ids):,} authors, {len({m['id'] for m in stream}):,} distinct ids")
        started = time.perf_counter()
        posting = post_all(server.url, stream)
        visible = wait_until_visible(server.url, case_ids, started)
        wait_until_ingested(ingested, len(stream), started)
        ingest_seconds = (max(at for at, _ in ingested.finished) - started) if ingested.finished else float("nan")
        list_ms, listed = list_milliseconds(server.url)
        back = read_back(stream)
        rss = peak_rss_mib()
        rates = throughput_per_thousand(ingested.finished, started)
    row("POSTed (the webhook answered 200 to each)", f"{posting:8.1f} s  ({len(stream) / posting:,.0f} mentions/s)")
    row("ingested (delivered to the ingest handler)", f"{len(ingested.finished):,} in {ingest_seconds:.1f} s "
        f"({len(ingested.finished) / ingest_seconds:.1f} mentions/s)")
    for n, rate in enumerate(rates):
        row(f"  mentions {n * 1000 + 1:,}-{(n + 1) * 1000:,}", f"{rate:8.1f} mentions/s")
    if len(rates) >= 2:
        row("  the last 1,000 against the first", f"{rates[-1] / rates[0]:8.0%}")
    row("all cases visible (GET /cases/{caseId})", "NOT within the timeout" if visible is None
        else f"{visible:8.1f} s after the first POST")
    outcomes = back["outcomes"]
    row("mention outcomes (mentions table)", ", ".join(f"{name} {count:,}" for name, count in outcomes.most_common()))
    row("lost (distinct ids not in the mentions table)", f"{back['lost']:6d}  (unfinished: {back['unfinished']})")
    row("cases / authors", f"{back['cases']:,} / {back['authors']:,}  (without a case: "
        f"{back['authors without a case']}, with two: {back['authors with two cases']}, with two open: "
        f"{back['authors with two open cases']})")
    doubled = back["mentions on cases"] - (outcomes["opened"] + outcomes["attached"])
    row("mentions counted on the cases", f"{back['mentions on cases']:,}  "
        + ("(= opened + attached: none doubled)" if doubled == 0 else f"({doubled:+} against the rows: DOUBLED)"))
    row(f"GET /cases?limit=500 ({listed} listed, best of 5)", f"{list_ms:8.1f} ms")
    row("peak RSS of the serving process (VmHWM)", f"{rss:8.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())

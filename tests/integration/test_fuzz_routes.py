"""Hostile requests against every route of the local server (a real local.server.LocalServer on a free port, over
raw sockets): whatever arrives, the answer is never a 5xx and comes within seconds, and a webhook delivery without a
valid signature writes nothing. Seeded and bounded (derandomize, no example database), so each run sends the same
few hundred requests."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import pathlib
import socket
import threading
import time
import urllib.parse

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from local.server import LocalServer
from socialcare import queue
from socialcare.platforms.generic import sign as generic_sign
from tests.conftest import LONG_CLOCKS, delivery, mention

READ_TIMEOUT = 1.0  # the server's socket timeout: a body shorter than announced costs this long
ANSWER_WITHIN = READ_TIMEOUT + 3  # seconds: "always an answer, and soon"
FUZZ = settings(derandomize=True, database=None, deadline=None, max_examples=100,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
EVENTS = pathlib.Path(__file__).resolve().parents[2] / "events"
SAMPLES = {path.stem.removeprefix("receive_webhook."): json.loads(path.read_text())["body"]
           for path in sorted(EVENTS.glob("receive_webhook.*.json"))
           if json.loads(path.read_text())["requestContext"]["http"]["method"] == "POST"}
PLATFORMS = ["generic", "x", "meta", "unknown"]
ACTIONS = ["acknowledge", "claim", "resolve", "follow-up", "dismiss"]
WAITING_CASE = "generic-fuzz-1"
FUZZ_INCIDENT = "incident-app-20261123-100000"


class Writes:
    """Mentions the webhook enqueued: the one write a delivery makes (cases are opened from the queue)."""

    def __init__(self):
        self.count = 0
        self.lock = threading.Lock()
        self.enqueue = queue.enqueue

    def __call__(self, mentions):
        accepted = self.enqueue(mentions)
        with self.lock:
            self.count += accepted
        return accepted


@pytest.fixture(scope="module")
def server():
    writes = Writes()
    queue.enqueue = writes  # the webhook function calls queue.enqueue(...) at request time
    try:
        with LocalServer(port=0, clocks=LONG_CLOCKS, read_timeout=READ_TIMEOUT) as local_server:
            local_server.writes = writes
            open_waiting_case(local_server)
            open_incident()
            yield local_server
    finally:
        queue.enqueue = writes.enqueue


def open_waiting_case(server) -> None:
    """WAITING_CASE, opened by a signed delivery and waiting for its acknowledgement: the actions' fuzz reaches the
    guardrails and the workflow with it, not only the 404 of an unknown case."""
    body = delivery(mention(WAITING_CASE.removeprefix("generic-"), author_id="9001"), delivery_id="fuzz-1")
    assert send(server, "POST", "/webhooks/generic", signature_headers("generic", body), body) == 200
    cloud = server.cloud
    cloud.wait_for(lambda: cloud.http("GET", f"/cases/{WAITING_CASE}", headers=cloud.signed_in()).json().get(
        "waitingFor") == "acknowledge", what=f"{WAITING_CASE} waiting for acknowledge")


def open_incident() -> None:
    """FUZZ_INCIDENT, open, with its drafted statement: the incident routes' fuzz reaches the guardrails with it."""
    from socialcare.storage.incidents import Incident, IncidentsRepository
    opened = "2026-11-23T10:00:00.000000Z"
    assert IncidentsRepository().open_incident(Incident(FUZZ_INCIDENT, "app", opened, opened, "generic#fuzz"), None,
                                               opened, "We know some of you are having trouble with app right now.")


# -- the wire ----------------------------------------------------------------------------------------------------------
def exchange(server, data: bytes, shut_write: bool = False) -> tuple[float, bytes]:
    """Send raw bytes and read until the server closes; the seconds it took and what came back."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", server.port), timeout=ANSWER_WITHIN) as connection:
        try:
            connection.sendall(data)
            if shut_write:
                connection.shutdown(socket.SHUT_WR)
        except ConnectionError:  # the server answered and closed before taking everything we sent
            pass
        received = b""
        try:
            while chunk := connection.recv(65536):
                received += chunk
        except ConnectionResetError:
            pass
    return time.monotonic() - started, received


def request(method: str, target: str, headers: list[tuple[str, bytes | str]], body: bytes = b"") -> bytes:
    lines = [f"{method} {target} HTTP/1.1".encode("latin-1"), b"Host: 127.0.0.1", b"Connection: close",
             f"Content-Length: {len(body)}".encode()]
    lines += [name.encode() + b": " + (value if isinstance(value, bytes) else value.encode()) for name, value in headers]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def status_of(seconds: float, received: bytes) -> int:
    """The answer's status, checking the properties every answer has: soon, a status line, never a 5xx."""
    assert seconds < ANSWER_WITHIN, f"answered after {seconds:.1f} s"
    assert received.startswith(b"HTTP/1.1 "), f"no answer: {received[:200]!r}"
    status = int(received[9:12])
    assert status < 500, received[:600]
    return status


def send(server, method: str, target: str, headers: list, body: bytes = b"") -> int:
    return status_of(*exchange(server, request(method, target, headers, body)))


# -- what hostile requests are made of -------------------------------------------------------------------------------
header_text = st.one_of(
    st.text(st.characters(codec="latin-1", exclude_characters="\r\n"), max_size=60).map(lambda t: t.encode("latin-1")),
    st.text(st.characters(exclude_characters="\r\n", exclude_categories=["Cs"]), max_size=30).map(str.encode),
    st.sampled_from([b"", b"sha256=", "sha256=é".encode(), b"sha256=\xff" * 20, b"9" * 309, b"9" * 5000,
                     "²".encode(), "٣٣٣".encode(), b"-1", b"1e3", b"0x10", b"\x00"]),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
    | st.sampled_from([10**400, -(10**30), "9" * 5000, "²", "١٧٩٥٣٣٩٧٩٩", "Infinity", "", "\x00"]),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=15)


bodies = st.one_of(
    st.binary(max_size=300),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.sampled_from(list(SAMPLES.values())).map(str.encode),
    st.sampled_from([b"[" * 10_000 + b"]" * 10_000, b'{"a":' * 10_000 + b"1" + b"}" * 10_000,
                     b"\xff\xfe\x00", b"{" * 3, b'{"entry": [' * 500]),
)


@st.composite
def mutated_samples(draw) -> tuple[str, bytes]:
    """A sample delivery with one value anywhere in it replaced by something hostile: deep enough to reach the
    parsers' fields (times, ids, counts) rather than fail at the top."""
    name = draw(st.sampled_from(sorted(SAMPLES)))
    delivery = json.loads(SAMPLES[name])
    paths = list(_paths(delivery))
    path = draw(st.sampled_from(paths))
    replacement = draw(json_values)
    if path:
        node = delivery
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = replacement
    else:
        delivery = replacement
    platform = name.split("_", 1)[0]
    return platform, json.dumps(delivery).encode()


def _paths(node, path=()):
    yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*path, index))


def signature_headers(platform: str, body: bytes) -> list[tuple[str, str]]:
    """The headers a platform signs a body with, using the local cloud's secrets."""
    if platform == "generic":
        stamp = str(int(time.time()))
        return [("X-SocialCare-Timestamp", stamp),
                ("X-SocialCare-Signature", generic_sign(os.environ["GENERIC_WEBHOOK_SECRET"], stamp, body))]
    if platform == "x":
        digest = hmac.new(os.environ["X_CONSUMER_SECRET"].encode(), body, hashlib.sha256).digest()
        return [("X-Twitter-Webhooks-Signature", "sha256=" + base64.b64encode(digest).decode())]
    if platform == "meta":
        digest = hmac.new(os.environ["META_APP_SECRET"].encode(), body, hashlib.sha256).hexdigest()
        return [("X-Hub-Signature-256", "sha256=" + digest)]
    return []


SIGNATURE_HEADERS = ["X-SocialCare-Timestamp", "X-SocialCare-Signature", "X-Twitter-Webhooks-Signature",
                     "X-Hub-Signature-256", "Authorization", "Content-Type"]
query_keys = st.sampled_from(["challenge", "crc_token", "hub.mode", "hub.verify_token", "hub.challenge", "status",
                              "limit", ""]) | st.text(max_size=10)
query_values = st.text(max_size=40) | st.sampled_from(["subscribe", "{", "9" * 5000, "²", "٣", "-1", "0"])
queries = st.lists(st.tuples(query_keys, query_values), max_size=4).map(urllib.parse.urlencode) | st.text(
    st.characters(codec="latin-1", exclude_categories=["Cc", "Zs"]), max_size=40)  # as sent, e.g. "%ZZ&&=="
path_segments = st.text(max_size=40).map(lambda text: urllib.parse.quote(text, safe="")) | st.sampled_from(
    ["", "%", "%00", "..", "%2F", "a" * 3000])


def assert_nothing_written(server, before: int) -> None:
    assert server.writes.count == before, "an unsigned delivery was enqueued"


# -- the webhooks ----------------------------------------------------------------------------------------------------
@FUZZ
@given(platform=st.sampled_from(PLATFORMS) | path_segments, method=st.sampled_from(["GET", "POST"]), query=queries,
       headers=st.lists(st.tuples(st.sampled_from(SIGNATURE_HEADERS), header_text), max_size=4), body=bodies)
def test_an_unsigned_or_badly_signed_webhook_request_is_a_4xx_and_writes_nothing(server, platform, method, query,
                                                                                   headers, body):
    before = server.writes.count
    status = send(server, method, f"/webhooks/{platform}?{query}", headers, body if method == "POST" else b"")
    if method == "POST":
        assert status in (401, 404, 413), status  # unsigned: refused before its body is read
        assert_nothing_written(server, before)


@FUZZ
@given(platform=st.sampled_from(["generic", "x", "meta"]), body=bodies)
def test_a_signed_hostile_body_is_answered_without_a_5xx(server, platform, body):
    assert send(server, "POST", f"/webhooks/{platform}", signature_headers(platform, body), body) in (200, 400)


@settings(FUZZ, max_examples=60)
@given(sample=mutated_samples())
def test_a_signed_sample_delivery_with_one_hostile_value_is_answered_without_a_5xx(server, sample):
    platform, body = sample
    assert send(server, "POST", f"/webhooks/{platform}", signature_headers(platform, body), body) in (200, 400)


def test_every_sample_delivery_with_a_signature_one_character_off_writes_nothing(server):
    before = server.writes.count
    for name, body in SAMPLES.items():
        platform = name.split("_", 1)[0]
        headers = [(header, value[:-2] + ("0" if value[-2] != "0" else "1") + value[-1])
                   for header, value in signature_headers(platform, body.encode())]
        assert send(server, "POST", f"/webhooks/{platform}", headers, body.encode()) == 401, name
    assert_nothing_written(server, before)


# -- the agent API ---------------------------------------------------------------------------------------------------


def signed_in(server) -> list[tuple[str, str]]:
    """A lead's ID token: every route lets them through, so the fuzz reaches each handler."""
    return list(server.cloud.signed_in().items())

case_ids = st.just(WAITING_CASE) | path_segments
action_bodies = bodies | st.fixed_dictionaries({}, optional={
    "replyText": json_values, "owner": json_values, "summary": json_values, "publicNote": json_values,
    "reason": json_values}).map(lambda fields: json.dumps(fields).encode())


@FUZZ
@given(method=st.sampled_from(["GET", "POST"]), target=st.sampled_from(
    ["/cases", f"/cases/{WAITING_CASE}", f"/cases/{WAITING_CASE}/dismiss", "/authors/x/42/cases",
     "/authors/x/42/links", "/authors/x/42/flag-clearance", "/incidents", f"/incidents/{FUZZ_INCIDENT}",
     f"/incidents/{FUZZ_INCIDENT}/statement", f"/incidents/{FUZZ_INCIDENT}/resolve"]), authorization=header_text)
def test_a_request_without_the_agents_token_is_refused_before_any_function_runs(server, method, target,
                                                                                 authorization):
    server.cloud.invocations.clear()
    body = b'{"reason": "spam"}' if method == "POST" else b""
    assert send(server, method, target, [("Authorization", authorization)], body) in (401, 404)
    assert [function for function, _ in server.cloud.invocations if function == "ManageCasesFunction"] == []


@FUZZ
@given(query=queries)
def test_listing_cases_with_any_query_is_never_a_5xx(server, query):
    send(server, "GET", f"/cases?{query}", signed_in(server))


@FUZZ
@given(case_id=case_ids)
def test_showing_any_case_id_is_never_a_5xx(server, case_id):
    send(server, "GET", f"/cases/{case_id}", signed_in(server))


@FUZZ
@given(case_id=case_ids, action=st.sampled_from(ACTIONS) | path_segments, body=action_bodies)
def test_acting_with_any_action_and_body_is_never_a_5xx_and_opens_no_case(server, case_id, action, body):
    before = server.writes.count
    send(server, "POST", f"/cases/{case_id}/{action}", signed_in(server), body)
    assert_nothing_written(server, before)


link_bodies = bodies | st.fixed_dictionaries({}, optional={"platform": json_values | st.sampled_from(PLATFORMS),
                                                           "authorId": json_values}).map(lambda f: json.dumps(f).encode())


@FUZZ
@given(platform=st.sampled_from(PLATFORMS + ["google"]) | path_segments, author_id=path_segments, body=link_bodies)
def test_an_authors_history_or_link_with_any_ids_and_body_is_never_a_5xx(server, platform, author_id, body):
    send(server, "GET", f"/authors/{platform}/{author_id}/cases", signed_in(server))
    send(server, "POST", f"/authors/{platform}/{author_id}/links", signed_in(server), body)


clearance_bodies = bodies | st.fixed_dictionaries({}, optional={"reason": json_values}).map(
    lambda fields: json.dumps(fields).encode())


@FUZZ
@given(platform=st.sampled_from(PLATFORMS + ["google"]) | path_segments, author_id=path_segments,
       body=clearance_bodies)
def test_clearing_a_flag_with_any_ids_and_body_is_never_a_5xx(server, platform, author_id, body):
    send(server, "POST", f"/authors/{platform}/{author_id}/flag-clearance", signed_in(server), body)


incident_ids = st.just(FUZZ_INCIDENT) | path_segments
incident_bodies = bodies | st.fixed_dictionaries({}, optional={
    "target": json_values | st.sampled_from(["brand", "replies"]), "text": json_values,
    "outcome": json_values}).map(lambda fields: json.dumps(fields).encode())


@FUZZ
@given(query=queries, incident_id=incident_ids)
def test_listing_or_showing_incidents_with_any_query_or_id_is_never_a_5xx(server, query, incident_id):
    send(server, "GET", f"/incidents?{query}", signed_in(server))
    send(server, "GET", f"/incidents/{incident_id}", signed_in(server))


@FUZZ
@given(incident_id=incident_ids, action=st.sampled_from(["statement", "resolve"]), body=incident_bodies)
def test_an_incidents_statement_or_resolution_with_any_body_is_never_a_5xx_and_opens_no_case(server, incident_id,
                                                                                             action, body):
    before = server.writes.count
    send(server, "POST", f"/incidents/{incident_id}/{action}", signed_in(server), body)
    assert_nothing_written(server, before)


# -- methods and the wire itself -------------------------------------------------------------------------------------
methods = st.sampled_from(["PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE", "CONNECT", "get", "post"]) | st.text(
    st.characters(codec="ascii", categories=["L", "N", "P"]), min_size=1, max_size=12)
targets = st.sampled_from(["/webhooks/generic", "/webhooks/x", "/webhooks/meta", "/webhooks/unknown", "/cases",
                           f"/cases/{WAITING_CASE}", f"/cases/{WAITING_CASE}/acknowledge", "/", "*"])


@FUZZ
@given(method=methods, target=targets, body=st.binary(max_size=50))
def test_a_method_no_route_takes_is_a_4xx(server, method, target, body):
    before = server.writes.count
    status = send(server, method, target, signed_in(server), body)
    if method not in ("GET", "POST"):
        assert status in (400, 405), status
    assert_nothing_written(server, before)


raw_lines = st.binary(max_size=80).filter(lambda line: b"\n" not in line)
content_lengths = st.sampled_from([b"abc", b"1e3", b"-1", b"-5", b"+3", b" 3", b"3, 4", b"9" * 30, b"\xb2",
                                   "٣".encode(), b"", b"0x10", b"100", b"99999999"]) | st.integers(-10, 10**6).map(
    lambda n: str(n).encode())


@FUZZ
@given(target=targets, length=content_lengths, body=st.binary(max_size=40), extra=st.lists(raw_lines, max_size=3))
def test_a_bad_content_length_or_a_short_body_is_a_4xx_without_a_hang(server, target, length, body, extra):
    # the client stops sending after its body (shut_write), so a short body costs no read timeout
    data = (b"POST " + target.encode() + b" HTTP/1.1\r\nContent-Length: " + length + b"\r\n" +
            b"".join(line + b"\r\n" for line in extra) + b"\r\n" + body)
    before = server.writes.count
    assert 400 <= status_of(*exchange(server, data, shut_write=True))  # nothing here is signed or signed in
    assert_nothing_written(server, before)


@settings(FUZZ, max_examples=60)
@given(request_line=raw_lines, headers=st.lists(raw_lines, max_size=4), body=st.binary(max_size=40))
def test_a_malformed_request_is_answered_without_a_5xx(server, request_line, headers, body):
    data = b"\r\n".join([request_line, *headers]) + b"\r\n\r\n" + body
    seconds, received = exchange(server, data, shut_write=True)
    if request_line.decode("latin-1").split():
        status_of(seconds, received)
    else:  # a blank request line is no request: http.server closes without a word, as servers do
        assert seconds < ANSWER_WITHIN and received == b""


@pytest.mark.parametrize("promised", [b"100", b"5000"])
def test_a_body_shorter_than_promised_from_a_client_that_waits_is_a_408(server, promised):
    data = b"POST /webhooks/generic HTTP/1.1\r\nContent-Length: " + promised + b"\r\n\r\n{}"
    seconds, received = exchange(server, data)  # the client keeps the connection open, waiting
    assert status_of(seconds, received) == 408
    assert seconds >= READ_TIMEOUT

"""Mirrors local/server.py: whatever a client sends, the local server answers in JSON, and soon; a request it refuses
reaches no function."""
from __future__ import annotations

import json
import socket
import time

import pytest

from local.server import MAX_REQUEST_BYTES, LocalServer
from tests.conftest import LONG_CLOCKS

READ_TIMEOUT = 0.5


@pytest.fixture(scope="module")
def server():
    with LocalServer(port=0, clocks=LONG_CLOCKS, read_timeout=READ_TIMEOUT) as local_server:
        yield local_server


@pytest.fixture(autouse=True)
def no_function_ran(server):
    """Each test checks what reached the functions since it started."""
    server.cloud.invocations.clear()


def exchange(server, data: bytes, shut_write: bool = False, timeout: float = 5) -> tuple[float, bytes]:
    """Send raw bytes; the seconds until the server closed the connection, and everything it sent."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", server.port), timeout=timeout) as connection:
        connection.sendall(data)
        if shut_write:
            connection.shutdown(socket.SHUT_WR)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    return time.monotonic() - started, received


def parse(received: bytes) -> tuple[int, dict, bytes]:
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, value in (line.split(":", 1) for line in lines)}
    return int(status_line.split()[1]), headers, body


def request(method: str, path: str, headers: dict | None = None, body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in (headers or {}).items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def refused(received: bytes, status: int) -> dict:
    answered, headers, body = parse(received)
    assert answered == status, received[:300]
    assert headers["content-type"] == "application/json"
    assert headers["connection"] == "close"
    assert int(headers["content-length"]) == len(body)
    return json.loads(body)


# -- Content-Length ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("length", ["abc", "1e3", "-5", "-1", "+2", "2.0", "²", "٢", "9" * 30, "2, 3"])
def test_a_content_length_that_is_not_a_number_of_bytes_is_a_bad_request(server, length):
    seconds, received = exchange(server, request("POST", "/webhooks/generic", {"Content-Length": length}, b"{}"))
    assert refused(received, 400) == {"message": "Content-Length must be one number of bytes, in digits"}
    assert seconds < 2
    assert server.cloud.invocations == []


def test_two_different_content_lengths_are_a_bad_request(server):
    data = b"POST /webhooks/generic HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}"
    assert refused(exchange(server, data)[1], 400)["message"].startswith("Content-Length must be one number")
    assert server.cloud.invocations == []


def test_a_body_shorter_than_its_content_length_is_answered_408_within_the_read_timeout(server):
    seconds, received = exchange(server, request("POST", "/webhooks/generic", {"Content-Length": "100"}, b"{}"))
    assert "shorter than its Content-Length" in refused(received, 408)["message"]
    assert READ_TIMEOUT <= seconds < READ_TIMEOUT + 2
    assert server.cloud.invocations == []


def test_a_body_cut_short_by_the_client_is_a_bad_request(server):
    data = request("POST", "/webhooks/generic", {"Content-Length": "100"}, b"{}")
    seconds, received = exchange(server, data, shut_write=True)
    assert refused(received, 400) == {"message": "the body is shorter than its Content-Length"}
    assert seconds < READ_TIMEOUT
    assert server.cloud.invocations == []


def test_a_chunked_body_is_refused_as_length_required(server):
    data = request("POST", "/webhooks/generic", {"Transfer-Encoding": "chunked"}, b"2\r\n{}\r\n0\r\n\r\n")
    assert "Content-Length" in refused(exchange(server, data)[1], 411)["message"]
    assert server.cloud.invocations == []


def test_a_body_over_the_limit_is_refused_before_it_is_read(server):
    data = request("POST", "/webhooks/generic", {"Content-Length": str(MAX_REQUEST_BYTES + 1)})
    seconds, received = exchange(server, data)
    assert refused(received, 413) == {"message": f"the body is larger than {MAX_REQUEST_BYTES} bytes"}
    assert seconds < READ_TIMEOUT
    assert server.cloud.invocations == []


# -- methods -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT", "PROPFIND", "get"])
@pytest.mark.parametrize("path", ["/cases", "/cases/generic-1/acknowledge", "/webhooks/generic", "/nowhere"])
def test_a_method_no_route_takes_is_405_in_json_with_the_allowed_ones(server, method, path):
    body = refused(exchange(server, request(method, path, {"Content-Length": "2"}, b"{}"))[1], 405)
    assert body == {"message": f"{method} is not routed here; the routes take GET or POST"}
    assert parse(exchange(server, request(method, path))[1])[1]["allow"] == "GET, POST"
    assert server.cloud.invocations == []


def test_a_head_request_is_405_with_headers_only(server):
    status, headers, body = parse(exchange(server, request("HEAD", "/cases", server.cloud.signed_in()))[1])
    assert (status, headers["allow"], headers["content-type"], body) == (405, "GET, POST", "application/json", b"")
    assert server.cloud.invocations == []


# -- malformed requests ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("data", "status"), [
    (b"garbage\r\n\r\n", 400),
    (b"GET /cases HTTP/1.1 extra\r\n\r\n", 400),
    (b"GET /cases HTTP/x.y\r\n\r\n", 400),
    (b"GET /cases HTTP/2.0\r\n\r\n", 400),  # http.server's 505: a 5xx for a client's mistake
    (b"GET /cases\r\n\r\n", 400),  # HTTP/0.9: http.server answered with a body and no status line
    (b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n", 414),
    (b"GET /cases HTTP/1.1\r\nX-Long: " + b"a" * 70_000 + b"\r\n\r\n", 431),
])
def test_a_malformed_request_is_answered_in_json(server, data, status):
    assert "message" in refused(exchange(server, data)[1], status)
    assert server.cloud.invocations == []


def test_a_client_that_sends_nothing_is_let_go_after_the_read_timeout(server):
    seconds, received = exchange(server, b"")
    assert received == b"" and seconds < READ_TIMEOUT + 2


# -- what still works ------------------------------------------------------------------------------------------------
def test_two_requests_on_one_connection_are_both_answered(server):
    one = request("GET", "/cases", server.cloud.signed_in())
    two = request("GET", "/cases?limit=5", {**server.cloud.signed_in(), "Connection": "close"})
    _, received = exchange(server, one + two)
    assert received.count(b"HTTP/1.1 200 OK") == 2
    assert [function for function, _ in server.cloud.invocations] == ["ManageCasesFunction"] * 2


def test_an_unsigned_delivery_still_reaches_the_webhook_and_is_refused_there(server):
    data = request("POST", "/webhooks/generic", {"Content-Length": "2", "Connection": "close"}, b"{}")
    status, _, body = parse(exchange(server, data)[1])
    assert (status, json.loads(body)["message"]) == (401, "missing or stale x-socialcare-timestamp")

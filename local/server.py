"""`make serve`: the local cloud as a long-running server on 127.0.0.1 with the deployed routes."""
from __future__ import annotations

import json
import os
import pathlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from local.cloud import LOCAL_COGNITO_PATH, HttpResponse, LocalCloud
from local.template import ROOT

MAX_REQUEST_BYTES = 10 * 1024 * 1024  # the HttpApi's own payload limit; the webhook handler refuses > 5 MiB
READ_TIMEOUT_SECONDS = 10.0  # a client that promises more than it sends is answered 408, and its thread freed
ROUTED_METHODS = ("GET", "POST")  # every route of the HttpApi is one of these
JSON = {"content-type": "application/json"}
DESK_CONFIG_PATH = "/desk/config.json"
DESK_SITE = ROOT / "functions" / "publish_desk" / "site"  # what PublishDeskFunction puts in the desk's bucket
DESK_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
              ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}
DESK_HEADERS = {  # as the distribution's response headers policy (template.yaml), with the API on this origin
    "content-security-policy": "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; "
                               "script-src 'self'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff", "referrer-policy": "same-origin"}


def desk_file(name: str) -> HttpResponse:
    """One of the desk's files, with the headers the deployed CloudFront distribution adds (its Content-Security-Policy
    above all, so that a page that would break there breaks here too)."""
    kind = DESK_TYPES.get(pathlib.PurePosixPath(name).suffix)
    path = DESK_SITE / name
    if kind is None or "/" in name or name.startswith(".") or not path.is_file():
        return HttpResponse(404, JSON, json.dumps({"message": f"the desk has no file {name}"}))
    return HttpResponse(200, {"content-type": kind, "cache-control": "no-cache", **DESK_HEADERS}, path.read_text())


def make_handler(cloud: LocalCloud, read_timeout: float = READ_TIMEOUT_SECONDS):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # TCP_NODELAY: http.server sends the headers and the body in two writes, and with Nagle on, the body's last
        # segment waits for the client to acknowledge the first, which a client delays by up to 40 ms (delayed ACK)
        disable_nagle_algorithm = True
        timeout = read_timeout  # on the socket: each read waits this long at most, keep-alive waits included

        def do_GET(self):
            self._serve()

        def do_POST(self):
            self._serve()

        def __getattr__(self, name: str):
            # http.server answers a method without a do_<METHOD> with an HTML 501; every other method (PUT, DELETE,
            # HEAD, OPTIONS, or a made-up one) is answered here instead, in JSON
            if name.startswith("do_"):
                return self._method_not_allowed
            raise AttributeError(name)

        def _method_not_allowed(self):
            self._refuse(405, f"{self.command} is not routed here; the routes take {' or '.join(ROUTED_METHODS)}",
                         {"allow": ", ".join(ROUTED_METHODS)})

        def _serve(self):
            length = self._content_length()
            if length is None:
                return
            if length > MAX_REQUEST_BYTES:
                self._refuse(413, f"the body is larger than {MAX_REQUEST_BYTES} bytes")
                return
            try:
                body = self.rfile.read(length) if length else b""
            except TimeoutError:
                self._refuse(408, f"the body did not arrive within {read_timeout:g} s: it is shorter than its "
                                  "Content-Length")
                return
            if len(body) < length:  # the client stopped sending before the end it announced
                self._refuse(400, "the body is shorter than its Content-Length")
                return
            try:
                response = self._local_service(body) or cloud.http(self.command, self.path, body,
                                                                   dict(self.headers.items()))
            except Exception as error:  # a handler crash is a 500, as on API Gateway
                self._reply(500, JSON, json.dumps({"message": repr(error)}))
                return
            self._reply(response.status, response.headers, response.body)

        def _local_service(self, body: bytes):
            """What is not the HttpApi: Cognito's sign-in calls and the desk's config (deployed, Cognito and the
            desk's bucket serve them)."""
            path = self.path.split("?", 1)[0]
            if path == LOCAL_COGNITO_PATH and self.command == "POST":
                return cloud.cognito_call(self.headers.get("x-amz-target", ""), body)
            if path == DESK_CONFIG_PATH and self.command == "GET":
                return HttpResponse(200, {**JSON, "cache-control": "no-store"}, json.dumps(cloud.desk_config()))
            if path == "/desk" and self.command == "GET":
                return HttpResponse(301, {"location": "/desk/"}, "")
            if path.startswith("/desk/") and self.command == "GET":
                return desk_file(path.removeprefix("/desk/") or "index.html")
            return None

        def _content_length(self) -> int | None:
            """The body's length in bytes, or None once the request has been refused. Only a Content-Length in ASCII
            digits says where a body ends (this server reads no chunked bodies)."""
            if self.headers.get("transfer-encoding"):
                self._refuse(411, "send the body with a Content-Length; Transfer-Encoding is not read here")
                return None
            values = {value.strip() for value in self.headers.get_all("content-length") or []}
            if not values:
                return 0
            value = values.pop()
            if values or not (value.isascii() and value.isdigit()) or len(value) > 20:
                self._refuse(400, "Content-Length must be one number of bytes, in digits")
                return None
            return int(value)

        def parse_request(self) -> bool:
            if not super().parse_request():
                return False
            if self.request_version == "HTTP/0.9":  # "GET /path" alone, answered with a bare body by http.server
                self.request_version = self.protocol_version
                self._refuse(400, "a request line names its HTTP version: GET /path HTTP/1.1")
                return False
            return True

        def _refuse(self, status: int, message: str, headers: dict | None = None):
            """A JSON error; the connection is closed, as the rest of what the client sent cannot be trusted."""
            self.close_connection = True
            self._reply(status, {**JSON, "connection": "close", **(headers or {})},
                        json.dumps({"message": message}))

        def send_error(self, code: int, message: str | None = None, explain: str | None = None):
            """http.server's own refusals (a malformed request line or headers, a request line too long...) in JSON
            rather than HTML."""
            self.log_error("code %d, message %s", code, message)
            if self.request_version == "HTTP/0.9":  # a line too mangled to name its version: answer with a status
                self.request_version = self.protocol_version
            if code == 505:  # HTTP/2.0 and up on an HTTP/1.1 socket: the client's mistake, so a 4xx like the rest
                code, message = 400, f"{message}; this server speaks HTTP/1.1"
            self._refuse(code, message or self.responses.get(code, ("refused",))[0])

        def _reply(self, status: int, headers: dict, body: str):
            payload = body.encode()
            try:
                self.send_response(status)
                for name, value in headers.items():
                    if name.lower() != "content-length":
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":  # a HEAD answer has headers only
                    self.wfile.write(payload)
            except ConnectionError:  # the client went away before its answer
                self.close_connection = True

        def log_message(self, format, *args):
            if os.environ.get("LOCAL_SERVER_QUIET") != "1":
                super().log_message(format, *args)

    return Handler


class LocalServer:
    """The local cloud behind an HTTP server; the ingest queue is delivered in the background."""

    def __init__(self, port: int = 3000, clocks: dict[str, int] | None = None,
                 read_timeout: float = READ_TIMEOUT_SECONDS):
        self.cloud = LocalCloud(clocks=clocks)
        self.port = port
        self.read_timeout = read_timeout
        self.httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> "LocalServer":
        self.cloud.start()
        self.cloud.care_team.add_local_users()  # agent, triage and lead, with the local password (docs/desk.md)
        self.cloud.start_pump()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), make_handler(self.cloud, self.read_timeout))
        self.port = self.httpd.server_address[1]
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="local-server", daemon=True)
        self._thread.start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
        self.cloud.stop()

    def __enter__(self) -> "LocalServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

"""`make serve`: the local cloud as a long-running server on 127.0.0.1 with the deployed routes."""
from __future__ import annotations

import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from local.cloud import LocalCloud

MAX_REQUEST_BYTES = 10 * 1024 * 1024  # the HttpApi's own payload limit; the webhook handler refuses > 5 MiB


def make_handler(cloud: LocalCloud):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            self._serve()

        def do_POST(self):
            self._serve()

        def _serve(self):
            length = int(self.headers.get("content-length") or 0)
            if length > MAX_REQUEST_BYTES:
                self._reply(413, {"content-type": "application/json"}, json.dumps({"message": "too large"}))
                return
            body = self.rfile.read(length) if length else b""
            try:
                response = cloud.http(self.command, self.path, body, dict(self.headers.items()))
            except Exception as error:  # a handler crash is a 500, as on API Gateway
                self._reply(500, {"content-type": "application/json"}, json.dumps({"message": repr(error)}))
                return
            self._reply(response.status, response.headers, response.body)

        def _reply(self, status: int, headers: dict, body: str):
            payload = body.encode()
            self.send_response(status)
            for name, value in headers.items():
                if name.lower() != "content-length":
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format, *args):
            if os.environ.get("LOCAL_SERVER_QUIET") != "1":
                super().log_message(format, *args)

    return Handler


class LocalServer:
    """The local cloud behind an HTTP server; the ingest queue is delivered in the background."""

    def __init__(self, port: int = 3000, clocks: dict[str, int] | None = None):
        self.cloud = LocalCloud(clocks=clocks)
        self.port = port
        self.httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> "LocalServer":
        self.cloud.start()
        self.cloud.start_pump()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), make_handler(self.cloud))
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

"""Shared fixtures. Importing local.cloud first sets fake AWS credentials and the functions' environment (table
names, topic ARNs...) before any socialcare module reads it."""
from __future__ import annotations

import json
import os
import pathlib
import time

import pytest

from local.cloud import LambdaContext, LocalCloud, local_environment

os.environ.update(local_environment())

from socialcare.platforms.generic import sign  # noqa: E402

EVENTS = pathlib.Path(__file__).resolve().parent.parent / "events"

# Clocks compressed to seconds; each test that waits on one sets it short on purpose.
LONG_CLOCKS = {"ACK_SLA_SECONDS": 60, "ACK_HARD_LIMIT_SECONDS": 240, "DM_WAIT_SECONDS": 60,
               "TRIAGE_CLAIM_SECONDS": 60, "RESOLVE_SECONDS": 60, "FOLLOW_UP_SECONDS": 60}


@pytest.fixture
def lambda_context() -> LambdaContext:
    return LambdaContext(function_name="test")


@pytest.fixture
def load_event():
    def load(name: str) -> dict:
        return json.loads((EVENTS / f"{name}.json").read_text())
    return load


def no_access_denied(request, local_cloud: LocalCloud) -> None:
    """A call some role was refused is a missing grant (AWS would refuse it too), even when the code recovered from
    it, unless the test provokes it on purpose."""
    if not request.node.get_closest_marker("denials_expected"):
        assert local_cloud.iam.denials == [], "calls refused by IAM (a grant is missing in template.yaml)"


# Both clouds take monkeypatch so that they stop before it undoes a test's environment: a cloud restores, as it
# stops, the variables it found when it started (OUTBOUND_MODE=live set by the test, say), which must then be undone.
@pytest.fixture
def cloud(request, monkeypatch):
    """The local cloud from template.yaml with long clocks (nothing escalates unless a test shortens a clock)."""
    with LocalCloud(clocks=LONG_CLOCKS) as local_cloud:
        yield local_cloud
        no_access_denied(request, local_cloud)


@pytest.fixture
def make_cloud(request, monkeypatch):
    """A local cloud with the given clock overrides, e.g. make_cloud(ACK_SLA_SECONDS=1)."""
    clouds = []

    def make(**clocks) -> LocalCloud:
        local_cloud = LocalCloud(clocks={**LONG_CLOCKS, **clocks}).start()
        clouds.append(local_cloud)
        return local_cloud
    yield make
    for local_cloud in clouds:
        local_cloud.stop()
    for local_cloud in clouds:
        no_access_denied(request, local_cloud)


def json_logs(caplog):
    """Capture the functions' Powertools JSON log lines from here on (INFO and up), as CloudWatch Logs would get them:
    call it in the test itself (caplog has a handler per test phase); the result reads the lines logged so far."""
    from aws_lambda_powertools import Logger
    functions_logger = Logger()  # service socialcare: every function and the layer share its handler and formatter
    caplog.set_level("INFO", logger=functions_logger.service)
    caplog.handler.setFormatter(functions_logger.registered_formatter)
    return lambda: [json.loads(line) for line in caplog.text.splitlines() if line.startswith("{")]


def signed_headers(body: bytes, secret: str | None = None, timestamp: int | None = None) -> dict:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    return {"X-SocialCare-Timestamp": stamp,
            "X-SocialCare-Signature": sign(secret or os.environ["GENERIC_WEBHOOK_SECRET"], stamp, body)}


def delivery(*mentions: dict, delivery_id: str = "delivery-1") -> bytes:
    return json.dumps({"deliveryId": delivery_id, "mentions": list(mentions)}).encode()


def mention(mention_id: str, author_id: str = "1001", text: str = "@brand my order #A1 arrived broken",
            kind: str = "mention", handle: str = "@ann") -> dict:
    return {"id": mention_id, "kind": kind, "text": text, "createdAt": "2026-11-22T09:30:00Z",
            "url": f"https://social.example/{mention_id}",
            "author": {"id": author_id, "handle": handle, "name": "Ann", "followers": 250}}

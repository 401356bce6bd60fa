"""The sandbox: accepts every post and answers with a made-up id. The post itself is recorded on the case's
timeline by the caller, like every post, so a trial run shows exactly what would have gone out."""
from __future__ import annotations

import hashlib
import threading

from socialcare.platforms.base import Platform, PostReceipt

# Every post the sandbox was asked to make in this process, in order: what a trial run (or a test) inspects.
SENT: list[dict] = []
_SENT_LOCK = threading.Lock()


class SandboxPlatform(Platform):
    name = "sandbox"

    def post_reply(self, reply_to_id: str, text: str, idempotency_key: str, surface: str = "") -> PostReceipt:
        return _record("reply", reply_to_id, text, idempotency_key, f"sandbox-{_short(idempotency_key)}")

    def send_private(self, author_id: str, text: str, idempotency_key: str, human_agent: bool = False) -> PostReceipt:
        return _record("dm", author_id, text, idempotency_key, f"sandbox-dm-{_short(idempotency_key)}")

    def post_status(self, text: str, idempotency_key: str) -> PostReceipt:
        return _record("status", "brand", text, idempotency_key, f"sandbox-status-{_short(idempotency_key)}")


def _record(channel: str, target: str, text: str, idempotency_key: str, post_id: str) -> PostReceipt:
    with _SENT_LOCK:
        SENT.append({"channel": channel, "target": target, "text": text, "key": idempotency_key, "id": post_id})
    return PostReceipt(platform_post_id=post_id)


def _short(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:16]

"""The sandbox: accepts every post and answers with a made-up id. The post itself is recorded on the case's
timeline by the caller, like every post, so a trial run shows exactly what would have gone out."""
from __future__ import annotations

import hashlib

from socialcare.platforms.base import Platform, PostReceipt


class SandboxPlatform(Platform):
    name = "sandbox"

    def post_reply(self, reply_to_id: str, text: str, idempotency_key: str) -> PostReceipt:
        return PostReceipt(platform_post_id=f"sandbox-{_short(idempotency_key)}")

    def send_private(self, author_id: str, text: str, idempotency_key: str) -> PostReceipt:
        return PostReceipt(platform_post_id=f"sandbox-dm-{_short(idempotency_key)}")


def _short(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:16]

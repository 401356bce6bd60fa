"""What HTTP handlers share: the exact bytes of a request body, for signature checks."""
from __future__ import annotations

import base64

# Meta batches up to 1000 updates in one POST (shared/platforms.md §2.4), well past 256 KiB; a 413 there is retried
# for 36 hours and then dropped. The real ceiling is Lambda's 6 MB synchronous request (API Gateway HTTP APIs take 10
# MB): 5 MiB leaves room for the event around the body. Each mention then travels as its own SQS message.
MAX_BODY_BYTES = 5 * 1024 * 1024


def raw_body(event: dict) -> bytes:
    """The body exactly as the platform sent it (API Gateway base64-encodes binary bodies): a signature is over
    these bytes, never over re-serialised JSON."""
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        return base64.b64decode(body)
    return body.encode("utf-8")

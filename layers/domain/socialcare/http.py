"""What HTTP handlers share: the exact bytes of a request body, for signature checks."""
from __future__ import annotations

import base64

# Step Functions payloads and SQS messages top out at 256 KiB; no honest delivery comes near it.
MAX_BODY_BYTES = 256 * 1024


def raw_body(event: dict) -> bytes:
    """The body exactly as the platform sent it (API Gateway base64-encodes binary bodies): a signature is over
    these bytes, never over re-serialised JSON."""
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        return base64.b64decode(body)
    return body.encode("utf-8")

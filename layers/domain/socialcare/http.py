"""What HTTP handlers share: the exact bytes of a request body, for signature checks; numbers read from requests."""
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


def whole_number(text: str, max_digits: int) -> int | None:
    """The number `text` writes in ASCII digits (at most max_digits of them), else None. str.isdigit() alone also
    takes "²", which int() refuses, and Arabic-Indic digits, which int() reads; and int() of a few thousand digits
    raises, while a few hundred overflow any float they meet."""
    if 0 < len(text) <= max_digits and text.isascii() and text.isdigit():
        return int(text)
    return None

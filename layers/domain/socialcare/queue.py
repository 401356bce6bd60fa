"""The ingest queue: one message per normalised mention, so each is ingested (and retried) on its own."""
from __future__ import annotations

import json
from dataclasses import replace
from functools import lru_cache

from socialcare import aws
from socialcare.config import settings
from socialcare.models import Mention

SQS_BATCH_LIMIT = 10
SQS_BATCH_BYTES = 256 * 1024  # a batch's total payload (and so a message's) may not be larger
MAX_MESSAGE_BYTES = 240 * 1024  # one mention's message, leaving room for the batch entry around it
TRUNCATION_MARK = " […] (cut to fit the queue; the whole post is at its url)"


@lru_cache
def _sqs():
    return aws.client("sqs")


def enqueue(mentions: list[Mention]) -> int:
    """Send every mention or raise: a webhook that cannot enqueue must not answer 200, so the platform retries."""
    for batch in _batches([_body(m) for m in mentions]):
        entries = [{"Id": str(i), "MessageBody": body} for i, body in enumerate(batch)]
        response = _sqs().send_message_batch(QueueUrl=settings().ingest_queue_url, Entries=entries)
        if response.get("Failed"):
            raise RuntimeError(f"{len(response['Failed'])} mentions could not be enqueued: {response['Failed'][0]}")
    return len(mentions)


def _body(mention: Mention) -> str:
    """The mention as a message; a text too long for one message is cut (never the whole mention lost)."""
    body = json.dumps(mention.to_message())  # ASCII-escaped: characters are bytes
    text = mention.text
    while len(body) > MAX_MESSAGE_BYTES:
        text = text[:max(0, len(text) - (len(body) - MAX_MESSAGE_BYTES))]  # each character is at least a byte
        body = json.dumps(replace(mention, text=text + TRUNCATION_MARK).to_message())
    return body


def _batches(bodies: list[str]):
    """Up to ten messages whose total stays within SQS's batch payload."""
    batch, size = [], 0
    for body in bodies:
        length = len(body.encode())
        if batch and (len(batch) == SQS_BATCH_LIMIT or size + length > SQS_BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(body)
        size += length
    if batch:
        yield batch

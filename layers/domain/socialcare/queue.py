"""The ingest queue: one message per normalised mention, so each is ingested (and retried) on its own."""
from __future__ import annotations

import json
from functools import lru_cache

import boto3

from socialcare.config import settings
from socialcare.models import Mention

SQS_BATCH_LIMIT = 10


@lru_cache
def _sqs():
    return boto3.client("sqs")


def enqueue(mentions: list[Mention]) -> int:
    """Send every mention or raise: a webhook that cannot enqueue must not answer 200, so the platform retries."""
    for start in range(0, len(mentions), SQS_BATCH_LIMIT):
        chunk = mentions[start:start + SQS_BATCH_LIMIT]
        entries = [{"Id": str(i), "MessageBody": json.dumps(m.to_message())} for i, m in enumerate(chunk)]
        response = _sqs().send_message_batch(QueueUrl=settings().ingest_queue_url, Entries=entries)
        if response.get("Failed"):
            raise RuntimeError(f"{len(response['Failed'])} mentions could not be enqueued: {response['Failed'][0]}")
    return len(mentions)

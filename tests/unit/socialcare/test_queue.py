"""Mirrors layers/domain/socialcare/queue.py: one message per mention, batches within SQS's limits, nothing lost."""
import json

import boto3

from socialcare import queue
from socialcare.config import settings
from socialcare.models import Author, Mention


def mention(n: int, text: str) -> Mention:
    return Mention("meta", f"c{n}", "comment", text, Author(f"a{n}", name="Ann"), "2026-11-22T09:00:00+00:00",
                   url=f"https://www.facebook.com/c{n}")


def received() -> list[dict]:
    sqs, url = boto3.client("sqs"), settings().ingest_queue_url
    bodies = []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        bodies += [json.loads(m["Body"]) for m in messages]
        sqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                                                         for i, m in enumerate(messages)])
    return bodies


def test_big_mentions_go_in_batches_that_fit_and_every_one_arrives(cloud, monkeypatch):
    sent = []
    real = queue._sqs().send_message_batch
    monkeypatch.setattr(queue._sqs(), "send_message_batch",
                        lambda **kw: sent.append(kw["Entries"]) or real(**kw))
    mentions = [mention(n, "é" * 10_000) for n in range(12)]  # ~60 KB each as ASCII-escaped JSON
    assert queue.enqueue(mentions) == 12
    assert all(sum(len(e["MessageBody"].encode()) for e in batch) <= queue.SQS_BATCH_BYTES for batch in sent)
    assert len(sent) > 2
    assert sorted(m["mention_id"] for m in received()) == sorted(f"c{n}" for n in range(12))


def test_a_mention_too_big_for_one_message_is_cut_with_a_mark_not_lost(cloud):
    queue.enqueue([mention(1, "🙂" * 30_000)])  # 12 bytes each as JSON: 360 KB
    [body] = received()
    assert body["text"].endswith(queue.TRUNCATION_MARK) and body["url"] == "https://www.facebook.com/c1"
    assert len(json.dumps(body)) <= queue.MAX_MESSAGE_BYTES

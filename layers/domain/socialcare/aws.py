"""The AWS clients of the layer's own calls (SNS, SQS, Step Functions, S3), made with botocore. PynamoDB loads
botocore anyway; boto3 would add its own import (its resource layer and s3transfer) for the same clients, to every
cold start of the functions that never touch boto3's resources (`make bench` section 1).

PynamoDB's connections and the idempotency table's client come from the same session (socialcare.storage,
socialcare.idempotency): a session caches the service models it loaded, so the first DynamoDB client of a cold start
loads DynamoDB's model and the next ones cost a few milliseconds, where a session each would load it again each."""
from __future__ import annotations

import threading

import botocore.session
from botocore.config import Config

_local = threading.local()


def session() -> botocore.session.Session:
    """This thread's session, as boto3's default one: the environment's region and credentials. One a thread, as
    PynamoDB keeps its own: creating clients from one session is not thread-safe (in Lambda there is one thread)."""
    if getattr(_local, "session", None) is None:
        _local.session = botocore.session.get_session()
    return _local.session


def client(service: str, config: Config | None = None):
    """A new client of `service` (the callers cache theirs)."""
    return session().create_client(service, config=config)

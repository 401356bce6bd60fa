"""The AWS clients of the layer's own calls (SNS, SQS, Step Functions, S3), made with botocore. PynamoDB loads
botocore anyway; boto3 would add its own import (its resource layer and s3transfer) for the same clients, to every
cold start of the functions that never touch boto3's resources (`make bench` section 1)."""
from __future__ import annotations

from functools import lru_cache

import botocore.session
from botocore.config import Config


@lru_cache
def _session() -> botocore.session.Session:
    """One session per process, as boto3's default one: the environment's region and credentials."""
    return botocore.session.get_session()


def client(service: str, config: Config | None = None):
    """A new client of `service` (the callers cache theirs)."""
    return _session().create_client(service, config=config)

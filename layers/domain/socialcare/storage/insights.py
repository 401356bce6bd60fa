"""The insights bucket (InsightsBucket): what leaves DynamoDB for people who read it outside the app. The case facts
go under case-facts/ for Athena, one JSON Lines file per day; the weekly digests go under digests/."""
from __future__ import annotations

from functools import lru_cache

import boto3

from socialcare.config import settings


@lru_cache
def _s3():
    return boto3.client("s3")


def put(key: str, body: str, content_type: str) -> None:
    """Write the whole object: writing a key again replaces it."""
    _s3().put_object(Bucket=settings().insights_bucket_name, Key=key, Body=body.encode("utf-8"),
                     ContentType=content_type)

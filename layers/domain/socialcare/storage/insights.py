"""The insights bucket (InsightsBucket): what leaves DynamoDB for people who read it outside the app. The case facts
go under case-facts/ for Athena, one JSON Lines file per day; the weekly digests go under digests/."""
from __future__ import annotations

from functools import lru_cache

from botocore.config import Config

from socialcare import aws
from socialcare.config import settings


@lru_cache
def _s3():
    return aws.client("s3", config=Config(signature_version="s3v4"))  # SigV4: a link may last 7 days


def put(key: str, body: str, content_type: str) -> None:
    """Write the whole object: writing a key again replaces it."""
    _s3().put_object(Bucket=settings().insights_bucket_name, Key=key, Body=body.encode("utf-8"),
                     ContentType=content_type)


def presigned_get(key: str, seconds: int) -> str:
    """A link that lets whoever holds it read the object until `seconds` pass or the signing credentials expire,
    whichever comes first (signed here, with the caller's credentials: no call to S3)."""
    return _s3().generate_presigned_url("get_object", Params={"Bucket": settings().insights_bucket_name, "Key": key},
                                        ExpiresIn=seconds)

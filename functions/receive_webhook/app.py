"""Platform webhooks: answer the platform's challenge (GET), or verify a delivery's signature on the raw body, read it
as mentions, enqueue them and answer 200 fast (POST). Nothing is stored or enqueued unless the signature holds.

The internet's way in, and the one function whose cold start a platform waits on, so it carries only what that work
needs (tests/unit/functions/test_cold_start_imports.py keeps it so): no X-Ray SDK (Lambda's Active tracing still
records each invocation, docs/operations.md), no Powertools event handler (API Gateway routes only GET and POST
/webhooks/{platform} here, and its two answers fit in `_answer`), and the adapter of the delivery's platform alone,
imported by socialcare.platforms on the platform's first delivery.
"""
import json

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from socialcare import platforms, queue
from socialcare.errors import InvalidMentionError, SignatureMismatchError, UnknownPlatformError
from socialcare.http import MAX_BODY_BYTES, raw_body

logger = Logger()


class HttpError(Exception):
    """Answered as {"statusCode", "message"}, as Powertools' event handler answers its ServiceError."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def answer_challenge(platform: str, query: dict[str, str]) -> dict:
    answer = _adapter(platform).answer_challenge(query)
    if answer is None:
        raise HttpError(400, "not a challenge this platform sends")
    return _answer(answer.status, answer.body, answer.content_type)


def receive_delivery(platform: str, headers: dict[str, str], body: bytes) -> dict:
    adapter = _adapter(platform)
    if len(body) > MAX_BODY_BYTES:
        raise HttpError(413, f"deliveries are limited to {MAX_BODY_BYTES} bytes")
    try:
        adapter.verify(headers, body)
    except SignatureMismatchError as error:
        logger.warning("delivery refused", extra={"platform": platform, "reason": str(error)})
        raise HttpError(401, str(error)) from None
    try:
        mentions = adapter.parse(body)
    except InvalidMentionError as error:
        raise HttpError(400, str(error)) from None
    accepted = queue.enqueue(mentions)
    logger.info("delivery enqueued", extra={"platform": platform, "mentions": accepted})
    return _answer(200, _json({"accepted": accepted}))


def _adapter(platform: str) -> platforms.Platform:
    try:
        return platforms.inbound(platform)
    except UnknownPlatformError as error:
        raise HttpError(404, str(error)) from None


def _answer(status: int, body: str, content_type: str = "application/json") -> dict:
    """An HTTP API (payload 2.0) response."""
    return {"statusCode": status, "body": body, "isBase64Encoded": False, "headers": {"Content-Type": content_type},
            "cookies": []}


def _json(value: dict) -> str:
    return json.dumps(value, separators=(",", ":"))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    # API Gateway sends this function only its two routes: GET and POST /webhooks/{platform}
    platform = (event.get("pathParameters") or {}).get("platform", "")
    headers = {name.lower(): value for name, value in (event.get("headers") or {}).items()}
    try:
        if event["requestContext"]["http"]["method"] == "GET":
            return answer_challenge(platform, event.get("queryStringParameters") or {})
        return receive_delivery(platform, headers, raw_body(event))
    except HttpError as error:
        return _answer(error.status, _json({"statusCode": error.status, "message": str(error)}))

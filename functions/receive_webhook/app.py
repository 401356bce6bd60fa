"""Platform webhooks: answer the platform's challenge (GET), or verify a delivery's signature on the raw body, read it
as mentions, enqueue them and answer 200 fast (POST). Nothing is stored or enqueued unless the signature holds."""
from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import (
    BadRequestError,
    NotFoundError,
    RequestEntityTooLargeError,
    UnauthorizedError,
)
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from socialcare import platforms, queue
from socialcare.errors import InvalidMentionError, SignatureMismatchError, UnknownPlatformError
from socialcare.http import MAX_BODY_BYTES, raw_body

logger = Logger()
tracer = Tracer()
app = APIGatewayHttpResolver()


@app.get("/webhooks/<platform>")
def answer_challenge(platform: str) -> Response:
    answer = _adapter(platform).answer_challenge(app.current_event.query_string_parameters or {})
    if answer is None:
        raise BadRequestError("not a challenge this platform sends")
    return Response(status_code=answer.status, content_type=answer.content_type, body=answer.body)


@app.post("/webhooks/<platform>")
def receive_delivery(platform: str) -> Response:
    adapter = _adapter(platform)
    body = raw_body(app.current_event.raw_event)
    if len(body) > MAX_BODY_BYTES:
        raise RequestEntityTooLargeError(f"deliveries are limited to {MAX_BODY_BYTES} bytes")
    try:
        adapter.verify(app.current_event.headers, body)
    except SignatureMismatchError as error:
        logger.warning("delivery refused", extra={"platform": platform, "reason": str(error)})
        raise UnauthorizedError(str(error)) from None
    try:
        mentions = adapter.parse(body)
    except InvalidMentionError as error:
        raise BadRequestError(str(error)) from None
    accepted = queue.enqueue(mentions)
    logger.info("delivery enqueued", extra={"platform": platform, "mentions": accepted})
    return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body={"accepted": accepted})


def _adapter(platform: str) -> platforms.Platform:
    try:
        return platforms.inbound(platform)
    except UnknownPlatformError as error:
        raise NotFoundError(str(error)) from None


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)

"""Scheduled: poll X (the brand's mentions timeline, and recent search for its handle, hashtags and keywords) from
the stored cursors and enqueue new mentions for ingest, for accounts without webhook access. A failed run is simply
retried by the next scheduled one: no cursor ever moves past what was enqueued."""
from dataclasses import asdict

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from socialcare.observability import TRACED_MODULES
from socialcare.platforms import x_poll

logger = Logger()
tracer = Tracer(patch_modules=TRACED_MODULES)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    polled = x_poll.poll_x(max_pages=int(event.get("maxPages", 5)))
    results = {source: asdict(result) for source, result in polled.items()}
    logger.info("x polled", extra=results)
    return results

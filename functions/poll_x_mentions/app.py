"""Scheduled: poll X's mentions timeline from the stored cursor and enqueue new mentions for ingest (for accounts
without webhook access). A failed run is simply retried by the next scheduled one: the cursor never moves past
what was enqueued."""
from dataclasses import asdict

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from socialcare.platforms import x_poll

logger = Logger()
tracer = Tracer()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    result = asdict(x_poll.poll_x_mentions(max_pages=int(event.get("maxPages", 5))))
    logger.info("x mentions polled", extra=result)
    return result

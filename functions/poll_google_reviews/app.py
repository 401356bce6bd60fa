"""Scheduled: poll each configured Google Business Profile location's reviews from its stored cursor and enqueue new
and edited reviews for ingest. A failed run is simply retried by the next scheduled one: no cursor ever moves past
what was enqueued."""
from dataclasses import asdict

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from socialcare.observability import TRACED_MODULES
from socialcare.platforms import google_reviews

logger = Logger()
tracer = Tracer(patch_modules=TRACED_MODULES)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    polled = google_reviews.poll_google_reviews(max_pages=int(event.get("maxPages", 5)))
    results = {source: asdict(result) for source, result in polled.items()}
    logger.info("google reviews polled", extra=results)
    return results

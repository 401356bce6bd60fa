"""State machine step: close the case (resolved, dismissed or failed) and free its author for a new case."""
from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from socialcare.cases import service

logger = Logger()
tracer = Tracer()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return service.close(event["caseId"], event["outcome"], event.get("error"))

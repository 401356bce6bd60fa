"""State machine step: a deadline passed. Climb the ladder and tell the next tier (or remind the customer)."""
from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.utilities.typing import LambdaContext

from socialcare.cases import service

logger = Logger()
tracer = Tracer()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    clock = service.escalate(event["caseId"], event["clock"])
    name = "HardLimitReached" if clock["hardLimitReached"] else "Escalations"
    with single_metric(name=name, unit=MetricUnit.Count, value=1) as metric:
        metric.add_dimension(name="step", value=clock["step"])
    return clock

"""State machine step: a clock ran out. At its warning time, tell whoever must act that the deadline is close; at the
deadline, climb the ladder and tell the next tier (or remind the customer)."""
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from socialcare.cases import service
from socialcare.policy import policy

logger = Logger()
tracer = Tracer()
policy()  # a mistake in the policy file fails the cold start, loudly, never a case half-way
metrics = Metrics()


@metrics.log_metrics
@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    warning = event["clock"].get("phase") == "warning"
    clock = service.escalate(event["caseId"], event["clock"])
    name = "BreachWarnings" if warning else "HardLimitReached" if clock["hardLimitReached"] else "Escalations"
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)
    metrics.add_metadata(key="step", value=clock["step"])
    return clock

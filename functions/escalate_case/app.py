"""State machine step: a clock ran out. At its warning time, tell whoever must act that the deadline is close; at the
deadline, climb the ladder and tell the next tier (or remind the customer)."""
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from socialcare.cases import service
from socialcare.observability import CASE_ID_PATH, ESCALATIONS, escalation_metric
from socialcare.care.policy import policy

logger = Logger()
policy()  # a mistake in the policy file fails the cold start, loudly, never a case half-way
metrics = Metrics()


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=CASE_ID_PATH)  # every log line names the case
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    warning = event["clock"].get("phase") == "warning"
    clock = service.escalate(event["caseId"], event["clock"])
    name = escalation_metric(clock["step"], warning, clock["hardLimitReached"])
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)
    if name == ESCALATIONS:  # also by the tier it reached: the dashboard's escalations by level
        metrics.add_dimensions(service=metrics.service, level=str(clock["level"]))
    metrics.add_metadata(key="step", value=clock["step"])
    return clock

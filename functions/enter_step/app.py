"""State machine step: the case enters a step of the lifecycle and its clock starts."""
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from socialcare.cases import service
from socialcare.observability import CASE_ID_PATH
from socialcare.care.policy import policy

logger = Logger()
policy()  # a mistake in the policy file fails the cold start, loudly, never a case half-way


@logger.inject_lambda_context(correlation_id_path=CASE_ID_PATH)  # every log line names the case
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return service.enter_step(event["caseId"], event["step"])

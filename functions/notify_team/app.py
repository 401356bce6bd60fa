"""State machine callback: stores the task token on the case and tells the team that must act (the action
resumes the execution through the agent API, or the customer's DM through ingest)."""
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from socialcare.cases import service
from socialcare.observability import CASE_ID_PATH
from socialcare.care.policy import policy

logger = Logger()
policy()  # a mistake in the policy file fails the cold start, loudly, never a case half-way


@logger.inject_lambda_context(correlation_id_path=CASE_ID_PATH)  # every log line names the case
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return service.await_action(event["caseId"], event["step"], event["taskToken"], int(event.get("rung", 0)))

"""State machine step: close the case (resolved, dismissed or failed) and free its author for a new case."""
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from socialcare.cases import service
from socialcare.observability import CASE_ID_PATH

logger = Logger()


@logger.inject_lambda_context(correlation_id_path=CASE_ID_PATH)  # every log line names the case
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return service.close(event["caseId"], event["outcome"], event.get("error"))

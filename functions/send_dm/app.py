"""State machine step: a private message to the customer. Idempotent like post_reply."""
from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, IdempotencyConfig, idempotent
from aws_lambda_powertools.utilities.typing import LambdaContext

from socialcare.cases import service
from socialcare.config import settings

logger = Logger()
tracer = Tracer()
persistence = DynamoDBPersistenceLayer(table_name=settings().idempotency_table_name)
once_per_case_and_kind = IdempotencyConfig(event_key_jmespath="[caseId, kind]", raise_on_no_idempotency_key=True,
                                           expires_after_seconds=90 * 86400)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@idempotent(persistence_store=persistence, config=once_per_case_and_kind)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return service.send_private(event["caseId"], event["kind"])

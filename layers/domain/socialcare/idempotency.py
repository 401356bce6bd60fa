"""Powertools idempotency for the steps that post: a retried step (after a lost response) gets the stored result
instead of posting again. Each kind of post happens once per case, so the case and the kind are the key."""
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, IdempotencyConfig

from socialcare.config import settings

KEEP_RESULTS_SECONDS = 90 * 86400  # as long as a case's execution name stays reserved

persistence = DynamoDBPersistenceLayer(table_name=settings().idempotency_table_name)
once_per_case_and_kind = IdempotencyConfig(event_key_jmespath="[caseId, kind]", raise_on_no_idempotency_key=True,
                                           expires_after_seconds=KEEP_RESULTS_SECONDS)

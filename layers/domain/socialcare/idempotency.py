"""Powertools idempotency for the steps that post: a retried step (after a lost response) gets the stored result
instead of posting again. Each kind of post happens once per case, so the case and the kind are the key."""
from types import SimpleNamespace

from aws_lambda_powertools.shared import user_agent
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, IdempotencyConfig

from socialcare import aws
from socialcare.config import settings

KEEP_RESULTS_SECONDS = 90 * 86400  # as long as a case's execution name stays reserved
# What Powertools registers its user agent on at init: the client itself registers it when it is made
_NOT_MADE_YET = SimpleNamespace(meta=SimpleNamespace(events=SimpleNamespace(register=lambda *args, **kwargs: None)))


class PersistenceLayer(DynamoDBPersistenceLayer):
    """Powertools' DynamoDB persistence layer, whose client is made at its first call from the session PynamoDB's
    connections use (socialcare.aws), not from a boto3 session of its own at the import: the invocation reads the case
    through PynamoDB anyway, so DynamoDB's service model is loaded once a cold start, not twice (`make bench` 1)."""

    def __init__(self, table_name: str):
        self._initialised = False  # Powertools' __init__ reads self.client: it gets the stand-in
        super().__init__(table_name=table_name, boto3_client=_NOT_MADE_YET)
        self._initialised = True

    @property
    def client(self):
        if self._client is _NOT_MADE_YET and self._initialised:
            self._client = aws.client("dynamodb")
            user_agent.register_feature_to_client(client=self._client, feature="idempotency")
        return self._client

    @client.setter
    def client(self, value) -> None:
        self._client = value


persistence = PersistenceLayer(table_name=settings().idempotency_table_name)
once_per_case_and_kind = IdempotencyConfig(event_key_jmespath="[caseId, kind]", raise_on_no_idempotency_key=True,
                                           expires_after_seconds=KEEP_RESULTS_SECONDS)

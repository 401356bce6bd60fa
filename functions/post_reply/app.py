"""State machine step: post a public reply on the case's thread, once (see socialcare.idempotency)."""
from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.idempotency import idempotent
from aws_lambda_powertools.utilities.typing import LambdaContext

from socialcare.care import guardrails
from socialcare.cases import service
from socialcare.idempotency import once_per_case_and_kind, persistence
from socialcare.observability import CASE_ID_PATH, TRACED_MODULES, annotate_case
from socialcare.care.policy import policy

logger = Logger()
tracer = Tracer(patch_modules=TRACED_MODULES)
guardrails.patterns()  # every invocation checks the text it sends: the rules compile at the cold start
policy()  # a mistake in the policy file fails the cold start, loudly, never a case half-way


@logger.inject_lambda_context(correlation_id_path=CASE_ID_PATH)  # every log line names the case
@tracer.capture_lambda_handler
@annotate_case(tracer)
@idempotent(persistence_store=persistence, config=once_per_case_and_kind)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return service.post_public(event["caseId"], event["kind"], event.get("text"))

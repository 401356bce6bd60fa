"""State machine step: a private message to the customer, once (see socialcare.idempotency): the hand-off
confirmation, and on a private case every response (an agent's text, or an automatic notice)."""
from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.idempotency import idempotent
from aws_lambda_powertools.utilities.typing import LambdaContext

from socialcare.care import guardrails
from socialcare.cases import service
from socialcare.idempotency import once_per_case_and_kind, persistence
from socialcare.observability import CASE_ID_PATH, TRACED_MODULES, annotate_case

logger = Logger()
tracer = Tracer(patch_modules=TRACED_MODULES)
guardrails.patterns()  # every invocation checks the text it sends: the rules compile at the cold start


@logger.inject_lambda_context(correlation_id_path=CASE_ID_PATH)  # every log line names the case
@tracer.capture_lambda_handler
@annotate_case(tracer)
@idempotent(persistence_store=persistence, config=once_per_case_and_kind)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return service.send_private(event["caseId"], event["kind"], event.get("text"))

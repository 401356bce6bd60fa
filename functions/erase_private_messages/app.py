"""Daily: erase the customer's private messages from every case closed longer ago than the care policy keeps them."""
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from socialcare.cases import retention
from socialcare.care.policy import policy

logger = Logger()
policy()  # a mistake in the policy file fails the cold start, loudly


@logger.inject_lambda_context
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    erased = retention.erase_due_private_messages()
    logger.info("private messages erased", extra={"cases": len(erased)})
    return {"erased": len(erased)}

"""Daily: export the case facts of the last 31 days to the insights bucket for Athena ({"day": "YYYY-MM-DD"} exports
that day again)."""
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from socialcare.cases import export

logger = Logger()


@logger.inject_lambda_context
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    exported = export.export(day=event.get("day"))
    logger.info("case facts exported", extra={"cases_by_day": exported})
    return {"exported": exported}

"""Weekly: the last full week's report as an HTML page in the insights bucket, and a short message with its link on
the leadership topic."""
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from socialcare.cases import digest

if __package__:  # the local cloud and the tests import functions.send_weekly_digest.app
    from .report_page import render
else:  # Lambda imports app.py from the function's folder, without a package
    from report_page import render

logger = Logger()


@logger.inject_lambda_context
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    sent = digest.send_weekly(render=render)
    logger.info("weekly digest sent", extra=sent)
    return sent

"""SQS consumer: each message is one normalised mention. A failed record is reported alone (partial batch
response) and redelivered; ingest is idempotent, so the redelivery finishes what the first attempt began."""
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from socialcare.ingest import ingest_mention
from socialcare.models import Mention
from socialcare.observability import mention_metric
from socialcare.care.policy import policy

logger = Logger()
policy()  # a mistake in the policy file fails the cold start, loudly, never a case half-way
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> None:
    logger.set_correlation_id(None)  # not the previous record's case
    try:
        outcome = ingest_mention(Mention.from_message(record.json_body))
    except Exception as error:  # the batch processor would say why only at debug level; by class only, since a
        # message may quote the customer's private words
        logger.warning("mention not ingested; SQS delivers it again, then the dead-letter queue",
                       extra={"messageId": record.message_id, "error": type(error).__name__,
                              "receiveCount": record.attributes.approximate_receive_count})
        raise
    if outcome.case_id:  # the case the mention opened or joined names the lines from here on
        logger.set_correlation_id(outcome.case_id)
    logger.info("mention ingested", extra={"mention": outcome.mention_key, "outcome": outcome.outcome,
                                           "caseId": outcome.case_id})
    metrics.add_metric(name=mention_metric(outcome.outcome), unit=MetricUnit.Count, value=1)


@metrics.log_metrics
@logger.inject_lambda_context
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)

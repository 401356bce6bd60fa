"""CloudFormation's custom resource DeskFiles (template.yaml): on Create and Update the desk's files and its
config.json go to the desk bucket; on Delete the bucket is emptied, so that the stack deletes it. Every request is
answered on its ResponseURL, a failure too, with its reason: a request left unanswered keeps the stack waiting."""
import logging

if __package__:  # the local cloud and the tests import functions.publish_desk.app
    from . import cfn_response, desk_files
else:  # Lambda imports app.py from the function's folder, without a package
    import cfn_response
    import desk_files

logger = logging.getLogger("publish_desk")  # the runtime's handler prints it; no Powertools: no layer here
logger.setLevel(logging.INFO)


def lambda_handler(event: dict, context) -> dict:
    # The one handler that catches every error: CloudFormation hears of a failure only from this answer.
    try:
        data = handle(event, context)
        status, reason, physical_id = cfn_response.SUCCESS, f"{event['RequestType']}: {data}", physical_id_of(event)
    except Exception as error:
        logger.exception("DeskFiles %s failed", event.get("RequestType"))
        status, data = cfn_response.FAILED, {}
        reason = f"{type(error).__name__}: {error} (log stream {context.log_stream_name})"
        physical_id = event.get("PhysicalResourceId") or physical_id_of(event)  # a failed update keeps its id
    logger.info("DeskFiles %s: %s %s", event.get("RequestType"), status, reason)
    return cfn_response.answer(event, status, reason, physical_id, data)


def handle(event: dict, context) -> dict:
    properties = event["ResourceProperties"]
    if event["RequestType"] == "Delete":
        return {"Removed": desk_files.empty(properties["BucketName"])}
    published = desk_files.publish(properties["BucketName"], properties["Config"],
                                   time_left_ms=context.get_remaining_time_in_millis)
    return {"Files": len(published)}


def physical_id_of(event: dict) -> str:
    """One id per bucket: an update to another bucket is a new resource, and CloudFormation then deletes the old one
    (which empties the old bucket)."""
    if event["RequestType"] == "Delete":
        return event["PhysicalResourceId"]
    bucket = event.get("ResourceProperties", {}).get("BucketName")
    return f"desk-files:{bucket}" if bucket else event["LogicalResourceId"]

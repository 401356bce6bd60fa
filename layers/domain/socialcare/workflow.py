"""The case lifecycle's executions: start one per case (named by the case id) and resume its waiting tasks."""
from __future__ import annotations

import json
from functools import lru_cache

from botocore.exceptions import ClientError

from socialcare import aws
from socialcare.config import settings
from socialcare.errors import InvalidCaseTransitionError, WaitTimedOutError
from socialcare.models import is_valid_execution_name

# What SendTask* answers when the task already ended (timed out and escalated, or the execution is over).
_STALE_TOKEN_ERRORS = ("TaskTimedOut", "InvalidToken", "TaskDoesNotExist")


@lru_cache
def _sfn():
    return aws.client("stepfunctions")


def start_case(case_id: str, platform: str, visibility: str) -> str:
    """Start the case's execution. The input is the same on every retry, so a second start of a running case is
    answered with the same execution (StartExecution is idempotent for equal name and input); a finished one is
    left alone. The visibility (public, or private: the customer wrote to us privately first) picks the path."""
    if not is_valid_execution_name(case_id):
        raise ValueError(f"{case_id!r} is not a valid execution name")
    arn = settings().state_machine_arn
    try:
        response = _sfn().start_execution(stateMachineArn=arn, name=case_id,
                                          input=json.dumps({"caseId": case_id, "platform": platform,
                                                            "visibility": visibility}))
        return response["executionArn"]
    except ClientError as error:
        if error.response["Error"]["Code"] != "ExecutionAlreadyExists":
            raise
        return f"{arn.replace(':stateMachine:', ':execution:')}:{case_id}"


def resume(task_token: str, output: dict) -> None:
    try:
        _sfn().send_task_success(taskToken=task_token, output=json.dumps(output))
    except ClientError as error:
        _raise_if_stale(error)
        raise


def fail(task_token: str, error_name: str, cause: str) -> None:
    try:
        _sfn().send_task_failure(taskToken=task_token, error=error_name, cause=cause)
    except ClientError as error:
        _raise_if_stale(error)
        raise


def _raise_if_stale(error: ClientError) -> None:
    code = error.response["Error"]["Code"]
    if code == "TaskTimedOut":
        raise WaitTimedOutError("the wait's clock ran out just then; the same wait starts again") from error
    if code in _STALE_TOKEN_ERRORS:
        raise InvalidCaseTransitionError("the step has moved on; reload the case") from error

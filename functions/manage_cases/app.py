"""The agent API: list and show cases, and act on them. Each action resumes the case's waiting task.

  GET  /me                            who is signed in, their groups and what they may do
  GET  /cases?status=OPEN&limit=50     the queue, nearest deadline first
  GET  /cases/{caseId}                 one case with its timeline
  GET  /cases/{caseId}/private-messages    the customer's DMs (and a private case's draft): the care team only
  POST /cases/{caseId}/{action}        acknowledge | answer | claim | resolve | follow-up | dismiss
  GET  /authors/{platform}/{authorId}/cases    the author's cases, their linked accounts' too, newest first
  POST /authors/{platform}/{authorId}/links    {"platform", "authorId"}: another account of the same person
  POST /authors/{platform}/{authorId}/flag-clearance    {"reason"}: the author's flag cleared, audited on the author
  GET  /incidents?status=OPEN&limit=50            pile-ons, newest first
  GET  /incidents/{incidentId}                    one incident: its cases, people, growth, reach, tiers, statements
  POST /incidents/{incidentId}/statement          {"target": "brand" | "replies", "text"?}: the holding statement
  POST /incidents/{incidentId}/resolve            {"outcome"}: closes it; its open cases get their follow-ups
  GET  /reports/summary?from=YYYY-MM-DD&to=YYYY-MM-DD   the report for the people who lead care (default: 7 days)
Unknown case or incident: 404. The case does not wait for that action, or the incident is resolved: 409. An unknown
action or a bad body: 400. A public text the guardrails refuse: 422, naming each rule and the words. An unknown
platform or an author id it never gives: 400; linking while the care policy does not link accounts: 403. API Gateway
lets only a signed-in member of the care team through; what each may do is their groups' (socialcare/cases/roles.py),
else 403, and every action records who did it.
"""
import time

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import BadRequestError
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from socialcare.cases import flags, history, incidents, lifecycle, report, roles, service
from socialcare.cases.actions import (
    InvalidActionBodyError,
    parse_action,
    parse_flag_clearance,
    parse_incident_resolution,
    parse_link,
    parse_statement,
)
from socialcare.errors import (
    CaseNotFoundError,
    ForbiddenError,
    IncidentNotFoundError,
    IncidentResolvedError,
    InvalidAuthorError,
    InvalidCaseTransitionError,
    LinkingOffError,
    ReplyRejectedError,
    UnknownActionError,
)
from socialcare.http import whole_number
from socialcare.observability import TRACED_MODULES, acknowledgement_metric
from socialcare.care.policy import policy
from socialcare.platforms.outbound_http import BUDGET_SECONDS
from socialcare.storage.incidents import STATUSES as INCIDENT_STATUSES

logger = Logger()
tracer = Tracer(patch_modules=TRACED_MODULES)
policy()  # a mistake in the policy file fails the cold start, loudly, never a case half-way
metrics = Metrics()
app = APIGatewayHttpResolver()
STATUSES = (lifecycle.OPEN, lifecycle.CLOSED, lifecycle.DISMISSED)
# Log lines name the case (or incident) the request is about; a list, which is about none, keeps API Gateway's id.
CORRELATION_ID_PATH = (f"pathParameters.caseId || pathParameters.incidentId || "
                       f"{correlation_paths.API_GATEWAY_HTTP}")
# Posting an incident's statement or follow-ups to many threads stops starting posts while one more could outlast
# the function (a platform call with its retries takes up to BUDGET_SECONDS): what is left is said, not lost.
POST_RESERVE_SECONDS = BUDGET_SECONDS + 2


@app.get("/me")
def show_me() -> dict:
    person = _person()
    return {"user": person.name, "groups": sorted(person.groups), "may": person.permissions()}


@app.get("/cases")
def list_cases() -> dict:
    _person().require("read-cases")
    query = app.current_event.query_string_parameters or {}
    status = query.get("status", lifecycle.OPEN).upper()
    if status not in STATUSES:
        raise BadRequestError(f"status must be one of {', '.join(STATUSES)}")
    return {"cases": service.list_cases(status, _limit(query))}


def _limit(query: dict) -> int:
    limit = whole_number(query.get("limit", "50"), 10)  # ASCII digits only: "²" and "٣" are no limits
    if limit is None or not 1 <= limit <= 500:
        raise BadRequestError("limit must be a number from 1 to 500")
    return limit


@app.get("/cases/<case_id>")
def show_case(case_id: str) -> dict:
    tracer.put_annotation(key="caseId", value=case_id)
    _person().require("read-cases")
    return service.view(case_id)


@app.get("/reports/summary")
def report_summary() -> dict:
    _person().require("read-report")
    query = app.current_event.query_string_parameters or {}
    try:
        return report.summary(query.get("from"), query.get("to"))
    except report.InvalidPeriodError as error:
        raise BadRequestError(str(error)) from None


@app.get("/cases/<case_id>/private-messages")
def show_private_messages(case_id: str) -> dict:
    tracer.put_annotation(key="caseId", value=case_id)
    _person().require("read-private-messages")
    return service.private_view(case_id)


@app.post("/cases/<case_id>/<action>")
def act_on_case(case_id: str, action: str) -> dict | Response:
    tracer.put_annotation(key="caseId", value=case_id)
    person = _person()
    if action in roles.PERMISSIONS:  # an unknown action is a 400 that names the known ones (parse_action)
        person.require(action)
    fields = _body(action, parse_action, action)
    before = service.load_case(case_id) if action == "acknowledge" else None  # its clock as the agent acts
    result = service.act(case_id, action, fields, agent=person.name)
    if before is not None:
        metrics.add_metric(name=acknowledgement_metric(before), unit=MetricUnit.Count, value=1)
    if result.get("held"):  # the clock ran out just then: applied to the same wait as it starts again
        return Response(status_code=202, content_type=content_types.APPLICATION_JSON,
                        body={**result, "message": f"{action} accepted: the step's clock ran out just now, and it is "
                                                   "applied as the same wait starts again"})
    return result


@app.get("/authors/<platform>/<author_id>/cases")
def list_author_cases(platform: str, author_id: str) -> dict:
    _person().require("read-cases")
    return history.author_cases(platform, author_id)


@app.post("/authors/<platform>/<author_id>/links")
def link_author(platform: str, author_id: str) -> dict:
    person = _person()
    person.require("link-accounts")
    other = _body("link", parse_link)
    return history.link(platform, author_id, other["platform"], other["authorId"], agent=person.name)


@app.post("/authors/<platform>/<author_id>/flag-clearance")
def clear_author_flag(platform: str, author_id: str) -> dict:
    person = _person()
    person.require("clear-flag")
    fields = _body("flag-clearance", parse_flag_clearance)
    return flags.clear_flag(platform, author_id, fields["reason"], agent=person.name)


@app.get("/incidents")
def list_incidents() -> dict:
    _person().require("read-cases")
    query = app.current_event.query_string_parameters or {}
    status = query.get("status", "OPEN").upper()
    if status not in INCIDENT_STATUSES:
        raise BadRequestError(f"status must be one of {', '.join(INCIDENT_STATUSES)}")
    return {"incidents": incidents.list_incidents(status, _limit(query))}


@app.get("/incidents/<incident_id>")
def show_incident(incident_id: str) -> dict:
    tracer.put_annotation(key="incidentId", value=incident_id)
    _person().require("read-cases")
    return incidents.view(incident_id)


@app.post("/incidents/<incident_id>/statement")
def post_statement(incident_id: str) -> dict:
    tracer.put_annotation(key="incidentId", value=incident_id)
    person = _person()
    person.require("manage-incidents")
    fields = _body("statement", parse_statement)
    return incidents.post_statement(incident_id, fields["target"], fields["text"], agent=person.name,
                                    deadline=_posting_deadline())


@app.post("/incidents/<incident_id>/resolve")
def resolve_incident(incident_id: str) -> dict:
    tracer.put_annotation(key="incidentId", value=incident_id)
    person = _person()
    person.require("manage-incidents")
    fields = _body("resolve", parse_incident_resolution)
    return incidents.resolve(incident_id, fields["outcome"], agent=person.name, deadline=_posting_deadline())


def _posting_deadline() -> float:
    """When this invocation starts no more posts (time.monotonic())."""
    return time.monotonic() + app.lambda_context.get_remaining_time_in_millis() / 1000 - POST_RESERVE_SECONDS


def _body(what: str, parse, *leading) -> dict:
    """The request's body as `parse` reads it, or a 400 naming what is wrong with it."""
    try:
        return parse(*leading, app.current_event.body)
    except InvalidActionBodyError as error:
        raise BadRequestError(f"bad {what} body: {error}") from None


def _person() -> roles.Person:
    """The signed-in member of the care team, from the ID token's claims API Gateway checked."""
    authorizer = app.current_event.request_context.authorizer
    return roles.person_from_claims(authorizer.jwt_claim if authorizer else {})


@app.exception_handler([CaseNotFoundError, IncidentNotFoundError])
def not_found(error: CaseNotFoundError | IncidentNotFoundError) -> Response:
    return _error(404, str(error))


@app.exception_handler([UnknownActionError, InvalidAuthorError])
def bad_request(error: UnknownActionError | InvalidAuthorError) -> Response:
    return _error(400, str(error))


@app.exception_handler([LinkingOffError, ForbiddenError])
def forbidden(error: LinkingOffError | ForbiddenError) -> Response:
    return _error(403, str(error))


@app.exception_handler([InvalidCaseTransitionError, IncidentResolvedError])
def not_waiting_for_that(error: InvalidCaseTransitionError | IncidentResolvedError) -> Response:
    return _error(409, str(error))


@app.exception_handler(ReplyRejectedError)
def reply_rejected(error: ReplyRejectedError) -> Response:
    rejections = [{"rule": r.rule, "words": r.words, "explanation": r.explanation} for r in error.rejections]
    return _error(422, str(error), rejections=rejections)


def _error(status: int, message: str, **extra) -> Response:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON,
                    body={"statusCode": status, "message": message, **extra})


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=CORRELATION_ID_PATH)
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)

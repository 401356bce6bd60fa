"""Operable on day one, checked on the transformed template: every function has its errors and throttles alarms, every
alarm tells the operations topic and points at a section of docs/operations.md that exists, the dashboard and the
alarms name the metrics the code emits (with the namespace and service dimension Powertools gives them), and the
pollers never run twice at once."""
from __future__ import annotations

import json
import pathlib
import re

import pytest

from local.stack import Stack
from socialcare import ingest, observability

OPERATIONS = pathlib.Path(__file__).resolve().parents[2] / "docs" / "operations.md"
EVERY_CONDITION = {"XPollEnabled": "true", "GooglePollEnabled": "true"}  # the pollers' alarms exist only then
MENTION_OUTCOMES = (ingest.OPENED, ingest.ATTACHED, ingest.DM_RESUMED, ingest.DM_ATTACHED, ingest.DUPLICATE,
                    ingest.WATCHED)
EMITTED = {observability.BREACH_WARNINGS, observability.ESCALATIONS, observability.HARD_LIMIT_REACHED,
           observability.DM_REMINDERS, observability.DM_WAITS_ENDED, observability.ACKNOWLEDGED_WITHIN_SLA,
           observability.ACKNOWLEDGED_LATE,
           *(observability.mention_metric(o) for o in MENTION_OUTCOMES)}


# Runs only inside a deploy, as DeskFiles' provider: a failure is the deploy's, shown in its events with the reason
# (and rolled back), so an alarm would tell the operations topic what the person deploying already sees.
DEPLOY_ONLY = {"PublishDeskFunction"}


@pytest.fixture(scope="module")
def stack() -> Stack:
    return Stack.load(parameter_overrides=EVERY_CONDITION)


@pytest.fixture(scope="module")
def alarms(stack) -> dict[str, dict]:
    return stack.resources("AWS::CloudWatch::Alarm")


@pytest.fixture(scope="module")
def dashboard(stack) -> dict:
    [props] = stack.resources("AWS::CloudWatch::Dashboard").values()
    return json.loads(props["DashboardBody"])


def anchors(markdown: str) -> set[str]:
    """The anchors GitHub gives the headings of a Markdown file."""
    headings = re.findall(r"^#+ (.+)$", markdown, flags=re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def lambda_alarm(alarms: dict, metric: str, function: str) -> dict:
    [alarm] = [a for a in alarms.values() if a.get("Namespace") == "AWS/Lambda" and a["MetricName"] == metric
               and a["Dimensions"] == [{"Name": "FunctionName", "Value": function}]]
    return alarm


def searches(dashboard: dict) -> list[str]:
    """The dashboard's SEARCH expressions (the graphs of metrics with more dimensions than `service`)."""
    return [m[0]["expression"] for w in dashboard["widgets"] for m in w["properties"].get("metrics", [])
            if isinstance(m[0], dict) and "SEARCH(" in m[0].get("expression", "")]


def dashboard_metrics(dashboard: dict) -> list[list]:
    return [m for w in dashboard["widgets"] for m in w["properties"].get("metrics", []) if isinstance(m[0], str)]


# -- alarms ---------------------------------------------------------------------------------------------------------
def test_every_function_has_an_errors_and_a_throttles_alarm(stack, alarms):
    assert len(stack.functions) >= 11
    for function in set(stack.functions) - DEPLOY_ONLY:
        for metric in ("Errors", "Throttles"):
            alarm = lambda_alarm(alarms, metric, function)
            assert (alarm["Statistic"], alarm["Threshold"], alarm["ComparisonOperator"]) == (
                "Sum", 0, "GreaterThanThreshold"), (function, metric)


def test_every_alarm_tells_the_operations_topic_and_a_quiet_metric_is_no_alarm(stack, alarms):
    topic = stack.physical("OperationsTopic")["Ref"]
    # two per function, and the state machine's two, the hard limit, the ingest queue, its dead letters, the API
    assert len(alarms) == 2 * len(set(stack.functions) - DEPLOY_ONLY) + 6
    for name, alarm in alarms.items():
        assert alarm["AlarmActions"] == [topic], name
        assert alarm.get("OKActions", [topic]) == [topic], name
        assert alarm["TreatMissingData"] == "notBreaching", name
    # an alarm about cases does not say OK: the case still needs someone after the metric goes quiet
    assert {name for name, alarm in alarms.items() if "OKActions" not in alarm} == {
        "CaseExecutionsFailedAlarm", "CaseExecutionsStoppedAlarm", "HardLimitReachedAlarm"}


def test_every_alarm_says_where_the_runbook_tells_what_to_do_and_the_runbook_lists_it(alarms):
    runbook = OPERATIONS.read_text()
    for name, alarm in alarms.items():
        [anchor] = re.findall(r"docs/operations\.md#([\w-]+)", alarm["AlarmDescription"])
        assert anchor in anchors(runbook), (name, anchor)
        assert len(alarm["AlarmDescription"]) <= 1024, name
        assert re.search(rf"^\| `{name}`", runbook, flags=re.MULTILINE), f"{name} is not in the alarms table"


def test_the_case_alarms_watch_the_state_machine_the_queue_the_api_and_the_hard_limit(stack, alarms):
    machine = stack.physical("CaseLifecycleStateMachine")["Ref"]
    failed = alarms["CaseExecutionsFailedAlarm"]
    assert (failed["Namespace"], failed["MetricName"]) == ("AWS/States", "ExecutionsFailed")
    assert failed["Dimensions"] == [{"Name": "StateMachineArn", "Value": machine}]
    stopped = {m["MetricStat"]["Metric"]["MetricName"]: m["MetricStat"]["Metric"]["Dimensions"]
               for m in alarms["CaseExecutionsStoppedAlarm"]["Metrics"] if "MetricStat" in m}
    assert stopped == {"ExecutionsTimedOut": [{"Name": "StateMachineArn", "Value": machine}],
                       "ExecutionsAborted": [{"Name": "StateMachineArn", "Value": machine}]}
    age = alarms["IngestQueueAgeAlarm"]
    assert (age["MetricName"], age["Threshold"]) == ("ApproximateAgeOfOldestMessage", 900)
    assert age["Dimensions"] == [{"Name": "QueueName", "Value": stack.physical("IngestQueue")["QueueName"]}]
    api = alarms["ApiServerErrorsAlarm"]
    assert (api["Namespace"], api["MetricName"]) == ("AWS/ApiGateway", "5xx")
    assert api["Dimensions"] == [{"Name": "ApiId", "Value": stack.physical("CaseApi")["Ref"]},
                                 {"Name": "Stage", "Value": "$default"}]
    dead_letters = alarms["IngestDeadLetterAlarm"]
    assert dead_letters["Dimensions"] == [{"Name": "QueueName",
                                           "Value": stack.physical("IngestDeadLetterQueue")["QueueName"]}]


def test_the_hard_limit_alarm_watches_the_metric_escalate_case_emits(stack, alarms):
    environment = stack.functions["EscalateCaseFunction"].environment
    hard_limit = alarms["HardLimitReachedAlarm"]
    assert hard_limit["Namespace"] == environment["POWERTOOLS_METRICS_NAMESPACE"]
    assert hard_limit["MetricName"] == observability.HARD_LIMIT_REACHED
    assert hard_limit["Dimensions"] == [{"Name": "service", "Value": environment["POWERTOOLS_SERVICE_NAME"]}]


# -- the dashboard --------------------------------------------------------------------------------------------------
def test_the_dashboard_graphs_every_metric_the_functions_emit_as_powertools_names_them(stack, dashboard):
    environment = stack.functions["EscalateCaseFunction"].environment
    ours = [m for m in dashboard_metrics(dashboard) if m[0] == environment["POWERTOOLS_METRICS_NAMESPACE"]]
    assert {m[1] for m in ours} == EMITTED - {observability.ESCALATIONS}  # that one by level, below
    for metric in ours:  # namespace, name, then the one dimension: service
        assert metric[2:4] == ["service", environment["POWERTOOLS_SERVICE_NAME"]], metric
    [by_level] = [e for e in searches(dashboard) if "{SocialCare,level," in e]
    assert f"{{{environment['POWERTOOLS_METRICS_NAMESPACE']},level,service}}" in by_level
    assert f'MetricName="{observability.ESCALATIONS}"' in by_level
    assert f'service="{environment["POWERTOOLS_SERVICE_NAME"]}"' in by_level


def test_the_dashboard_graphs_the_case_metrics_by_platform_and_team(stack, dashboard):
    environment = stack.functions["EscalateCaseFunction"].environment
    namespace, service = environment["POWERTOOLS_METRICS_NAMESPACE"], environment["POWERTOOLS_SERVICE_NAME"]
    by_platform_and_team = [e for e in searches(dashboard) if f"{{{namespace},platform,service,team}}" in e]
    for metric in (observability.FIRST_RESPONSE_MINUTES, observability.ACKNOWLEDGEMENT_SLA_MET,
                   observability.ACKNOWLEDGEMENT_SLA_MISSED, observability.CSAT_SCORE):
        [search] = [e for e in by_platform_and_team if f'MetricName="{metric}"' in e]
        assert f'service="{service}"' in search, metric


def test_the_dashboard_graphs_each_functions_errors_and_throttles_and_the_case_workflows(stack, dashboard):
    metrics = dashboard_metrics(dashboard)
    for function in set(stack.functions) - DEPLOY_ONLY:
        for name in ("Errors", "Throttles"):
            assert ["AWS/Lambda", name, "FunctionName", function] in [m[:4] for m in metrics], (function, name)
    machine = stack.physical("CaseLifecycleStateMachine")["Ref"]
    assert {m[1] for m in metrics if m[0] == "AWS/States" and m[3] == machine} >= {
        "ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted"}
    dead_letters = stack.physical("IngestDeadLetterQueue")["QueueName"]
    assert ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", dead_letters] in [m[:4] for m in metrics]


def test_the_runbook_describes_each_graph_of_the_dashboard_and_the_stack_outputs_its_url(stack, dashboard):
    runbook = OPERATIONS.read_text()
    section = runbook[runbook.index("## The dashboard"):]
    for widget in dashboard["widgets"]:
        if widget["type"] == "metric":
            assert f"| {widget['properties']['title']} |" in section, widget["properties"]["title"]
    url = stack.resolver.value(stack.template["Outputs"]["DashboardUrl"]["Value"])
    assert url.endswith("#dashboards:name=OperationsDashboard")


# -- the pollers ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("function", "schedule"), [("PollXFunction", "social-care-local-poll-x"),
                                                    ("PollGoogleReviewsFunction", "social-care-local-poll-google-reviews")])
def test_a_poller_runs_once_at_a_time_and_a_run_it_cannot_start_is_dropped(stack, function, schedule):
    assert stack.functions[function].reserved_concurrency == 1
    assert stack.schedules()[schedule]["retry"] == {"MaximumRetryAttempts": 0, "MaximumEventAgeInSeconds": 60}
    [config] = [c for c in stack.resources("AWS::Lambda::EventInvokeConfig").values() if c["FunctionName"] == function]
    assert (config["MaximumRetryAttempts"], config["MaximumEventAgeInSeconds"]) == (0, 60)

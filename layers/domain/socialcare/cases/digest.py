"""The weekly digest for the people who lead care: the summary report (cases/report.py) of the last full week, its
HTML page put in the insights bucket (digests/<from>_<to>.html), and a short plain-text message on the leadership
topic: the week's figures, the three things to look at, and a link to the page.

The week is the 7 UTC days ending yesterday (the facts are kept by UTC day). The link is a presigned GET URL valid for
7 days at most (SigV4's limit), but a URL signed with a Lambda role's temporary credentials stops working when those
credentials expire, often within hours; so the message also names the object and the command that signs a new link.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from socialcare import notify
from socialcare.cases import clocks, report
from socialcare.config import settings
from socialcare.storage import insights

LINK_SECONDS = 7 * 24 * 3600  # the longest a SigV4 presigned URL may last
PREFIX = "digests"


def send_weekly(render: Callable[[dict], str], today: date | None = None) -> dict:
    """Build the last full week's report, put its page (drawn by `render`) in the bucket and tell the leadership
    topic. Sending again for the same week replaces the page and sends the message again."""
    first, last = last_week(today or clocks.now().date())
    summary = report.summary(first, last)
    key = f"{PREFIX}/{first}_{last}.html"
    insights.put(key, render(summary), "text/html; charset=utf-8")
    link = insights.presigned_get(key, LINK_SECONDS)
    notify.notify_leadership(f"Social care weekly digest {first} to {last}",
                           message(summary, link, f"s3://{settings().insights_bucket_name}/{key}"))
    return {"from": first, "to": last, "key": key, "opened": summary["cases"]["opened"]}


def last_week(today: date) -> tuple[str, str]:
    """The 7 UTC days ending yesterday."""
    return (today - timedelta(days=7)).isoformat(), (today - timedelta(days=1)).isoformat()


def message(summary: dict, link: str, location: str) -> str:
    """The digest as plain text, as an email or a chat message shows it."""
    cases, first, csat = summary["cases"], summary["firstResponse"], summary["csat"]
    period = summary["period"]
    look = summary["highlights"] or ["nothing stood out: every group inside the SLA, no topic rising"]
    lines = [
        f"Social care, {period['from']} to {period['to']} (UTC days)",
        "",
        f"Cases: {cases['opened']} opened, {cases['closed']} closed, {cases['dismissed']} dismissed, "
        f"{cases['open']} still open",
        f"First response inside the SLA: {_share(first['slaAttainment'])} "
        f"({first['withinSla']} of {first['slaDecided']} decided)",
        f"First response time: p50 {_minutes(first['p50Minutes'])}, p90 {_minutes(first['p90Minutes'])}",
        f"CSAT: {_score(csat['average'])} ({csat['answered']} answered of {csat['asked']} asked)",
        "",
        "Three things to look at:",
        *(f"{n}. {item}" for n, item in enumerate(look, start=1)),
        "",
        "The full report with charts (the link lasts 7 days at most, often less):",
        link,
        f"It is {location}; a new link: aws s3 presign {location} --expires-in {LINK_SECONDS}",
    ]
    return "\n".join(lines)


def _share(value: float | None) -> str:
    return "no SLA decided" if value is None else f"{value:.0%}"


def _minutes(value: float | None) -> str:
    return "-" if value is None else f"{value:g} min"


def _score(value: float | None) -> str:
    return "no scores" if value is None else f"{value} of 5"

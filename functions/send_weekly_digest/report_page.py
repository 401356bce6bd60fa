"""The summary report (socialcare.cases.report) as one HTML page a lead opens from disk or from an email: the three
things to look at, the key figures, five charts and the tables by group.

The charts are drawn here with matplotlib and inlined as SVG: the page fetches nothing and runs no script, so it
reads the same offline, in a mail client or from an S3 link. Every name in it (topics, teams come from the care
policy) is escaped, in the HTML and in the charts (matplotlib escapes SVG text; math parsing is off, so a `$` in a
name is a dollar). matplotlib is imported on the first render only: importing this module stays cheap.
"""
from __future__ import annotations

import html
import io
import os
import re
import tempfile
from datetime import date

GROUPS = (("byPlatform", "Platform"), ("byTeam", "Team"), ("byPriority", "Priority"), ("byTopic", "Topic"),
          ("byOutcome", "Outcome"))
MOST_TOPICS = 12  # the topics chart shows the fastest rising and falling, half each, when there are more
BLUE, ORANGE, GREEN, RED, GREY = "#2b6cb0", "#c05621", "#2f855a", "#c53030", "#4a5568"
CHART_STYLE = {"svg.fonttype": "none", "text.parse_math": False, "font.size": 9, "axes.spines.top": False,
               "axes.spines.right": False, "axes.titlesize": 10}
CSS = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1a202c; margin: 0; background: #f7fafc; }
main { max-width: 960px; margin: 0 auto; padding: 24px; }
h1 { margin: 0; font-size: 1.6em; } h2 { font-size: 1.2em; margin: 28px 0 8px; }
.period { color: #4a5568; margin: 4px 0 0; }
.look { background: #fffbeb; border-left: 4px solid #c05621; padding: 8px 16px; }
.look li { margin: 4px 0; }
dl.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 12px; margin: 0; }
dl.figures div { background: #fff; border: 1px solid #e2e8f0; border-radius: 6px; padding: 10px 12px; }
dl.figures dt { color: #4a5568; font-size: .85em; } dl.figures dd { margin: 2px 0 0; font-size: 1.4em; font-weight: 600; }
dl.figures dd small { display: block; font-size: .6em; font-weight: 400; color: #4a5568; }
figure { background: #fff; border: 1px solid #e2e8f0; border-radius: 6px; margin: 0 0 16px; padding: 12px; }
figure svg { max-width: 100%; height: auto; display: block; }
figcaption { color: #4a5568; font-size: .9em; margin-top: 6px; }
table { border-collapse: collapse; background: #fff; margin: 0 0 16px; min-width: 50%; }
caption { text-align: left; font-weight: 600; padding: 4px 0; }
th, td { border-bottom: 1px solid #e2e8f0; padding: 4px 12px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
"""


def render(report: dict) -> str:
    """The whole page, one self-contained HTML string."""
    period = report.get("period")
    title = f"Social care report {_period_text(period)}" if period else "Social care report"
    if not report["cases"]["opened"]:
        body = "<p>No cases were opened in this period: nothing to chart.</p>"
    else:
        body = _highlights(report["highlights"]) + _figures(report) + _charts(report) + _tables(report)
    return (f'<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{_e(title)}</title>\n'
            f"<style>{CSS}</style>\n</head>\n<body>\n<main>\n<h1>Social care report</h1>\n"
            + (f'<p class="period">{_e(_period_text(period))}</p>\n' if period else "")
            + body + "</main>\n</body>\n</html>\n")


# -- text ----------------------------------------------------------------------------------------------------------
def _highlights(highlights: list[str]) -> str:
    items = "".join(f"<li>{_e(highlight)}</li>" for highlight in highlights)
    said = f"<ol>{items}</ol>" if highlights else "<p>Nothing stands out: no group below the SLA, no topic rising.</p>"
    return f'<section class="look" aria-labelledby="look"><h2 id="look">Three things to look at</h2>{said}</section>\n'


def _figures(report: dict) -> str:
    """The key figures, each with what it is made of underneath."""
    cases, first, resolution = report["cases"], report["firstResponse"], report["resolution"]
    csat, reviews = report["csat"], report["csat"]["reviews"]
    figures = [
        ("Cases opened", str(cases["opened"]),
         f"{cases['closed']} closed, {cases['dismissed']} dismissed, {cases['open']} open"),
        ("First replies inside the SLA", _percent(first["slaAttainment"]),
         f"{first['withinSla']} of {first['slaDecided']} due; SLA {_number(first['slaMinutes'])} business minutes"),
        ("First reply p50 / p90", f"{_number(first['p50Minutes'])} / {_number(first['p90Minutes'])} min",
         f"business minutes {_number(first['p50BusinessMinutes'])} / {_number(first['p90BusinessMinutes'])}; "
         f"{first['count']} answered"),
        ("Resolution p50 / p90", f"{_number(resolution['p50Hours'])} / {_number(resolution['p90Hours'])} h",
         f"{resolution['count']} resolved"),
        ("Customer score", f"{_number(csat['average'])} of 5", f"{csat['answered']} of {csat['asked']} asked answered"),
        ("Review stars before / after", f"{_number(reviews['averageBefore'])} / {_number(reviews['averageAfter'])}",
         f"{reviews['answered']} reviews answered: {reviews['raised']} raised, {reviews['lowered']} lowered"),
        ("Incidents", str(report["incidents"]["count"]), f"{report['incidents']['cases']} cases in them"),
        ("Hard limits reached", str(report["escalations"]["hardLimits"]), "cases still unanswered at the top tier"),
    ]
    items = "".join(f"<div><dt>{_e(name)}</dt><dd>{_e(value)}<small>{_e(detail)}</small></dd></div>"
                    for name, value, detail in figures)
    return f'<section aria-labelledby="figures"><h2 id="figures">Key figures</h2><dl class="figures">{items}</dl></section>\n'


def _tables(report: dict) -> str:
    """A table per grouping, the biggest group first."""
    tables = []
    for name, label in GROUPS:
        rows = sorted(report[name].items(), key=lambda item: (-item[1]["count"], item[0]))
        cells = "".join(f"<tr><td>{_e(key)}</td><td>{group['count']}</td><td>{_percent(group['slaAttainment'])}</td>"
                        f"<td>{_e(_number(group['csatAverage']))}</td></tr>" for key, group in rows)
        tables.append(f'<table><caption>By {label.lower()}</caption><thead><tr><th scope="col">{label}</th>'
                      f'<th scope="col">Cases</th><th scope="col">Inside the SLA</th><th scope="col">Customer score'
                      f"</th></tr></thead><tbody>{cells}</tbody></table>")
    return f'<section aria-labelledby="groups"><h2 id="groups">By group</h2>{"".join(tables)}</section>\n'


# -- charts --------------------------------------------------------------------------------------------------------
def _charts(report: dict) -> str:
    """Each chart with its caption; a chart with nothing to draw is a sentence instead."""
    matplotlib = _load_matplotlib()
    with matplotlib.rc_context(CHART_STYLE):
        figures = [_chart(*chart) for chart in _chart_list(report)]
    return f'<section aria-labelledby="charts"><h2 id="charts">Charts</h2>{"".join(figures)}</section>\n'


def _chart(title: str, figure, caption: str, nothing: str) -> str:
    if figure is None:
        return f"<h3>{_e(title)}</h3><p>{_e(nothing)}</p>"
    return f"<figure>{_svg(figure, title)}<figcaption>{_e(caption)}</figcaption></figure>"


def _chart_list(report: dict) -> list[tuple]:
    """Each chart: its title, the matplotlib figure (None: nothing to draw), its caption, and what to say instead."""
    first, csat = report["firstResponse"], report["csat"]
    return [
        ("How soon first replies came, in business minutes", _spread_chart(first),
         f"{first['count']} first replies by how long they took; the dashed line is the SLA "
         f"({_number(first['slaMinutes'])} business minutes).", "No first reply yet."),
        ("Share of first replies inside the SLA, day by day", _daily_chart(report["daily"]),
         "Each day's cases whose first-reply deadline is decided (answered, or past it): the share answered in time, "
         "with the cases opened that day above each bar.", "No first reply was due yet."),
        ("Cases that climbed to each escalation level", _escalation_chart(report["escalations"]),
         f"A case at level 2 was at level 1 first. {report['escalations']['hardLimits']} reached the hard limit.",
         "No case escalated."),
        ("Topics rising and falling against the period before", _topics_chart(report["topics"]),
         "Cases per topic, the change against the period of the same length before (rising in red).",
         "No case had a topic."),
        ("What customers scored us, 1 to 5", _csat_chart(csat["distribution"]),
         f"{csat['answered']} answers of {csat['asked']} asked; average {_number(csat['average'])}.",
         "No customer has answered yet."),
    ]


def _spread_chart(first: dict):
    spread = first["spread"]
    if not any(bucket["count"] for bucket in spread):
        return None
    sla = first["slaMinutes"]
    edges = [bucket["upToMinutes"] for bucket in spread]
    labels = [f"≤{_duration(edge)}" if edge is not None else f">{_duration(edges[-2])}" for edge in edges]
    late = [edge is None or edge > sla for edge in edges]
    figure, axes = _figure(7.2, 2.6)
    bars = axes.bar(labels, [bucket["count"] for bucket in spread], color=[ORANGE if x else BLUE for x in late])
    axes.bar_label(bars, fontsize=8)
    axes.tick_params(axis="x", labelsize=8)
    axes.axvline(late.index(True) - 0.5, color=GREY, linestyle="--", linewidth=1)
    axes.text(late.index(True) - 0.45, axes.get_ylim()[1] * 0.95, "SLA", color=GREY, va="top")
    axes.set_ylabel("first replies")
    return figure


def _daily_chart(daily: list[dict]):
    if all(day["slaAttainment"] is None for day in daily):
        return None
    figure, axes = _figure(6.4, 2.6)
    positions = range(len(daily))
    shares = [(day["slaAttainment"] or 0) * 100 for day in daily]
    bars = axes.bar(positions, shares, color=[GREEN if share >= 100 else BLUE for share in shares])
    axes.bar_label(bars, labels=[str(day["opened"]) if day["opened"] else "" for day in daily], fontsize=8)
    axes.set_ylim(0, 112)
    axes.set_ylabel("inside the SLA, %")
    step = max(1, len(daily) // 14)  # at most about 14 day labels, whatever the period
    axes.set_xticks(list(positions)[::step], [_day(day["day"]) for day in daily][::step])
    return figure


def _escalation_chart(escalations: dict):
    levels = escalations["byLevel"]
    if not levels:
        return None
    figure, axes = _figure(4.8, 2.2)
    bars = axes.bar([f"level {level}" for level in levels], list(levels.values()), color=ORANGE)
    axes.bar_label(bars, fontsize=8)
    axes.set_ylabel("cases")
    return figure


def _topics_chart(topics: list[dict]):
    if not topics:
        return None
    shown = topics if len(topics) <= MOST_TOPICS else topics[:MOST_TOPICS // 2] + topics[-MOST_TOPICS // 2:]
    shown = shown[::-1]  # matplotlib draws the first bar at the bottom: the fastest rising goes on top
    figure, axes = _figure(6.4, 0.6 + 0.3 * len(shown))
    changes = [trend["change"] for trend in shown]
    bars = axes.barh([trend["topic"] for trend in shown], changes,
                     color=[RED if change > 0 else GREEN if change < 0 else GREY for change in changes])
    axes.bar_label(bars, labels=[f"{t['count']} (was {t['previous']})" for t in shown], fontsize=8, padding=3)
    axes.axvline(0, color=GREY, linewidth=0.8)
    reach = max(abs(change) for change in changes) or 1
    axes.set_xlim(-reach * 1.6, reach * 1.6)  # room for the labels either side
    axes.set_xlabel("change in cases")
    return figure


def _csat_chart(distribution: dict):
    if not any(distribution.values()):
        return None
    figure, axes = _figure(4.8, 2.2)
    bars = axes.bar(list(distribution), list(distribution.values()), color=[RED, ORANGE, GREY, BLUE, GREEN])
    axes.bar_label(bars, fontsize=8)
    axes.set_xlabel("score")
    axes.set_ylabel("answers")
    return figure


def _load_matplotlib():
    """matplotlib on first use, headless. Lambda can write only under /tmp, where its font cache then goes."""
    if "MPLCONFIGDIR" not in os.environ and not os.access(os.path.expanduser("~"), os.W_OK):
        os.environ["MPLCONFIGDIR"] = os.path.join(tempfile.gettempdir(), "matplotlib")
    import matplotlib
    matplotlib.use("Agg")
    return matplotlib


def _figure(width: float, height: float):
    from matplotlib.figure import Figure  # no pyplot: no global figure state between renders
    figure = Figure(figsize=(width, height))
    return figure, figure.add_subplot()


def _svg(figure, title: str) -> str:
    """The chart as inline SVG, named for screen readers. Element ids are matplotlib's own and repeat from chart to
    chart, so those nothing points at are dropped, and the rest are salted with the title."""
    import matplotlib
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": title}):
        figure.savefig(buffer, format="svg", bbox_inches="tight",
                       metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg"):]
    referenced = set(re.findall(r"#([\w.-]+)\)?\"", svg))
    svg = re.sub(r' id="([^"]*)"', lambda m: m.group(0) if m.group(1) in referenced else "", svg)
    label = _e(title)
    return svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1).replace(
        ">", f"><title>{label}</title>", 1)


# -- formatting ----------------------------------------------------------------------------------------------------
def _e(text: str) -> str:
    return html.escape(str(text))


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def _percent(share: float | None) -> str:
    return "-" if share is None else f"{share:.0%}"


def _duration(minutes: float) -> str:
    return f"{minutes:g} min" if minutes < 60 else f"{minutes / 60:g} h"


def _day(day: str) -> str:
    return date.fromisoformat(day).strftime("%a\n%d %b")


def _period_text(period: dict) -> str:
    first, last = (date.fromisoformat(period[key]).strftime("%d %b %Y") for key in ("from", "to"))
    return f"{first} to {last} ({period['days']} days)"

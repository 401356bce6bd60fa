"""Mirrors functions/send_weekly_digest/report_page.py: the page a lead opens from disk or an email shows the three
things to look at, the key figures and a chart per subject, fetches nothing, and escapes every name."""
from __future__ import annotations

import re

from functions.send_weekly_digest.report_page import render
from socialcare.cases.report import summarize
from tests.unit.socialcare.cases.test_report import FACTS, PREVIOUS, fact

PERIOD = {"from": "2026-11-02", "to": "2026-11-08", "days": 7}
CHARTS = 5  # first replies' spread, daily attainment, escalations, topics, customer scores


def page_of(facts: list[dict], previous: list[dict] = ()) -> str:
    return render(summarize(facts, previous, period=PERIOD, sla_minutes=60))


def test_the_page_fetches_nothing_and_runs_no_script():
    page = page_of(FACTS, PREVIOUS)
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.IGNORECASE)
    assert "<script" not in page.lower() and "<link" not in page.lower()


def test_each_chart_is_one_inline_svg_named_for_screen_readers_with_a_caption():
    page = page_of(FACTS, PREVIOUS)
    assert page.count("<svg") == CHARTS and page.count("<figcaption>") == CHARTS
    assert len(re.findall(r'<svg role="img" aria-label="[^"]+"[^>]*><title>', page)) == CHARTS
    assert "<?xml" not in page and "<!DOCTYPE svg" not in page


def test_the_highlights_come_first_then_the_key_figures_worked_out_by_hand():
    page = page_of(FACTS, PREVIOUS)
    look = page.index("Three things to look at")
    assert look < page.index("Key figures") < page.index("<svg")
    # FACTS: priority high met 0 of 2 deadlines, delivery rose from 0 to 3, billing's one score was a 1
    for highlight in ("priority high: 0% of first responses inside the SLA",
                      "topic delivery is rising: 3 cases against 0 before",
                      "team billing: customers scored us 1.0 of 5 on average"):
        assert f"<li>{highlight}</li>" in page
    assert "<dd>10<small>5 closed, 1 dismissed, 4 open</small></dd>" in page
    assert "<dd>67%<small>6 of 9 due; SLA 60 business minutes</small></dd>" in page
    assert "<dd>20 / 40 min<small>" in page and "<dd>4 / 30 h<small>3 resolved</small></dd>" in page
    assert "<dd>3.33 of 5<small>" in page and "<dd>2.5 / 3.5<small>2 reviews answered: 1 raised" in page
    assert page.index("02 Nov 2026 to 08 Nov 2026 (7 days)") < look


def test_the_tables_by_group_put_the_biggest_group_first_and_show_a_missing_figure_as_a_dash():
    page = page_of(FACTS, PREVIOUS)
    platform = page[page.index("<caption>By platform</caption>"):]
    platform = platform[:platform.index("</table>")]
    # x: 6 cases, 2 of 5 decided in time, scores 5 and 4; google: 2, both in time, never asked
    assert platform.index("<td>x</td><td>6</td><td>40%</td><td>4.5</td>") < platform.index(
        "<td>google</td><td>2</td><td>100%</td><td>-</td>")
    for caption in ("By team", "By priority", "By topic", "By outcome"):
        assert f"<caption>{caption}</caption>" in page


def test_a_topic_named_like_markup_is_shown_as_text_in_the_tables_and_the_charts():
    facts = [fact(minutes=5, business=5, sla=True, topic="<script>alert(1)</script>", team="a&b <i>")]
    page = page_of(facts)
    assert "<script" not in page and "<i>" not in page
    assert "<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>" in page and "<td>a&amp;b &lt;i&gt;</td>" in page
    topics_chart = page[page.index('<svg role="img" aria-label="Topics rising'):]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in topics_chart[:topics_chart.index("</svg>")]


def test_a_dollar_in_a_name_is_a_dollar_not_mathematics():
    page = page_of([fact(minutes=5, business=5, sla=True, topic="$5 off $ orders")])
    assert "$5 off $ orders" in page


def test_a_period_without_cases_says_so_instead_of_drawing_empty_charts():
    page = page_of([])
    assert "No cases were opened in this period" in page
    assert "<svg" not in page and "<table" not in page and "02 Nov 2026 to 08 Nov 2026" in page


def test_a_chart_with_nothing_to_draw_is_a_sentence_and_missing_figures_are_dashes():
    # one case, open, not yet due: no first reply, no escalation, no topic, no score
    page = page_of([fact(status="OPEN", outcome=None)])
    assert page.count("<svg") == 0
    for sentence in ("No first reply yet.", "No first reply was due yet.", "No case escalated.",
                     "No case had a topic.", "No customer has answered yet."):
        assert f"<p>{sentence}</p>" in page
    assert "<dd>-<small>0 of 0 due;" in page and "<dd>- / - min<small>" in page and "<dd>- of 5<small>" in page


def test_a_realistic_week_renders_to_a_file_a_lead_can_open(tmp_path):
    facts = [fact(minutes=m, business=m, sla=m <= 60, resolve=m * 20, level=m // 70, platform=platform, topic=topic,
                  team=team, priority="high" if m > 200 else "normal", csat=1 + m % 5 if m % 3 else None,
                  day=f"2026-11-0{2 + m % 7}", stars=(2, 4) if platform == "google" else None)
             for m, (platform, topic, team) in zip(range(5, 400, 7), [("x", "delivery", "deliveries"),
                                                                     ("meta", "app", "support"),
                                                                     ("google", "payments", "billing")] * 60)]
    path = tmp_path / "report.html"
    path.write_text(page_of(facts, [fact(topic="app")] * 9))
    page = path.read_text()
    assert page.count("<svg") == CHARTS and page.startswith("<!doctype html>") and page.endswith("</html>\n")
    assert len(page) < 150_000  # SVG text, not paths for every glyph


def test_importing_the_page_leaves_matplotlib_for_the_first_render():
    import subprocess
    import sys
    code = "import sys, functions.send_weekly_digest.report_page; print('matplotlib' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "False\n"

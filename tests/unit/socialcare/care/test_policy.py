"""Mirrors layers/domain/socialcare/care/policy.py: the policy file, its defaults and its checks."""
import re
from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from socialcare.care.policy import DEFAULT_POLICY_FILE, Policy, PolicyError, load_policy


def write(tmp_path, text: str):
    path = tmp_path / "policy.yaml"
    path.write_text(text)
    return path


def test_the_shipped_file_is_exactly_the_defaults():
    assert load_policy(DEFAULT_POLICY_FILE) == Policy()


def test_an_empty_file_is_the_defaults(tmp_path):
    assert load_policy(write(tmp_path, "")) == Policy()


def test_policy_file_names_the_file_to_read(tmp_path, monkeypatch):
    monkeypatch.setenv("POLICY_FILE", str(write(tmp_path, "routing: {default_team: care}\n")))
    assert load_policy().routing.default_team == "care"


def test_business_hours_make_a_calendar(tmp_path):
    policy = load_policy(write(tmp_path, """
business_hours:
  timezone: Europe/London
  weekly: {mon: ["08:00-12:00", "13:00-18:00"], tue: ["08:00-24:00"], sat: []}
  holidays: ["2026-12-25"]
"""))
    calendar = policy.calendar
    assert calendar.timezone == ZoneInfo("Europe/London")
    assert [(i.start, i.end) for i in calendar.weekly[0]] == [(time(8), time(12)), (time(13), time(18))]
    assert calendar.weekly[1][0].end == time(0) and calendar.weekly[5] == () and calendar.weekly[6] == ()
    assert not calendar.is_open(datetime(2026, 12, 25, 10, tzinfo=ZoneInfo("Europe/London")))  # a Friday, a holiday
    assert calendar.describe() == "Mon 08:00-12:00 and 13:00-18:00, Tue 08:00-24:00 (Europe/London)"


def test_every_problem_is_listed_with_its_place(tmp_path):
    with pytest.raises(PolicyError) as error:
        load_policy(write(tmp_path, """
business_hours:
  timezone: Mars/Olympus
  weekly: {mon: ["18:00-08:00"]}
  holidays: [someday]
guardrails: {canned_similarity: 2}
priority: {first_tier: {urgent: 2}}
routing:
  rules: [{team: deliveries}]
pile_ons: {}
"""))
    message = str(error.value)
    assert "has 7 problem(s)" in message
    for expected in [
        "business_hours.timezone: unknown timezone 'Mars/Olympus'; use an IANA name such as Europe/London",
        "business_hours.weekly: '18:00-08:00' ends before it starts (overnight shifts: split at 24:00)",
        "business_hours.holidays.0: Input should be a valid date",
        "guardrails.canned_similarity: Input should be less than or equal to 1",
        "priority.first_tier: first_tier needs every priority; missing high, low, normal",
        "routing.rules.0: the rule for team 'deliveries' names no keywords, products or locations",
        "pile_ons: not a setting of this section (a typo?)",
    ]:
        assert expected in message


@pytest.mark.parametrize(("weekly", "problem"), [
    ('{funday: ["08:00-18:00"]}', "'funday' is not a weekday"),
    ('{mon: ["8-18"]}', "'8-18' is not an interval like 08:00-12:30"),
    ('{mon: ["08:00-12:00", "11:00-14:00"]}', "mon: the intervals 08:00-12:00, 11:00-14:00 overlap"),
    ('{mon: ["25:00-26:00"]}', "'25:00-26:00' is not a time of day"),
    ('{mon: []}', "weekly lists no opening hours at all"),
])
def test_weekly_hours_are_checked(tmp_path, weekly, problem):
    with pytest.raises(PolicyError, match=problem):
        load_policy(write(tmp_path, f"business_hours:\n  weekly: {weekly}\n"))


def test_unreadable_and_malformed_files_say_so(tmp_path):
    with pytest.raises(PolicyError, match="cannot read the policy file .*missing.yaml"):
        load_policy(tmp_path / "missing.yaml")
    with pytest.raises(PolicyError, match="is not valid YAML"):
        load_policy(write(tmp_path, "routing: [unclosed\n"))
    with pytest.raises(PolicyError, match="must hold a mapping of sections"):
        load_policy(write(tmp_path, "- a list\n"))


def test_the_cli_checks_a_policy_file_and_says_what_is_wrong(tmp_path, capsys):
    from local.cli import main
    paris = write(tmp_path, "business_hours: {timezone: Europe/Paris, weekly: {mon: ['09:00-17:00']}}\n")
    assert main(["policy", str(paris)]) == 0
    assert "business hours: Mon 09:00-17:00 (Europe/Paris)" in capsys.readouterr().out
    assert main(["policy", str(write(tmp_path, "routing: {default_team: ''}\n"))]) == 1
    assert "routing.default_team" in capsys.readouterr().err


def test_flag_reasons_must_be_dismiss_reasons(tmp_path):
    with pytest.raises(PolicyError, match="priority.flag_reasons: rude: not a dismiss reason; one of spam, abusive"):
        load_policy(write(tmp_path, "priority: {flag_reasons: [abusive, rude]}\n"))


def test_trolls_count_towards_the_flag_and_a_flagged_authors_case_climbs_to_level_one_by_default(tmp_path):
    rules = load_policy(write(tmp_path, "")).priority
    assert (rules.flag_reasons, rules.flagged_max_escalation_level) == (["abusive", "baseless", "troll"], 1)
    assert load_policy(write(tmp_path, "priority: {flagged_max_escalation_level: 0}\n")
                       ).priority.flagged_max_escalation_level == 0
    with pytest.raises(PolicyError, match="priority.flagged_max_escalation_level: Input should be greater than or "
                                          "equal to 0"):
        load_policy(write(tmp_path, "priority: {flagged_max_escalation_level: -1}\n"))


def test_linking_accounts_is_on_unless_the_policy_turns_it_off(tmp_path):
    assert Policy().privacy.link_accounts is True
    assert load_policy(write(tmp_path, "privacy: {link_accounts: false}\n")).privacy.link_accounts is False
    with pytest.raises(PolicyError, match="link_accounts"):
        load_policy(write(tmp_path, "privacy: {link_accounts: sometimes}\n"))


def test_the_wall_clock_promise_has_defaults_and_is_checked(tmp_path):
    promise = load_policy(write(tmp_path, "")).promise
    assert (promise.response_hours, promise.warn_hours_before, promise.holding_reply) == (24, 4, True)
    with pytest.raises(PolicyError) as error:
        load_policy(write(tmp_path, "promise: {response_hours: 0, holding_replies: true}"))
    assert "promise.response_hours: Input should be greater than 0" in str(error.value)
    assert "promise.holding_replies: not a setting of this section (a typo?)" in str(error.value)
    with pytest.raises(PolicyError) as error:
        load_policy(write(tmp_path, "promise: {response_hours: 4, warn_hours_before: 4}"))
    assert "warn_hours_before must be shorter than response_hours" in str(error.value)


def test_pile_on_growth_alerts_climb_and_resolving_drafts_by_default(tmp_path):
    pile_on = load_policy(write(tmp_path, "")).pile_on
    assert (pile_on.growth_alerts, pile_on.resolve_follow_ups) == ({1: 3, 2: 10, 3: 25}, "draft")
    assert [pile_on.tier_for(n) for n in (2, 3, 9, 10, 24, 25, 400)] == [0, 1, 1, 2, 2, 3, 3]
    chosen = load_policy(write(tmp_path, "pile_on: {growth_alerts: {1: 3, 3: 7}, resolve_follow_ups: post}\n"))
    assert chosen.pile_on.tier_for(6) == 1 and chosen.pile_on.tier_for(7) == 3
    assert chosen.pile_on.resolve_follow_ups == "post"


@pytest.mark.parametrize(("growth", "problem"), [
    ("{1: 3, 2: 3}", "level 2 needs more authors than level 1 (3 is not more than 3)"),
    ("{1: 10, 2: 5}", "level 2 needs more authors than level 1 (5 is not more than 10)"),
    ("{0: 3}", "level 0 is not an escalation level from 1 to 3 (MaxEscalationLevel)"),
    ("{1: 3, 4: 50}", "level 4 is not an escalation level from 1 to 3 (MaxEscalationLevel)"),
    ("{1: 1}", "level 1: 1 author(s) is no pile-on; at least 2"),
    ("{}", "growth_alerts needs at least one level"),
])
def test_growth_alerts_are_checked_against_the_stacks_ladder(tmp_path, growth, problem):
    with pytest.raises(PolicyError, match=re.escape(f"pile_on.growth_alerts: {problem}")):
        load_policy(write(tmp_path, f"pile_on: {{growth_alerts: {growth}}}\n"), max_escalation_level=3)
    with pytest.raises(PolicyError, match="resolve_follow_ups"):
        load_policy(write(tmp_path, "pile_on: {resolve_follow_ups: always}\n"))


def test_the_process_policy_checks_the_levels_against_max_escalation_level(tmp_path, monkeypatch):
    from socialcare import config
    from socialcare.care import policy as policy_module
    monkeypatch.setenv("POLICY_FILE", str(write(tmp_path, "")))
    monkeypatch.setenv("MAX_ESCALATION_LEVEL", "2")
    config.settings.cache_clear()
    policy_module.policy.cache_clear()
    try:
        with pytest.raises(PolicyError, match="level 3 is not an escalation level from 1 to 2"):
            policy_module.policy()
    finally:
        monkeypatch.undo()
        config.settings.cache_clear()
        policy_module.policy.cache_clear()


def test_the_weekly_digest_is_sent_in_the_shipped_policys_time_zone():
    # template.yaml cannot read the policy file: its DigestTimezone default repeats it, and must change with it
    from local.template import transformed_template
    parameters = transformed_template()["Parameters"]
    assert parameters["DigestTimezone"]["Default"] == load_policy(DEFAULT_POLICY_FILE).business_hours.timezone

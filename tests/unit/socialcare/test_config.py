"""Mirrors layers/domain/socialcare/config.py: clocks come from template minutes, or seconds for local runs."""
import pytest

from socialcare.config import CLOCK_NAMES, load_clocks

HOUR, DAY = 3600, 86400


@pytest.fixture(autouse=True)
def no_clock_settings(monkeypatch):
    """Start every test from an environment without clock settings (the local cloud sets some)."""
    for name in CLOCK_NAMES:
        monkeypatch.delenv(f"{name}_MINUTES", raising=False)
        monkeypatch.delenv(f"{name}_SECONDS", raising=False)
    monkeypatch.delenv("MAX_ESCALATION_LEVEL", raising=False)


def test_without_settings_the_clocks_are_the_documented_defaults():
    clocks = load_clocks()
    assert (clocks.ack_sla, clocks.ack_hard_limit, clocks.dm_wait, clocks.triage_claim, clocks.resolve,
            clocks.follow_up, clocks.max_escalation_level) == (HOUR, DAY, DAY, 30 * 60, 2 * DAY, HOUR, 3)


@pytest.mark.parametrize(("name", "field"), [("ACK_SLA", "ack_sla"), ("ACK_HARD_LIMIT", "ack_hard_limit"),
                                             ("DM_WAIT", "dm_wait"), ("TRIAGE_CLAIM", "triage_claim"),
                                             ("RESOLVE", "resolve"), ("FOLLOW_UP", "follow_up")])
def test_a_clock_in_minutes_is_read_as_seconds(monkeypatch, name, field):
    monkeypatch.setenv("ACK_SLA_MINUTES", "1")  # an SLA below, and a hard limit above, any clock under test
    monkeypatch.setenv("ACK_HARD_LIMIT_MINUTES", "2000")
    monkeypatch.setenv(f"{name}_MINUTES", "45")
    assert getattr(load_clocks(), field) == 45 * 60


@pytest.mark.parametrize(("name", "field"), [("ACK_SLA", "ack_sla"), ("ACK_HARD_LIMIT", "ack_hard_limit"),
                                             ("DM_WAIT", "dm_wait"), ("TRIAGE_CLAIM", "triage_claim"),
                                             ("RESOLVE", "resolve"), ("FOLLOW_UP", "follow_up")])
def test_seconds_override_the_minutes_of_the_same_clock(monkeypatch, name, field):
    # Given the template's minutes and a local override in seconds
    monkeypatch.setenv("ACK_SLA_SECONDS", "3")  # an SLA below, and a hard limit above, any clock under test
    monkeypatch.setenv("ACK_HARD_LIMIT_SECONDS", "30")
    monkeypatch.setenv(f"{name}_MINUTES", "45")
    monkeypatch.setenv(f"{name}_SECONDS", "7")
    # Then the seconds win
    assert getattr(load_clocks(), field) == 7


def test_an_empty_seconds_override_leaves_the_minutes_in_force(monkeypatch):
    monkeypatch.setenv("DM_WAIT_MINUTES", "90")
    monkeypatch.setenv("DM_WAIT_SECONDS", "")
    assert load_clocks().dm_wait == 90 * 60


def test_the_escalation_ladder_height_is_configurable(monkeypatch):
    monkeypatch.setenv("MAX_ESCALATION_LEVEL", "5")
    assert load_clocks().max_escalation_level == 5


@pytest.mark.parametrize(("name", "value", "message"), [
    ("ACK_SLA_MINUTES", "abc", "ACK_SLA_MINUTES must be a whole number, got 'abc'"),
    ("DM_WAIT_SECONDS", "1.5", "DM_WAIT_SECONDS must be a whole number, got '1.5'"),
    ("RESOLVE_MINUTES", "2h", "RESOLVE_MINUTES must be a whole number, got '2h'"),
    ("TRIAGE_CLAIM_MINUTES", "0", "TRIAGE_CLAIM_MINUTES must be at least 1, got 0"),
    ("FOLLOW_UP_SECONDS", "0", "FOLLOW_UP_SECONDS must be at least 1, got 0"),
    ("ACK_HARD_LIMIT_SECONDS", "-5", "ACK_HARD_LIMIT_SECONDS must be at least 1, got -5"),
    ("MAX_ESCALATION_LEVEL", "0", "MAX_ESCALATION_LEVEL must be at least 1, got 0"),
    ("MAX_ESCALATION_LEVEL", "three", "MAX_ESCALATION_LEVEL must be a whole number, got 'three'"),
])
def test_an_invalid_setting_is_refused_with_its_name_and_value(monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError) as refused:
        load_clocks()
    assert str(refused.value) == message


@pytest.mark.parametrize(("sla", "hard_limit"), [("60", "60"), ("60", "30")])
def test_the_acknowledgement_hard_limit_must_be_longer_than_its_sla(monkeypatch, sla, hard_limit):
    monkeypatch.setenv("ACK_SLA_MINUTES", sla)
    monkeypatch.setenv("ACK_HARD_LIMIT_MINUTES", hard_limit)
    with pytest.raises(ValueError, match="hard limit must be longer than the acknowledgement SLA"):
        load_clocks()


def test_the_hard_limit_is_compared_in_seconds_across_units(monkeypatch):
    # Given an SLA of one hour in minutes and a hard limit one second longer, in seconds
    monkeypatch.setenv("ACK_SLA_MINUTES", "60")
    monkeypatch.setenv("ACK_HARD_LIMIT_SECONDS", "3601")
    clocks = load_clocks()
    assert (clocks.ack_sla, clocks.ack_hard_limit) == (3600, 3601)

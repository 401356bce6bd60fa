"""Settings. The only module (besides PynamoDB's Meta) that reads os.environ."""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

# Each clock is a template Parameter in minutes (<NAME>_MINUTES); <NAME>_SECONDS overrides it for local runs.
CLOCK_NAMES = ("ACK_SLA", "ACK_HARD_LIMIT", "DM_WAIT", "TRIAGE_CLAIM", "RESOLVE", "FOLLOW_UP")
CLOCK_DEFAULT_MINUTES = {
    "ACK_SLA": 60,
    "ACK_HARD_LIMIT": 24 * 60,
    "DM_WAIT": 24 * 60,
    "TRIAGE_CLAIM": 30,
    "RESOLVE": 48 * 60,
    "FOLLOW_UP": 60,
}


@dataclass(frozen=True)
class Clocks:
    """Every clock of the lifecycle, in seconds."""

    ack_sla: int
    ack_hard_limit: int
    dm_wait: int
    triage_claim: int
    resolve: int
    follow_up: int
    max_escalation_level: int
    pre_breach_warning: int | None = None  # PRE_BREACH_WARNING_SECONDS (local runs); else the policy's minutes
    promise: int | None = None  # PROMISE_SECONDS (local runs); else the policy's promise.response_hours
    promise_warning: int | None = None  # PROMISE_WARNING_SECONDS (local runs); else promise.warn_hours_before


@dataclass(frozen=True)
class Settings:
    cases_table_name: str
    mentions_table_name: str
    idempotency_table_name: str
    ingest_queue_url: str
    state_machine_arn: str
    agents_topic_arn: str
    triage_topic_arn: str
    escalations_topic_arn: str
    leadership_topic_arn: str  # the weekly digest
    insights_bucket_name: str  # the case facts for Athena (case-facts/) and the weekly digests (digests/)
    outbound_mode: str  # "sandbox" records posts; "live" calls the platforms
    x_brand_user_id: str  # the brand's own X account: its posts and DMs are echoes, never cases
    meta_page_id: str  # the brand's Facebook Page
    instagram_account_id: str  # the brand's Instagram professional account
    x_brand_handle: str  # the brand's X username (without @): recent search looks for it
    x_search_terms: tuple[str, ...]  # hashtags and keywords recent search looks for, besides the handle
    google_review_locations: tuple[str, ...]  # "accounts/{account}/locations/{location}" whose reviews are polled
    poll_lookback_minutes: int  # the first poll of a source takes only what was posted this recently
    clocks: Clocks


def _clock_seconds(name: str) -> int:
    seconds = os.environ.get(f"{name}_SECONDS")
    if seconds:
        return _positive_int(f"{name}_SECONDS", seconds)
    minutes = os.environ.get(f"{name}_MINUTES") or str(CLOCK_DEFAULT_MINUTES[name])
    return _positive_int(f"{name}_MINUTES", minutes) * 60


def _positive_int(name: str, value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, got {value!r}") from None
    if number < 1:
        raise ValueError(f"{name} must be at least 1, got {number}")
    return number


def load_clocks() -> Clocks:
    clocks = Clocks(
        ack_sla=_clock_seconds("ACK_SLA"),
        ack_hard_limit=_clock_seconds("ACK_HARD_LIMIT"),
        dm_wait=_clock_seconds("DM_WAIT"),
        triage_claim=_clock_seconds("TRIAGE_CLAIM"),
        resolve=_clock_seconds("RESOLVE"),
        follow_up=_clock_seconds("FOLLOW_UP"),
        max_escalation_level=_positive_int("MAX_ESCALATION_LEVEL", os.environ.get("MAX_ESCALATION_LEVEL", "3")),
        pre_breach_warning=(int(os.environ["PRE_BREACH_WARNING_SECONDS"])
                            if os.environ.get("PRE_BREACH_WARNING_SECONDS", "").isdigit() else None),
        promise=(_positive_int("PROMISE_SECONDS", os.environ["PROMISE_SECONDS"])
                 if os.environ.get("PROMISE_SECONDS") else None),
        promise_warning=(int(os.environ["PROMISE_WARNING_SECONDS"])
                         if os.environ.get("PROMISE_WARNING_SECONDS", "").isdigit() else None),
    )
    if clocks.ack_hard_limit <= clocks.ack_sla:
        raise ValueError("the acknowledgement hard limit must be longer than the acknowledgement SLA")
    return clocks


@lru_cache
def settings() -> Settings:
    env = os.environ.get
    return Settings(
        cases_table_name=env("CASES_TABLE_NAME", "cases"),
        mentions_table_name=env("MENTIONS_TABLE_NAME", "mentions"),
        idempotency_table_name=env("IDEMPOTENCY_TABLE_NAME", "idempotency"),
        ingest_queue_url=env("INGEST_QUEUE_URL", ""),
        state_machine_arn=env("STATE_MACHINE_ARN", ""),
        agents_topic_arn=env("AGENTS_TOPIC_ARN", ""),
        triage_topic_arn=env("TRIAGE_TOPIC_ARN", ""),
        escalations_topic_arn=env("ESCALATIONS_TOPIC_ARN", ""),
        leadership_topic_arn=env("LEADERSHIP_TOPIC_ARN", ""),
        insights_bucket_name=env("INSIGHTS_BUCKET_NAME", ""),
        outbound_mode=env("OUTBOUND_MODE", "sandbox"),
        x_brand_user_id=env("X_BRAND_USER_ID", ""),
        meta_page_id=env("META_PAGE_ID", ""),
        instagram_account_id=env("INSTAGRAM_ACCOUNT_ID", ""),
        x_brand_handle=env("X_BRAND_HANDLE", "").strip().lstrip("@"),
        x_search_terms=_list(env("X_SEARCH_TERMS", "")),
        google_review_locations=_list(env("GOOGLE_REVIEW_LOCATIONS", "")),
        poll_lookback_minutes=_positive_int("POLL_LOOKBACK_MINUTES", env("POLL_LOOKBACK_MINUTES", "60")),
        clocks=load_clocks(),
    )


def _list(value: str) -> tuple[str, ...]:
    """A comma-separated setting (a template Parameter of type CommaDelimitedList arrives joined by commas)."""
    return tuple(item.strip() for item in value.split(",") if item.strip())


def local_secret(env_name: str) -> str | None:
    """A secret given directly in the environment (local runs); deployed stacks use Secrets Manager."""
    return os.environ.get(env_name) or None


def deployed_secret_id(variable: str) -> str | None:
    """The Secrets Manager secret that a deployed stack names in `variable` (set by the template)."""
    return os.environ.get(variable) or None

"""Mirrors layers/domain/socialcare/cases/guarding.py: which replies a case's reply is compared with, and echoes as
the policy file sets them."""
import pytest

from socialcare.cases import guarding
from socialcare.errors import ReplyRejectedError
from socialcare.care.policy import Echoes, Guardrails, Policy
from socialcare.storage.records import CaseRecord

OURS = "Sam, we're so sorry the kettle arrived with a cracked lid. A new one is on its way today."


class Replies:
    """Our recent replies, as RecentRepliesRepository returns them (and the ones added, as it keeps them)."""

    def __init__(self, *texts: str):
        self.texts, self.asked, self.added = list(texts), [], []

    def since(self, since: str, not_to: str) -> list[str]:
        self.asked.append(not_to)
        return self.texts

    def add(self, posted_at: str, case_id: str, kind: str, author_key: str, text: str) -> None:
        self.added.append((case_id, kind, author_key, text))


def case(text: str = "", author: str = "x#42", surface: str | None = None, platform: str = "x") -> CaseRecord:
    return CaseRecord(f"{platform}-1", "CASE", platform=platform, author_key=author, summary_text=text, surface=surface)


def test_an_echo_names_the_reply_it_repeats(monkeypatch):
    monkeypatch.setattr(guarding, "policy", lambda: Policy())
    assert guarding.echo_of_our_reply(case(f"@AcmeSupport {OURS}"), Replies(OURS)) == OURS
    assert guarding.echo_of_our_reply(case("my kettle lid cracked, help"), Replies(OURS)) == ""


@pytest.mark.parametrize("echoes, expected", [(Echoes(dismiss=False), ""), (Echoes(similarity=1.0), ""),
                                              (Echoes(similarity=0.5), OURS)])
def test_the_policy_turns_echo_dismissal_off_or_sets_how_alike(monkeypatch, echoes, expected):
    monkeypatch.setattr(guarding, "policy", lambda: Policy(echoes=echoes))
    assert guarding.echo_of_our_reply(case(f"lol {OURS}"), Replies(OURS)) == expected


def test_a_reply_is_compared_only_with_replies_to_other_customers(monkeypatch):
    monkeypatch.setattr(guarding, "policy", lambda: Policy())
    replies = Replies(OURS)
    with pytest.raises(ReplyRejectedError) as refused:
        guarding.check_reply(case(author="x#7"), OURS.replace("Sam", "Jo"), replies=replies)
    assert replies.asked == ["x#7"] and refused.value.rejections[0].rule == "canned reply"


def test_automatic_notices_are_not_checked_for_being_canned_but_for_length(monkeypatch):
    monkeypatch.setattr(guarding, "policy", lambda: Policy(guardrails=Guardrails(length_limits={"x": 20})))
    replies = Replies(OURS)
    with pytest.raises(ReplyRejectedError) as refused:
        guarding.check_reply(case(), OURS, automatic=True, replies=replies)
    assert replies.asked == [] and [r.rule for r in refused.value.rejections] == ["too long"]


# -- private cases -----------------------------------------------------------------------------------------------
ASKS_FOR_DETAILS = "Sorry, Ann! Could you share your email address and order number?"


def rules_broken(a_case: CaseRecord, text: str, **how) -> list[str]:
    try:
        guarding.check_reply(a_case, text, replies=Replies(), **how)
    except ReplyRejectedError as refused:
        return [r.rule for r in refused.rejections]
    return []


def test_a_private_reply_may_ask_for_details_that_a_public_reply_on_the_same_case_may_not(monkeypatch):
    monkeypatch.setattr(guarding, "policy", lambda: Policy())
    messenger = case(author="meta#6001", surface="messenger", platform="meta")
    assert rules_broken(messenger, ASKS_FOR_DETAILS, private=True) == []
    assert rules_broken(messenger, ASKS_FOR_DETAILS) == ["personal data in public"]


@pytest.mark.parametrize("platform, surface, length, private_ok, public_ok", [
    ("meta", "instagram", 1500, False, True),  # an Instagram DM takes 1,000 characters, a comment 2,200
    ("meta", "messenger", 2001, False, True),  # Messenger takes 2,000; a public reply has no messenger surface
    ("x", None, 5000, True, False),  # an X DM takes 10,000 characters, a post 280 (no surface: the platform's)
])
def test_a_private_reply_is_held_to_the_conversations_length(monkeypatch, platform, surface, length, private_ok,
                                                             public_ok):
    monkeypatch.setattr(guarding, "policy", lambda: Policy())
    a_case, text = case(author=f"{platform}#1", surface=surface, platform=platform), "Sorry about that. " * 600
    assert (rules_broken(a_case, text[:length], private=True) == []) is private_ok
    assert (rules_broken(a_case, text[:length]) == []) is public_ok


def test_a_private_reply_is_still_checked_for_being_canned_against_replies_to_others(monkeypatch):
    monkeypatch.setattr(guarding, "policy", lambda: Policy())
    replies = Replies(OURS)
    with pytest.raises(ReplyRejectedError) as refused:
        guarding.check_reply(case(author="x#7"), OURS.replace("Sam", "Jo"), private=True, replies=replies)
    assert replies.asked == ["x#7"] and [r.rule for r in refused.value.rejections] == ["canned reply"]


def test_a_private_reply_is_remembered_without_the_customers_details_and_a_public_one_as_posted():
    # Given an agent's private answer naming the customer's email and order number
    text = "Thanks Ann, the refund for order A1234 went to ann@example.com today."
    replies = Replies()
    # When it is remembered for the canned check, privately and (another case) publicly
    guarding.remember_reply(case(author="meta#6001", platform="meta"), "answer", text, private=True, replies=replies)
    guarding.remember_reply(case(author="x#42"), "answer", "Thanks Sam, the refund went out today.", replies=replies)
    # Then the private one is kept with its details masked; the public one word for word
    assert replies.added == [("meta-1", "answer", "meta#6001", "Thanks Ann, the refund for order … went to … today."),
                             ("x-1", "answer", "x#42", "Thanks Sam, the refund went out today.")]

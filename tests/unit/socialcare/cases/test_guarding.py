"""Mirrors layers/domain/socialcare/cases/guarding.py: which replies a case's reply is compared with, and echoes as
the policy file sets them."""
import pytest

from socialcare.cases import guarding
from socialcare.errors import ReplyRejectedError
from socialcare.policy import Echoes, Guardrails, Policy
from socialcare.storage.records import CaseRecord

OURS = "Sam, we're so sorry the kettle arrived with a cracked lid. A new one is on its way today."


class Replies:
    """Our recent public replies, as RecentRepliesRepository returns them."""

    def __init__(self, *texts: str):
        self.texts, self.asked = list(texts), []

    def since(self, since: str, not_to: str) -> list[str]:
        self.asked.append(not_to)
        return self.texts


def case(text: str = "", author: str = "x#42", surface: str | None = None) -> CaseRecord:
    return CaseRecord("x-1", "CASE", platform="x", author_key=author, summary_text=text, surface=surface)


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

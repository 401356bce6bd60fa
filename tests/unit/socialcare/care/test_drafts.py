"""Mirrors layers/domain/socialcare/care/drafts.py: drafts name the problem in the customer's words and pass the
guardrails."""
from datetime import UTC, datetime

import pytest

from socialcare.care.assessment import assess
from socialcare.care.drafts import acknowledgement, holding_reply, holding_statement, incident_follow_ups
from socialcare.care.guardrails import check_private_reply, check_public_reply, invites_private_message
from socialcare.models import Author, Mention
from socialcare.care.policy import Policy

POLICY = Policy()


def draft(text: str, name: str = "Dana Whitfield", kind: str = "reply") -> str:
    m = Mention("x", "1", kind, text, Author("1", "@dana", name, 100), "2026-11-22T09:00:00+00:00")
    return acknowledgement(m, assess(m, [], POLICY, datetime.now(UTC)))


def test_a_complaint_draft_apologises_names_the_problem_and_invites_a_dm_with_a_choice():
    text = draft('@AcmeSupport three weeks and my parcel is still "in transit". Order was for my mum\'s birthday.')
    assert text.startswith('Hi Dana, we\'re so sorry: three weeks and your parcel is still "in transit".')
    assert "send us a DM" in text and "by email or by phone" in text


def test_the_problem_is_the_clause_with_the_complaint_without_handles_links_or_hashtags():
    text = draft("Ordered on Monday. @brand the app logs me out every five minutes #fail https://t.co/abc")
    assert "we're so sorry: the app logs you out every five minutes." in text


def test_a_question_gets_an_answer_to_finish_and_praise_is_thanked_in_their_words_without_a_dm():
    assert draft("@brand do you open on Sundays?") == "Hi Dana, thanks for asking! "
    assert draft("Love the new store layout @brand!") == (
        'Hi Dana, thank you so much! "Love the new store layout" made our day, and we\'ll pass it on to the team.')
    assert "DM" not in draft("@brand great service today, thanks!")


def test_something_neither_a_complaint_nor_a_question_nor_praise_is_thanked_and_invited():
    assert draft("@brand just picked up my order").startswith("Hi Dana, thanks for getting in touch: just picked up "
                                                            "your order. Could you send us a DM?")


def test_no_name_no_handle_in_the_greeting():
    assert draft("my order is wrong", name="").startswith("Hi, we're so sorry: your order is wrong.")
    assert draft("my order is wrong", name="@@bot_99").startswith("Hi, ")


@pytest.mark.parametrize("text", [
    "@AcmeSupport three weeks and my parcel is still in transit",
    "I was charged twice and nobody answers. Fraud.",
    "the app logs me out " * 30,
    "Love it",
])
def test_drafts_pass_the_guardrails_on_x(text):
    assert check_public_reply(draft(text), "x", [], POLICY.guardrails) == []


def test_a_holding_statement_names_the_topic():
    assert holding_statement("delivery", POLICY.pile_on.holding_statement).startswith(
        "We know some of you are having trouble with delivery right now.")


def holding(text: str, name: str = "Dana Whitfield") -> str:
    m = Mention("x", "1", "reply", text, Author("1", "@dana", name, 100), "2026-11-22T09:00:00+00:00")
    return holding_reply(m, assess(m, [], POLICY, datetime.now(UTC)))


def test_a_holding_reply_is_honest_about_the_wait_in_the_customers_words_and_passes_the_guardrails():
    text = holding("@AcmeSupport three weeks and my parcel is still in transit. Order was for my mum's birthday.")
    assert text.startswith('Hi Dana, we\'re sorry we haven\'t got back to you yet about "three weeks and your parcel '
                           'is still in transit".')
    assert "someone from the team will answer you here" in text
    assert check_public_reply(text, "x", [], POLICY.guardrails) == []
    # never one fixed line: another customer's problem makes another reply
    assert holding("the app logs me out every five minutes", name="Sam Lee") != text
    assert holding("my order is wrong", name="").startswith(
        'Hi, we\'re sorry we haven\'t got back to you yet about "your order is wrong".')


# -- a DM (a private case) ---------------------------------------------------------------------------------------
COMPLAINT = "three weeks and my parcel is still in transit. Nobody answers my emails."


def test_a_complaint_by_dm_asks_for_the_order_or_account_number_and_how_to_reach_them_never_for_a_dm():
    # Given a complaint the customer sent us as a DM
    text = draft(COMPLAINT, kind="dm")
    # Then the draft apologises in their words and asks at once for what the team needs, in the conversation
    assert text.startswith("Hi Dana, we're so sorry: three weeks and your parcel is still in transit.")
    assert "your order or account number" in text and "by email or by phone" in text
    assert not invites_private_message(text) and "DM" not in text
    assert check_private_reply(text, "x", [], POLICY.guardrails) == []


def test_the_same_complaint_in_public_still_invites_a_dm_and_asks_for_no_details():
    text = draft(COMPLAINT)
    assert invites_private_message(text) and "order or account number" not in text
    assert check_public_reply(text, "x", [], POLICY.guardrails) == []


def test_something_else_by_dm_is_thanked_and_asked_for_the_details_not_invited_to_a_dm():
    text = draft("just picked up my order", kind="dm")
    assert text.startswith("Hi Dana, thanks for getting in touch: just picked up your order. Could you tell us your "
                           "order or account number")
    assert not invites_private_message(text)


def test_an_incident_follow_up_names_the_customer_the_topic_their_words_and_the_outcome():
    personal, plain = incident_follow_ups("Dana Whitfield", "payments", "refunds for every double charge went out "
                                          "this morning.", "@brand I was charged twice at checkout! Refund?",
                                          POLICY.pile_on.topics["payments"])
    assert personal == ('Hi Dana, an update on the trouble with payments you told us about ("you were charged twice '
                        'at checkout"): refunds for every double charge went out this morning. Thanks for bearing '
                        'with us, and sorry again.')
    assert plain == ("Hi Dana, an update on the trouble with payments you told us about: refunds for every double "
                     "charge went out this morning. Thanks for bearing with us, and sorry again.")
    for text in (personal, plain):
        assert check_public_reply(text, "x", [], POLICY.guardrails) == []


def test_an_incident_follow_up_without_a_name_or_their_words_is_the_plain_one():
    assert incident_follow_ups("@dana_w", "app", "fixed!") == [
        "Hi, an update on the trouble with app you told us about: fixed. Thanks for bearing with us, and sorry again."]

"""Mirrors layers/domain/socialcare/care/guardrails.py: a table of realistic replies, good and bad, in public and in
private."""
import pytest

from socialcare.care.guardrails import check_private_reply, check_public_reply, without_personal_details
from socialcare.care.policy import Guardrails

RULES = Guardrails()
RECENT = [
    "Hi Sam, so sorry your kettle arrived with a cracked lid. We'd like to put this right: send us a DM and tell us "
    "whether email or phone suits you best.",
]


def broken(text: str, surface: str = "x", recent=(), rules: Guardrails = RULES) -> list[tuple[str, str]]:
    return [(r.rule, r.words) for r in check_public_reply(text, surface, recent, rules)]


@pytest.mark.parametrize("reply", [
    "Dana, so sorry your parcel is three weeks late, that's not OK. Could you send us a DM so we can look into it? "
    "Let us know there whether email or phone works best for you.",
    "Sorry to hear the app keeps logging you out after the update. Please DM us your order number and we'll sort it.",
    "Thanks for flagging the broken link on our returns page, Jo. It's fixed now!",
    "We've refunded the double charge, Priya. It should reach your card in 3-5 working days. Sorry again.",
    "Hi Alex, our stores open at 9am on Sundays. See you then!",
    "That's not the experience we want you to have. Can you message us privately with the details?",
])
def test_good_replies_pass(reply):
    assert broken(reply, recent=RECENT) == []


@pytest.mark.parametrize(("reply", "rule", "words"), [
    ("Sorry Dana! What's your email address? We'll get back to you.", "personal data in public",
     "What's your email address"),
    ("Hi, please reply with your order number and postcode so we can check.", "personal data in public",
     "reply with your order number"),
    ("Can we have your phone number? A colleague will ring you today.", "personal data in public",
     "Can we have your phone number"),
    ("Please share your account number and we'll take a look.", "personal data in public",
     "share your account number"),
    ("So sorry about this. Please call our customer service team on weekdays.", "phone redirect",
     "call our customer service team on weekdays"),
    ("Sorry for the wait! Our support line is open 24/7.", "phone redirect", "support line"),
    ("Sorry! Ring 0800 123 4567 and we'll fix it.", "phone redirect", "0800 123 4567"),
])
def test_bad_replies_name_the_rule_and_the_words(reply, rule, words):
    assert (rule, words) in broken(reply)


def test_a_reply_asking_privately_for_the_membership_number_passes_but_in_public_it_does_not():
    rules = Guardrails(extra_personal_data_words=["membership number"])
    assert broken("Please DM us your membership number.", rules=rules) == []
    assert broken("Please tell us your membership number.", rules=rules) == [
        ("personal data in public", "tell us your membership number")]


def test_a_near_copy_of_a_reply_to_someone_else_is_canned():
    copy = ("Hi Jo, so sorry your kettle arrived with a cracked lid. We'd like to put this right: send us a DM and "
            "tell us whether email or phone suits you best.")
    [(rule, words)] = broken(copy, recent=RECENT)
    assert rule == "canned reply" and words.startswith("Hi Sam, so sorry your kettle")


def test_the_canned_check_can_be_turned_off():
    copy = RECENT[0].replace("Sam", "Jo")
    assert broken(copy, recent=RECENT, rules=Guardrails(canned_window_days=0)) == []


@pytest.mark.parametrize(("surface", "length", "ok"), [("x", 280, True), ("x", 281, False),
                                                      ("instagram", 2200, True), ("instagram", 2201, False),
                                                      ("google", 4097, False)])
def test_replies_stay_within_the_platforms_length(surface, length, ok):
    text = ("Sorry about the wait. " * 200)[:length]
    assert (broken(text, surface) == []) is ok
    if not ok:
        assert broken(text, surface) == [("too long", f"{length} characters")]


def test_every_broken_rule_is_reported():
    reply = "What's your email? Or call our helpline on +44 20 7946 0958."
    assert [rule for rule, _ in broken(reply)] == ["personal data in public", "phone redirect", "phone redirect"]


def test_an_echo_is_our_reply_repeated_not_a_customer_in_their_own_words():
    from socialcare.care.guardrails import echoes
    ours = RECENT[0]
    assert echoes(f"@AcmeSupport {ours}", RECENT, 0.9) == ours
    assert echoes(f"lol {ours}", RECENT, 0.9) == ours
    assert echoes("Hi, my kettle arrived with a cracked lid, can you help?", RECENT, 0.9) == ""


@pytest.mark.parametrize("reply, invites", [
    ("Could you DM us so we can sort it?", True), ("Please send us a direct message.", True),
    ("Message us and we'll help.", True), ("We're looking into it right away.", False),
    ("Check your inbox for the confirmation email.", False),
])
def test_a_reply_that_already_invites_a_private_message(reply, invites):
    from socialcare.care.guardrails import invites_private_message
    assert invites_private_message(reply) is invites


# -- private replies (a private case: the customer wrote to us privately first) -------------------------------------
def broken_privately(text: str, surface: str = "messenger", recent=(), rules: Guardrails = RULES) -> list[tuple]:
    return [(r.rule, r.words) for r in check_private_reply(text, surface, recent, rules)]


def test_a_private_reply_may_ask_for_the_details_a_public_one_must_not():
    # Given a reply asking for an email address and an order number
    reply = "Could you share your email address and order number?"
    # When it is checked as a private reply, and as a public one
    # Then the private conversation may ask for them; the customer's public thread may not
    assert broken_privately(reply) == []
    assert [rule for rule, _ in broken(reply, "messenger")] == ["personal data in public"]


@pytest.mark.parametrize(("reply", "words"), [
    ("So sorry about this. Please call our customer service line on weekdays.",
     "call our customer service line on weekdays"),
    ("Sorry! Ring 0800 123 4567 and we'll fix it.", "0800 123 4567"),
])
def test_a_private_reply_still_may_not_send_the_customer_to_a_phone_line(reply, words):
    assert ("phone redirect", words) in broken_privately(reply)


def test_a_private_reply_that_is_a_near_copy_of_a_reply_to_someone_else_is_canned():
    copy = RECENT[0].replace("Sam", "Jo")
    [(rule, words)] = broken_privately(copy, recent=RECENT)
    assert rule == "canned reply" and words.startswith("Hi Sam, so sorry your kettle")


@pytest.mark.parametrize(("surface", "limit"), [("messenger", 2000), ("instagram", 1000), ("x", 10_000)])
def test_a_private_reply_stays_within_the_conversations_length_not_the_public_posts(surface, limit):
    # Given replies at and one past the private limit of the surface (Instagram DMs are shorter than its comments,
    # X DMs far longer than its posts)
    at_limit, too_long = ("Sorry about the wait. " * 500)[:limit], ("Sorry about the wait. " * 500)[:limit + 1]
    # Then the one at the limit goes, and the one past it is refused naming its length
    assert broken_privately(at_limit, surface) == []
    assert broken_privately(too_long, surface) == [("too long", f"{limit + 1} characters")]


def test_a_private_reply_is_remembered_without_its_email_order_or_phone_number_but_with_its_other_words():
    reply = "Thanks Ann, we emailed ann@example.com about order A1234; call 0800 123 4567 if easier."
    assert without_personal_details(reply) == "Thanks Ann, we emailed … about order … call … … … if easier."
    assert without_personal_details("Glad we could help, Ann!") == "Glad we could help, Ann!"

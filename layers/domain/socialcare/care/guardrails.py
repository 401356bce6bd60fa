"""Reply guardrails: what a public reply must never do, checked before it posts (agents' text and automatic notices).

- ask for personal data in public (email, phone, address, order or account numbers): invite a private message
  instead, where the customer chooses how to be reached;
- push the customer to a phone line ("call our customer service", a phone number);
- be canned: a near-copy of a reply recently sent to someone else;
- be longer than the platform takes.

A private reply (to a customer who wrote to us privately: a private case) may ask for personal data, since that is
where contact details belong; it must still not push a phone line, be canned, or be longer than the conversation
takes. A rejection names the rule and the words.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher

from socialcare.care.policy import Guardrails

PERSONAL_DATA = [
    "email address", "e-mail address", "email", "e-mail", "phone number", "mobile number", "telephone number",
    "number to call", "contact number", "phone", "address", "postcode", "post code", "zip code", "order number",
    "order no", "order id", "order #", "account number", "account no", "account id", "card number", "date of birth",
    "password", "booking reference", "reference number", "tracking number",
]
# Asking words, before the data they ask for ("share your email", "what's your order number", "reply with ...")
_ASKING = (r"(?:share|send|give|post|provide|tell|reply with|comment with|include|drop|leave|need|have|let us know|"
           r"what(?:'s| is)|can (?:we|i) (?:get|have)|could (?:we|i) (?:get|have)|confirm)")
# a reply that asks the customer to write privately ("send us a DM", "message us")...
_PRIVATE_MESSAGE_WORDS = "dm|dms|direct message|private message|pm|message us"
_INVITES_PRIVATE_MESSAGE = re.compile(rf"\b(?:{_PRIVATE_MESSAGE_WORDS})\b", re.IGNORECASE)
# ...and a sentence that sends the personal data it names to a private channel
_PRIVATELY = re.compile(rf"\b(?:{_PRIVATE_MESSAGE_WORDS}|privately|inbox)\b", re.IGNORECASE)
_PHONE_REDIRECT = re.compile(
    r"\b(?:call|ring|phone|dial)\s+(?:us|our|the|customer|support|care|a member|the team|\d)[^.!?\n]*"
    r"|\b(?:customer service|support|care|help)\s*(?:line|hotline|number)\b",
    re.IGNORECASE)
_PHONE_NUMBER = re.compile(r"(?<![\w/])\+?\d[\d\s().-]{7,}\d(?!\w)")
_SENTENCES = re.compile(r"[^.!?\n]+[.!?\n]?")
_WORDS = re.compile(r"[a-z0-9']+")
_DETAIL_WORDS = re.compile(r"\S*[\d@]\S*")


@dataclass(frozen=True)
class Rejection:
    """Why a reply may not be posted: the rule, and the words that broke it."""

    rule: str
    words: str
    explanation: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.explanation} ({self.words!r})"


def check_public_reply(text: str, surface: str, recent_replies: Iterable[str], rules: Guardrails) -> list[Rejection]:
    """Every rule the reply breaks (empty: it may be posted). `recent_replies` are replies the brand sent to other
    customers within the canned window."""
    return [*_personal_data_requests(text, rules),
            *_checks_of_every_reply(text, surface, rules.length_limits, recent_replies, rules)]


def check_private_reply(text: str, surface: str, recent_replies: Iterable[str], rules: Guardrails) -> list[Rejection]:
    """The rules of a private reply: personal data may be asked for; the rest holds."""
    return _checks_of_every_reply(text, surface, rules.private_length_limits, recent_replies, rules)


def without_personal_details(text: str) -> str:
    """A private reply as kept for the canned check: any word with a digit or an @ (an order number, an email
    address, a phone number) masked. The words that make a reply canned are the others."""
    return _DETAIL_WORDS.sub("…", text)


def _checks_of_every_reply(text: str, surface: str, limits: dict[str, int], recent_replies: Iterable[str],
                           rules: Guardrails) -> list[Rejection]:
    rejections = _phone_redirects(text)
    limit = limits.get(surface)
    if limit is not None and len(text) > limit:
        rejections.append(Rejection("too long", f"{len(text)} characters",
                                    f"{surface} takes at most {limit} characters in a reply"))
    canned = _most_similar(text, recent_replies) if rules.canned_window_days else None
    if canned is not None and canned[0] >= rules.canned_similarity:
        rejections.append(Rejection(
            "canned reply", canned[1][:80],
            f"{canned[0]:.0%} the same as a reply recently sent to someone else; write to this customer's problem"))
    return rejections


def invites_private_message(text: str) -> bool:
    """Whether a reply already asks the customer to write to us privately."""
    return bool(_INVITES_PRIVATE_MESSAGE.search(text))


def echoes(text: str, our_replies: Iterable[str], similarity: float) -> str:
    """The brand's own reply that `text` only repeats (a copy, a quote that adds a word or two), else ""."""
    similar = _most_similar(text, our_replies)
    return similar[1] if similar is not None and similar[0] >= similarity else ""


def _personal_data_requests(text: str, rules: Guardrails) -> list[Rejection]:
    words = sorted({*PERSONAL_DATA, *(w.lower() for w in rules.extra_personal_data_words)}, key=len, reverse=True)
    data = "|".join(re.escape(w) for w in words)
    asking = re.compile(rf"\b{_ASKING}\b[^.!?\n]{{0,40}}?\b(?:your|ur|the|an?)\s+(?:{data})(?!\w)", re.IGNORECASE)
    found = []
    for sentence in _SENTENCES.findall(text):
        match = asking.search(sentence)
        if match and not _PRIVATELY.search(sentence):
            found.append(Rejection("personal data in public", match.group(0).strip(),
                                   "never ask for contact or account details in public; invite a private "
                                   "message where the customer chooses how to be reached"))
    return found


def _phone_redirects(text: str) -> list[Rejection]:
    found = [Rejection("phone redirect", match.group(0).strip(),
                       "do not send the customer to a phone line; offer a private message and let them choose")
             for match in _PHONE_REDIRECT.finditer(text)]
    found += [Rejection("phone redirect", match.group(0).strip(), "no phone numbers in a reply")
              for match in _PHONE_NUMBER.finditer(text)]
    return found


def _most_similar(text: str, others: Iterable[str]) -> tuple[float, str] | None:
    """The most similar earlier reply, by the longest matching word runs (difflib): a template with the name or the
    order number changed still matches in all its other words."""
    mine = _words(text)
    if not mine:
        return None
    best = None
    for other in others:
        theirs = _words(other)
        if not theirs:
            continue
        score = SequenceMatcher(None, mine, theirs, autojunk=False).ratio()
        if best is None or score > best[0]:
            best = (score, other)
    return best


def _words(text: str) -> list[str]:
    return _WORDS.findall(text.lower())

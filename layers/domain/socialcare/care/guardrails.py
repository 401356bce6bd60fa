"""Reply guardrails: what a reply must never do, checked before it goes (agents' text and automatic notices).

A public reply must not
- ask for personal data in public (email, phone, address, order or account numbers...): invite a private message
  instead, where the customer chooses how to be reached;
- push the customer to a phone line ("give us a call", a phone number);
- send them off to another channel ("email us at...", "fill in the form on our website", "message us on Facebook");
- sound dismissive, defensive, blaming or sarcastic ("calm down", "as we already told you", "per our policy",
  "you should have...", laughing at a complaint, a reply of only emoji to a complaint);
- be canned: a near-copy of a reply recently sent to someone else;
- be longer than the platform takes.

A private reply (to a customer who wrote to us privately: a private case) may ask for personal data, since that is
where contact details belong, and is already in the channel it should be; the rest holds. The phrases are in
reply_phrases.py (measured on a labelled corpus: tests/corpus); a company adds its own words in the care policy. A
rejection names the rule and the words.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher

from functools import lru_cache
from types import SimpleNamespace

from socialcare.care.policy import Guardrails
from socialcare.care.tone_model import tone_model

_FLAGS = re.IGNORECASE
_INVITES_PRIVATE_MESSAGE = re.compile(r"\b(?:dm|dms|direct message|private message|pm|message us)\b", _FLAGS)
# A sentence ends at ! or ?, at a line break, or at a full stop before a capital ("order no. please" goes on)
_SENTENCE_BREAK = re.compile(r"(?<=[!?])\s+|(?<=\.)\s+(?=[A-Z\"'(\d])|\n+")
_LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)
_DETAIL_WORDS = re.compile(r"\S*[\d@]\S*")
_WORDS = re.compile(r"[a-z0-9']+")


@lru_cache
def patterns() -> SimpleNamespace:
    """The rules' phrases as regular expressions, compiled once per process (about a tenth of a step's cold start:
    the lists are long). A function that checks replies calls this at its cold start; the steps that never check one
    (enter, notify, escalate, close: they compare a mention with our replies at most) never compile them."""
    from socialcare.care import reply_phrases as phrases
    return SimpleNamespace(
        asking=re.compile(rf"\b(?:{phrases.ASKING})\b", _FLAGS),
        not_a_request=re.compile(phrases.NOT_A_REQUEST_BEFORE, _FLAGS),
        asking_for_it=re.compile(phrases.ASKING_FOR_IT, _FLAGS),
        in_public=re.compile(phrases.IN_PUBLIC, _FLAGS),
        privately=re.compile(phrases.PRIVATELY, _FLAGS),
        phone_redirect=re.compile("|".join(phrases.PHONE_REDIRECT), _FLAGS),
        phone_not_a_redirect=re.compile(phrases.PHONE_NOT_A_REDIRECT_BEFORE, _FLAGS),
        phone_number=re.compile(r"(?<![\w/])\+?\d[\d\s().-]{7,}\d(?!\w)"),
        channel_redirect=re.compile("|".join(phrases.CHANNEL_REDIRECT), _FLAGS),
        tone=re.compile("|".join(phrases.TONE), _FLAGS),
        laughing=re.compile("|".join(phrases.LAUGHING), _FLAGS),
        personal_data=[rf"\b(?:{d})(?![a-z])" for d in phrases.PERSONAL_DATA],
    )


ASKING_WINDOW = 60  # characters between the asking word and the data it asks for


@dataclass(frozen=True)
class Rejection:
    """Why a reply may not be posted: the rule, and the words that broke it."""

    rule: str
    words: str
    explanation: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.explanation} ({self.words!r})"


def check_public_reply(text: str, surface: str, recent_replies: Iterable[str], rules: Guardrails,
                       to_praise: bool = False) -> list[Rejection]:
    """Every rule the reply breaks (empty: it may be posted). `recent_replies` are replies the brand sent to other
    customers within the canned window; `to_praise`: the customer praised us (a reply of emoji is fine then)."""
    return [*_personal_data_requests(text, rules), *_channel_redirects(text, rules),
            *_checks_of_every_reply(text, surface, rules.length_limits, recent_replies, rules, to_praise)]


def check_private_reply(text: str, surface: str, recent_replies: Iterable[str], rules: Guardrails,
                        to_praise: bool = False) -> list[Rejection]:
    """The rules of a private reply: personal data may be asked for, and it is the channel; the rest holds."""
    return _checks_of_every_reply(text, surface, rules.private_length_limits, recent_replies, rules, to_praise)


def without_personal_details(text: str) -> str:
    """A private reply as kept for the canned check: any word with a digit or an @ (an order number, an email
    address, a phone number) masked. The words that make a reply canned are the others."""
    return _DETAIL_WORDS.sub("…", text)


def _checks_of_every_reply(text: str, surface: str, limits: dict[str, int], recent_replies: Iterable[str],
                           rules: Guardrails, to_praise: bool) -> list[Rejection]:
    rejections = [*_phone_redirects(text), *_tone(text, rules, to_praise)]
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


def _sentences(text: str) -> list[str]:
    return [sentence for sentence in _SENTENCE_BREAK.split(text) if sentence.strip()]


def _extra(words: list[str]) -> str:
    """A company's own words (policy), as whole words or phrases."""
    return "|".join(rf"\b{re.escape(word.strip())}\b" for word in words if word.strip())


def _personal_data_requests(text: str, rules: Guardrails) -> list[Rejection]:
    """A sentence that asks for personal data, unless it asks for it privately only ("DM us your order number")."""
    p = patterns()
    data = re.compile("|".join([*p.personal_data, *filter(None, [_extra(rules.extra_personal_data_words)])]), _FLAGS)
    found, named_before = [], False
    for sentence in _sentences(text):
        in_public = bool(p.in_public.search(sentence))
        if in_public or not p.privately.search(sentence):
            for asking in p.asking.finditer(sentence):
                if p.not_a_request.search(sentence[max(0, asking.start() - 16):asking.start()]):
                    continue  # "never share your card number", "we'll confirm your order number", "your comment"
                asked = data.search(sentence, asking.start(), asking.end() + ASKING_WINDOW)
                if asked is None and named_before and in_public:  # "...your order number. Please post it here."
                    asked = p.asking_for_it.match(sentence, asking.end())
                if asked:
                    found.append(Rejection("personal data in public", sentence[asking.start():asked.end()].strip(),
                                           "never ask for contact or account details in public; invite a private "
                                           "message where the customer chooses how to be reached"))
                    break
        named_before = bool(data.search(sentence))
    return found


def _phone_redirects(text: str) -> list[Rejection]:
    p = patterns()
    found = [Rejection("phone redirect", match.group(0).strip(),
                       "do not send the customer to a phone line; offer a private message and let them choose")
             for match in p.phone_redirect.finditer(text)
             if not p.phone_not_a_redirect.search(text[max(0, match.start() - 16):match.start()])]
    found += [Rejection("phone redirect", match.group(0).strip(), "no phone numbers in a reply")
              for match in p.phone_number.finditer(text)]
    return found


def _channel_redirects(text: str, rules: Guardrails) -> list[Rejection]:
    extra = _extra(rules.extra_channel_redirect_words)
    redirect = patterns().channel_redirect
    pattern = re.compile(f"{redirect.pattern}|{extra}", _FLAGS) if extra else redirect
    return [Rejection("channel redirect", match.group(0).strip(),
                      "help the customer where they are: answer here, or invite a private message on this "
                      "platform; do not send them to another channel")
            for match in pattern.finditer(text)][:1]


def _tone(text: str, rules: Guardrails, to_praise: bool) -> list[Rejection]:
    """The phrases first (they name the words); then the tone model, which reads the whole reply (it names the
    sentence that reads worst)."""
    extra = _extra(rules.extra_tone_words)
    p = patterns()
    checks = [p.tone, *([re.compile(extra, _FLAGS)] if extra else []), *([] if to_praise else [p.laughing])]
    match = next((m for pattern in checks if (m := pattern.search(text))), None)
    if match:
        return [Rejection("tone", match.group(0).strip(), "this sounds dismissive, defensive or sarcastic; write as "
                          "someone on the customer's side")]
    if not to_praise and not _LETTERS.search(text):
        return [Rejection("tone", text.strip(), "a reply of only emoji to a customer with a problem reads as "
                          "flippant; say something")]
    if rules.tone_model:
        model = tone_model()
        threshold = rules.tone_model_threshold or model.threshold
        if model.probability(text) >= threshold:
            worst = max(_sentences(text), key=model.probability)
            return [Rejection("tone", worst.strip()[:120], "this reads as dismissive, blaming or sarcastic (the tone "
                              "model); write as someone on the customer's side")]
    return []


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
    """The words compared for the canned check; a number or a date is one word whatever it says ("Friday 15th")."""
    return ["#" if any(c.isdigit() for c in word) else word for word in _WORDS.findall(text.lower())]

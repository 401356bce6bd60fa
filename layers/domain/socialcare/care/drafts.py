"""Personalised drafts for the agents: a starting point built from the customer's own words, never posted by itself.

An acknowledgement names the customer's specific problem in their words (turned to "your"), apologises when it is
a complaint, and invites a private message where the customer chooses to be reached by email or phone. A holding
statement for a pile-on names the topic. Drafts pass the guardrails by construction; agents edit them.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the incident follow-ups of the steps need no assessment
    from socialcare.care.assessment import Assessment
    from socialcare.models import Mention

MAX_PROBLEM_CHARACTERS = 120  # the rest of a draft is at most 150 characters: together inside X's 280
_NOISE = re.compile(r"(?:https?://\S+|[@#][\w.]+)")
_CLAUSES = re.compile(r"[^.!?\n]+")
_SPACES = re.compile(r"\s+")
# The customer's point of view turned to ours, word by word ("my parcel" -> "your parcel").
_PRONOUNS = {"i": "you", "i'm": "you're", "im": "you're", "i've": "you've", "i'd": "you'd", "i'll": "you'll",
             "me": "you", "my": "your", "mine": "yours", "myself": "yourself", "we": "you", "our": "your",
             "us": "you", "am": "are", "was": "were"}
_WORD = re.compile(r"[A-Za-z']+")
INVITATION = "Could you send us a DM? Tell us there if you'd like us to reach you by email or by phone."
# In a private conversation (a private case) the details can be asked for at once: that is where they belong.
PRIVATE_NEXT_STEP = ("Could you tell us your order or account number, and whether you'd like us to reach you by "
                     "email or by phone?")


def acknowledgement(mention: Mention, assessment: Assessment) -> str:
    """A complaint: sorry, in their words, and an invitation to a private message. A question: thanks, and the start
    of an answer for the agent to finish (answered in public). Praise: thanks for what they praised, in their words
    (never a DM invitation). Anything else: thanks, and the invitation. To a DM (a private case), no invitation: the
    details the team needs are asked for there."""
    name = _first_name(mention)
    greeting = f"Hi {name}, " if name else "Hi, "
    problem = problem_in_their_words(mention.text, assessment)
    about = f": {problem}." if problem else "."
    next_step = PRIVATE_NEXT_STEP if mention.is_private else INVITATION
    if assessment.intent == "complaint":
        return f"{greeting}we're so sorry{about} That's not OK. {next_step}"
    if assessment.intent == "question":
        return f"{greeting}thanks for asking! "  # the agent writes the answer
    if assessment.intent == "praise":
        praised = _clauses(mention.text)[:1]
        quoted = f' "{_cut(praised[0])}" made our day, and' if praised else ""
        return f"{greeting}thank you so much!{quoted} we'll pass it on to the team."
    return f"{greeting}thanks for getting in touch{about} {next_step}"


def holding_reply(mention: Mention, assessment: Assessment) -> str:
    """What the customer is told, on their thread, when our wall-clock promise to answer them runs out: an honest
    apology for the wait, their problem in their words, and that a person will answer there. Drafted when the case
    opens (from the mention, which the case does not keep whole); posted only if the promise breaks."""
    name = _first_name(mention)
    greeting = f"Hi {name}, " if name else "Hi, "
    problem = problem_in_their_words(mention.text, assessment)
    about = f' about "{problem}"' if problem else ""
    return (f"{greeting}we're sorry we haven't got back to you yet{about}. We haven't forgotten you: someone from "
            "the team will answer you here as soon as they can.")


def holding_statement(topic: str, template: str) -> str:
    return template.format(topic=topic or "our service")


def incident_follow_ups(name: str, topic: str, outcome: str, their_words: str = "",
                        telling: Iterable[str] = ()) -> list[str]:
    """The public follow-up for one customer of a resolved incident, most personal first: their first name, the
    trouble they had (the topic, and what they said of it: the clause with a `telling` word), and the outcome in the
    lead's words. The caller posts the first that passes the guardrails (their words may be too long for X, or
    carry a phone number); the last one quotes nothing of theirs."""
    first = first_name(name)
    greeting = f"Hi {first}, " if first else "Hi, "
    outcome = outcome.strip().rstrip(".!") + "."
    trouble = f"the trouble with {topic or 'our service'} you told us about"
    closing = " Thanks for bearing with us, and sorry again."
    said = _in_their_words(their_words, list(telling)) if their_words else ""
    plain = f"{greeting}an update on {trouble}: {outcome}{closing}"
    return [f'{greeting}an update on {trouble} ("{said}"): {outcome}{closing}', plain] if said else [plain]


def problem_in_their_words(text: str, assessment: Assessment) -> str:
    """The clause that carries the complaint (or the first one), without handles, hashtags and links, in the second
    person and cut at a word boundary."""
    return _in_their_words(text, [*assessment.urgent_words, *assessment.complaint_words])


def _in_their_words(text: str, telling: list[str]) -> str:
    clauses = _clauses(text)
    if not clauses:
        return ""
    chosen = next((c for c in clauses if any(w.lower() in c.lower() for w in telling)), clauses[0])
    turned = _cut(_WORD.sub(lambda m: _turn(m.group(0)), chosen))
    acronym = len(turned) > 1 and turned[1].isupper()
    return turned if acronym else turned[0].lower() + turned[1:]


def _clauses(text: str) -> list[str]:
    """The sentences and clauses of a post, without handles, hashtags and links."""
    clean = _SPACES.sub(" ", _NOISE.sub(" ", text)).strip()
    return [c.strip(" ,;:-") for c in _CLAUSES.findall(clean) if c.strip(" ,;:-")]


def _cut(text: str) -> str:
    if len(text) <= MAX_PROBLEM_CHARACTERS:
        return text
    return text[:MAX_PROBLEM_CHARACTERS].rsplit(" ", 1)[0] + "…"


def _turn(word: str) -> str:
    swapped = _PRONOUNS.get(word.lower())
    if swapped is None:
        return word
    return swapped.capitalize() if word[0].isupper() and word.lower() != "i" else swapped


def _first_name(mention: Mention) -> str:
    """The author's first name when they show one; never their handle (the reply is already addressed to it)."""
    return first_name(mention.author.name or "")


def first_name(name: str) -> str:
    """The first word of a shown name, when it reads as a name."""
    name = name.strip()
    first = name.split()[0] if name else ""
    return first if first.isalpha() and len(first) <= 20 else ""

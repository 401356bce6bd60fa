"""The generic webhook: JSON deliveries from listening tools, signed like Stripe's with a shared secret.

  X-SocialCare-Timestamp: <unix seconds>
  X-SocialCare-Signature: sha256=<lowercase hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>

A delivery older or newer than five minutes is refused (a replayed capture). The body schema is GenericDelivery.
"""
from __future__ import annotations

import hashlib
import hmac
import time
from datetime import datetime

from pydantic import BaseModel, Field, ValidationError, field_validator

from socialcare.errors import InvalidMentionError, SignatureMismatchError
from socialcare.http import whole_number
from socialcare.models import MENTION_KINDS, Author, Mention
from socialcare.platforms.base import ChallengeAnswer
from socialcare.platforms.sandbox import SandboxPlatform
from socialcare.secrets import secret

TIMESTAMP_HEADER = "x-socialcare-timestamp"
SIGNATURE_HEADER = "x-socialcare-signature"
TOLERANCE_SECONDS = 300
TIMESTAMP_DIGITS = 12  # unix seconds until the year 33658; hundreds of digits would overflow the float of time()


class GenericAuthor(BaseModel):
    id: str = Field(min_length=1, max_length=128)
    handle: str = Field(default="", max_length=128)
    name: str = Field(default="", max_length=256)
    followers: int = Field(default=0, ge=0)


class GenericMention(BaseModel):
    id: str = Field(min_length=1, max_length=256)
    kind: str = "mention"
    text: str = Field(min_length=1, max_length=10_000)
    createdAt: datetime
    author: GenericAuthor
    url: str = Field(default="", max_length=2048)
    replyToId: str = Field(default="", max_length=256)
    engagement: int = Field(default=0, ge=0)  # likes, reposts, replies... as the listening tool counts them

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, kind: str) -> str:
        if kind not in MENTION_KINDS:
            raise ValueError(f"kind must be one of {', '.join(MENTION_KINDS)}")
        return kind


class GenericDelivery(BaseModel):
    deliveryId: str = Field(min_length=1, max_length=256)
    mentions: list[GenericMention] = Field(min_length=1, max_length=100)


def sign(secret_value: str, timestamp: str, raw_body: bytes) -> str:
    digest = hmac.new(secret_value.encode(), timestamp.encode() + b"." + raw_body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


# A listening tool cannot post back: outbound works as the sandbox does, recording what would be posted on the
# case for an agent to copy to the platform by hand.
class GenericWebhookPlatform(SandboxPlatform):
    name = "generic"

    def answer_challenge(self, query: dict[str, str]) -> ChallengeAnswer | None:
        challenge = query.get("challenge")
        return ChallengeAnswer(200, challenge) if challenge else None

    def verify(self, headers: dict[str, str], raw_body: bytes) -> None:
        timestamp = headers.get(TIMESTAMP_HEADER, "")
        signature = headers.get(SIGNATURE_HEADER, "")
        seconds = whole_number(timestamp, TIMESTAMP_DIGITS)
        if seconds is None or abs(time.time() - seconds) > TOLERANCE_SECONDS:
            raise SignatureMismatchError(f"missing or stale {TIMESTAMP_HEADER}")
        expected = sign(secret("GENERIC_WEBHOOK_SECRET"), timestamp, raw_body)
        # compared as bytes: compare_digest refuses str with non-ASCII characters (a 500 instead of a 401)
        if not hmac.compare_digest(expected.encode(), signature.encode()):
            raise SignatureMismatchError(f"{SIGNATURE_HEADER} does not match the body")

    def parse(self, raw_body: bytes) -> list[Mention]:
        try:
            delivery = GenericDelivery.model_validate_json(raw_body)
        except ValidationError as error:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()[:5])
            raise InvalidMentionError(f"not a generic delivery: {problems}") from None
        return [
            Mention(
                platform=self.name,
                mention_id=m.id,
                kind=m.kind,
                text=m.text,
                author=Author(id=m.author.id, handle=m.author.handle, name=m.author.name,
                              followers=m.author.followers),
                created_at=m.createdAt.isoformat(),
                url=m.url,
                reply_to_id=m.replyToId or m.id,
                delivery_id=delivery.deliveryId,
                engagement=m.engagement,
            )
            for m in delivery.mentions
        ]

"""Domain values that travel between the webhook, the queue, the state machine and the agent API."""
from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field

# Step Functions execution names: 1-80 characters; we keep to the set every console and metric accepts.
_EXECUTION_NAME = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
_NOT_NAME_CHARS = re.compile(r"[^A-Za-z0-9_-]+")

MENTION_KINDS = ("mention", "reply", "quote", "hashtag", "keyword", "comment", "review", "dm")


@dataclass(frozen=True)
class Author:
    id: str
    handle: str = ""
    name: str = ""
    followers: int = 0


@dataclass(frozen=True)
class Mention:
    """One thing a customer said, normalised from any platform."""

    platform: str
    mention_id: str
    kind: str
    text: str
    author: Author
    created_at: str
    url: str = ""
    reply_to_id: str = ""  # the platform id a public reply should answer (the post/comment itself, usually)
    delivery_id: str = ""
    extra: dict = field(default_factory=dict)
    engagement: int = 0  # likes, reposts, replies and quotes the post had when we read it (0 where not given)

    @property
    def key(self) -> str:
        """The dedupe key: the platform's own id, so a redelivery or a second poll finds the first."""
        return f"{self.platform}#{self.mention_id}"

    @property
    def author_key(self) -> str:
        return f"{self.platform}#{self.author.id}"

    @property
    def is_private(self) -> bool:
        return self.kind == "dm"

    def to_message(self) -> dict:
        return asdict(self)

    @classmethod
    def from_message(cls, message: dict) -> "Mention":
        fields = dict(message)
        fields["author"] = Author(**fields["author"])
        return cls(**fields)


def case_id_for(mention: Mention) -> str:
    """The case id, derived from the mention that opens it: the same mention always names the same case,
    and the id is a valid Step Functions execution name."""
    readable = _NOT_NAME_CHARS.sub("-", f"{mention.platform}-{mention.mention_id}").strip("-")
    if readable == f"{mention.platform}-{mention.mention_id}" and len(readable) <= 80:
        return readable
    digest = hashlib.sha256(mention.key.encode()).hexdigest()[:20]
    return f"{readable[:59]}-{digest}"


def is_valid_execution_name(name: str) -> bool:
    return bool(_EXECUTION_NAME.match(name))

"""The adapter interface every platform implements."""
from __future__ import annotations

from dataclasses import dataclass

from socialcare.errors import ChannelRejectedError
from socialcare.models import Mention


@dataclass(frozen=True)
class ChallengeAnswer:
    status: int
    body: str
    content_type: str = "text/plain"


@dataclass(frozen=True)
class PostReceipt:
    """What a platform said about a post we made: its id there, and where to see it."""

    platform_post_id: str
    url: str = ""
    recipient_id: str = ""  # a private reply: who received it, as the platform's messaging knows them


class Platform:
    name = "base"

    def answer_challenge(self, query: dict[str, str]) -> ChallengeAnswer | None:
        """Answer a GET the platform sends to prove we own the URL; None when the query is not a challenge."""
        return None

    def verify(self, headers: dict[str, str], raw_body: bytes) -> None:
        """Raise SignatureMismatchError unless the delivery is signed by the platform."""
        raise NotImplementedError

    def parse(self, raw_body: bytes) -> list[Mention]:
        """Read a delivery as mentions; raise InvalidMentionError when it cannot be read."""
        raise NotImplementedError

    def post_reply(self, reply_to_id: str, text: str, idempotency_key: str, surface: str = "") -> PostReceipt:
        """Reply in public to `reply_to_id`. `surface` names the product where one platform has several (Meta:
        facebook or instagram), as the mention's extra["surface"] said."""
        raise NotImplementedError

    def send_private(self, author_id: str, text: str, idempotency_key: str, human_agent: bool = False) -> PostReceipt:
        """Message the customer privately. `human_agent`: a person's answer after the platform's standard window for
        answers (Meta: 24 hours since the customer's last message) closed."""
        raise NotImplementedError

    def post_status(self, text: str, idempotency_key: str) -> PostReceipt:
        """Post on the brand's own channel (its timeline, its Page), replying to nobody: an incident's holding
        statement. A platform without such a channel refuses it for good."""
        raise ChannelRejectedError(f"{self.name} has no channel of the brand's own to post on")

    # Surfaces where a public post can be answered with a private message (a "private reply").
    private_reply_surfaces: frozenset[str] = frozenset()

    def private_reply(self, reply_to_id: str, text: str, idempotency_key: str) -> PostReceipt:
        """Message the author of the post `reply_to_id` privately; the receipt's recipient_id is who they are in
        private messages (which may differ from their public id)."""
        raise NotImplementedError

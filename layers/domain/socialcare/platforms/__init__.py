"""One adapter per platform, one interface (see base.Platform)."""
from __future__ import annotations

from socialcare.config import settings
from socialcare.errors import UnknownPlatformError
from socialcare.platforms.base import Platform
from socialcare.platforms.generic import GenericWebhookPlatform
from socialcare.platforms.google_reviews import NO_OWN_CHANNEL as GOOGLE_NO_OWN_CHANNEL
from socialcare.platforms.google_reviews import GoogleReviewsPlatform
from socialcare.platforms.meta import MetaPlatform
from socialcare.platforms.sandbox import SandboxPlatform
from socialcare.platforms.x import XPlatform

# Platforms that deliver mentions to us. The sandbox only receives our posts.
_ADAPTERS: dict[str, type[Platform]] = {
    "generic": GenericWebhookPlatform,
    "meta": MetaPlatform,
    "x": XPlatform,
}
# Platforms we only answer: their mentions come from polling.
_POLLED: dict[str, type[Platform]] = {"google": GoogleReviewsPlatform}
# Platforms where a customer cannot write to us privately: their cases skip the DM request.
_WITHOUT_PRIVATE_MESSAGES = frozenset({"google"})
# Platforms where the brand has no channel of its own to post on (an incident's statement): why.
_WITHOUT_OWN_CHANNEL = {"google": GOOGLE_NO_OWN_CHANNEL}


def has_private_channel(name: str) -> bool:
    return name not in _WITHOUT_PRIVATE_MESSAGES


def own_channel_refusal(name: str) -> str:
    """Why the brand cannot post on its own channel of the platform ("": it can), whatever the outbound mode."""
    return _WITHOUT_OWN_CHANNEL.get(name, "")


def inbound(name: str) -> Platform:
    """The adapter that reads a platform's webhook deliveries."""
    try:
        return _ADAPTERS[name]()
    except KeyError:
        raise UnknownPlatformError(f"no platform called {name!r}; one of {', '.join(sorted(_ADAPTERS))}") from None


def outbound(name: str) -> Platform:
    """The adapter that posts for a case of that platform: the sandbox unless the stack runs live."""
    if settings().outbound_mode != "live":
        return SandboxPlatform()
    if name in _POLLED:
        return _POLLED[name]()
    return inbound(name)

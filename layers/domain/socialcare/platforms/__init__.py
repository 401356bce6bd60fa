"""One adapter per platform, one interface (see base.Platform).

An adapter is imported the first time its platform is used, not with this package: a function pays at its cold start
only for the platforms it serves (the webhook function loads the adapter of the delivery's platform and nothing of
Google or of posting; the steps that post load theirs on their first post). The registries below name each adapter
by "module:Class".
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from socialcare.config import settings
from socialcare.errors import UnknownPlatformError

if TYPE_CHECKING:
    from socialcare.platforms.base import Platform

# Platforms that deliver mentions to us. The sandbox only receives our posts.
_ADAPTERS: dict[str, str | type[Platform]] = {
    "generic": "socialcare.platforms.generic:GenericWebhookPlatform",
    "meta": "socialcare.platforms.meta:MetaPlatform",
    "x": "socialcare.platforms.x:XPlatform",
}
# Platforms we only answer: their mentions come from polling.
_POLLED: dict[str, str | type[Platform]] = {"google": "socialcare.platforms.google_reviews:GoogleReviewsPlatform"}
_SANDBOX = "socialcare.platforms.sandbox:SandboxPlatform"
# Platforms where a customer cannot write to us privately: their cases skip the DM request.
_WITHOUT_PRIVATE_MESSAGES = frozenset({"google"})
# Platforms where the brand has no channel of its own to post on (an incident's statement): why.
_WITHOUT_OWN_CHANNEL = {
    "google": ("Google reviews give the brand no channel of its own to post a statement on here (a review has "
               "one reply, the brand's answer to that reviewer): post it on the Business Profile by hand"),
}


# The names this package used to import eagerly, still there for whoever reads them (`platforms.XPlatform`), each
# imported when first read.
_LAZY_NAMES = {"Platform": "socialcare.platforms.base:Platform",
               "GenericWebhookPlatform": _ADAPTERS["generic"], "MetaPlatform": _ADAPTERS["meta"],
               "XPlatform": _ADAPTERS["x"], "GoogleReviewsPlatform": _POLLED["google"], "SandboxPlatform": _SANDBOX}


def __getattr__(name: str):
    if name in _LAZY_NAMES:
        return _load(_LAZY_NAMES[name])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def has_private_channel(name: str) -> bool:
    return name not in _WITHOUT_PRIVATE_MESSAGES


def own_channel_refusal(name: str) -> str:
    """Why the brand cannot post on its own channel of the platform ("": it can), whatever the outbound mode."""
    return _WITHOUT_OWN_CHANNEL.get(name, "")


def inbound(name: str) -> Platform:
    """The adapter that reads a platform's webhook deliveries."""
    try:
        adapter = _ADAPTERS[name]
    except KeyError:
        raise UnknownPlatformError(f"no platform called {name!r}; one of {', '.join(sorted(_ADAPTERS))}") from None
    return _load(adapter)()


def outbound(name: str) -> Platform:
    """The adapter that posts for a case of that platform: the sandbox unless the stack runs live."""
    if settings().outbound_mode != "live":
        return _load(_SANDBOX)()
    if name in _POLLED:
        return _load(_POLLED[name])()
    return inbound(name)


def _load(adapter: str | type) -> type:
    """The class a registry entry names, its module imported on first use (Python caches it in sys.modules)."""
    if not isinstance(adapter, str):
        return adapter  # a class registered directly (a test's)
    module, _, attribute = adapter.partition(":")
    return getattr(importlib.import_module(module), attribute)

"""Mirrors layers/domain/socialcare/platforms/sandbox.py (and the base adapter): every post recorded, none sent."""
import pytest

from socialcare.errors import ChannelRejectedError
from socialcare.platforms import sandbox
from socialcare.platforms.base import Platform
from socialcare.platforms.sandbox import SandboxPlatform


def test_a_status_on_the_brands_own_channel_is_recorded_with_a_made_up_id():
    receipt = SandboxPlatform().post_status("We know some of you can't log in.", "incident-app-1:statement:generic")
    recorded = [post for post in sandbox.SENT if post["key"] == "incident-app-1:statement:generic"]
    assert recorded == [{"channel": "status", "target": "brand", "text": "We know some of you can't log in.",
                         "key": "incident-app-1:statement:generic", "id": receipt.platform_post_id}]
    assert receipt.platform_post_id.startswith("sandbox-status-")


def test_a_platform_without_a_channel_of_its_own_refuses_a_status():
    with pytest.raises(ChannelRejectedError, match="base has no channel of the brand's own to post on"):
        Platform().post_status("We know…", "key")

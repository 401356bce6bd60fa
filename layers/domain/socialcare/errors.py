"""Domain errors. A handler lets them propagate: the class name becomes the Step Functions error name."""


class SocialCareError(Exception):
    """Base of every domain error."""


class CaseNotFoundError(SocialCareError):
    """No case has that id (agent API: 404)."""


class IncidentNotFoundError(SocialCareError):
    """No incident has that id (agent API: 404)."""


class IncidentResolvedError(SocialCareError):
    """The incident is resolved: it cannot be resolved again, nor its holding statement posted (agent API: 409)."""


class InvalidCaseTransitionError(SocialCareError):
    """The case is not waiting for that action (agent API: 409)."""


class WaitTimedOutError(InvalidCaseTransitionError):
    """The wait's clock ran out as the action arrived: its escalation (or warning) starts the same wait again."""


class UnknownActionError(SocialCareError):
    """No agent action has that name (agent API: 400, naming the actions there are)."""


class InvalidAuthorError(SocialCareError):
    """A platform with no author history, or an author id that platform never gives (agent API: 400)."""


class LinkingOffError(SocialCareError):
    """The care policy does not let agents link one person's accounts (agent API: 403)."""


class InvalidMentionError(SocialCareError):
    """A delivery or poll result that cannot be read as mentions (webhook: 400)."""


class SignatureMismatchError(SocialCareError):
    """A webhook delivery whose signature does not verify (webhook: 401)."""


class UnknownPlatformError(SocialCareError):
    """No adapter for that platform (webhook: 404)."""


class ChannelUnavailableError(SocialCareError):
    """A platform call failed in a way worth retrying (5xx, 429, timeout): the ASL retries it."""


class ChannelRejectedError(SocialCareError):
    """A platform refused a post for good (policy, permissions): recorded on the case, never retried."""


class PollFailedError(SocialCareError):
    """A scheduled poll could not read one of its sources; the others ran, and every cursor kept its place."""


class ReplyRejectedError(SocialCareError):
    """A public reply the guardrails refuse (agent API: 422); nothing changed, the case keeps waiting."""

    def __init__(self, rejections: list) -> None:
        self.rejections = rejections
        super().__init__("the reply was not posted: " + "; ".join(str(r) for r in rejections))


class ForbiddenError(SocialCareError):
    """The signed-in person's groups do not allow what they asked (agent API: 403)."""

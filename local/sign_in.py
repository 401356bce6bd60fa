"""Signing in to the care team's user pool, as the CLI does (and the desk, in its own JavaScript): Cognito's public
InitiateAuth and RespondToAuthChallenge calls, over plain HTTPS with the app client's id, no AWS credentials.

Deployed, the endpoint is Cognito's (https://cognito-idp.<region>.amazonaws.com/); locally, the local server's
/local/cognito-idp/, which hands the same calls to moto's Cognito. A user a lead has just created signs in with the
temporary password Cognito emailed them and must choose their own (the NEW_PASSWORD_REQUIRED challenge).
"""
from __future__ import annotations

import json
import os
import pathlib
import time
from collections.abc import Callable
from dataclasses import dataclass

import requests

TARGET_PREFIX = "AWSCognitoIdentityProviderService."
# One user per group on the local cloud, each with the same password (make serve, the demo, the tests; docs/desk.md).
LOCAL_USERS = {"agent": "agents", "triage": "triage", "lead": "leads"}
LOCAL_PASSWORD = "Local-desk-2026"
RENEW_BEFORE_SECONDS = 60  # a token that would expire within a minute is renewed first


class SignInError(Exception):
    """Cognito refused the sign-in: its reason, in its words (a wrong password, an unknown user, a weak new one)."""


@dataclass
class Session:
    user: str
    id_token: str
    refresh_token: str | None
    expires_at: float  # time.time()

    def fresh(self) -> bool:
        return time.time() < self.expires_at - RENEW_BEFORE_SECONDS


class CognitoSignIn:
    def __init__(self, endpoint: str, client_id: str):
        self.endpoint = endpoint
        self.client_id = client_id

    def sign_in(self, user: str, password: str, new_password: Callable[[], str] | None = None) -> Session:
        """USER_PASSWORD_AUTH; a first sign-in with a temporary password answers NEW_PASSWORD_REQUIRED with the
        password `new_password()` gives."""
        answer = self._call("InitiateAuth", {"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": self.client_id,
                                             "AuthParameters": {"USERNAME": user, "PASSWORD": password}})
        if answer.get("ChallengeName") == "NEW_PASSWORD_REQUIRED":
            if new_password is None:
                raise SignInError(f"{user} signs in for the first time and must choose a new password")
            answer = self._call("RespondToAuthChallenge", {
                "ChallengeName": "NEW_PASSWORD_REQUIRED", "ClientId": self.client_id, "Session": answer["Session"],
                "ChallengeResponses": {"USERNAME": user, "NEW_PASSWORD": new_password()}})
        if "AuthenticationResult" not in answer:
            raise SignInError(f"Cognito asks for {answer.get('ChallengeName')}, which this CLI does not answer")
        return self._session(user, answer["AuthenticationResult"])

    def renew(self, session: Session) -> Session:
        """A new ID token from the refresh token (Cognito does not send a new refresh token with it)."""
        answer = self._call("InitiateAuth", {"AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": self.client_id,
                                             "AuthParameters": {"REFRESH_TOKEN": session.refresh_token}})
        renewed = self._session(session.user, answer["AuthenticationResult"])
        renewed.refresh_token = renewed.refresh_token or session.refresh_token
        return renewed

    @staticmethod
    def _session(user: str, result: dict) -> Session:
        return Session(user, result["IdToken"], result.get("RefreshToken"), time.time() + int(result["ExpiresIn"]))

    def _call(self, operation: str, body: dict) -> dict:
        response = requests.post(self.endpoint, data=json.dumps(body), timeout=30, headers={
            "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": TARGET_PREFIX + operation})
        answer = response.json() if response.content else {}
        if response.status_code != 200:
            kind = str(answer.get("__type", "")).rsplit("#", 1)[-1] or f"HTTP {response.status_code}"
            raise SignInError(f"{kind}: {answer.get('message') or answer.get('Message') or response.text}")
        return answer


class SessionCache:
    """A deployed stack's session, kept between commands in ~/.cache/socialcare/ (readable by its owner only)."""

    def __init__(self, stack: str, folder: pathlib.Path | None = None):
        folder = folder or pathlib.Path(os.environ.get("XDG_CACHE_HOME") or pathlib.Path.home() / ".cache") / "socialcare"
        self.path = folder / f"{stack}.json"

    def load(self, user: str) -> Session | None:
        try:
            saved = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return None
        return Session(**saved) if saved.get("user") == user else None

    def save(self, session: Session) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.path.touch(mode=0o600)
        self.path.write_text(json.dumps(session.__dict__))

    def forget(self) -> None:
        self.path.unlink(missing_ok=True)

"""The care team's sign-in, locally: the template's user pool, app client and groups created in moto's Cognito, the
fixed local users (one per group), and the check API Gateway's JWT authorizer makes before a guarded route runs.

Tokens are moto's: signed RS256 with the key moto ships, issued by InitiateAuth as Cognito issues them, with the
user's groups in `cognito:groups`. A route is let through only with a token that the authorizer would take: signed by
that key, from the issuer and for an audience the template names, not expired.
"""
from __future__ import annotations

import gzip
import importlib.resources
import json
import time
from dataclasses import dataclass, field

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from local.sign_in import LOCAL_PASSWORD, LOCAL_USERS
from local.stack import Stack

CLOCK_SKEW_SECONDS = 0  # API Gateway allows none we know of: an expired token is refused at once


def create_user_pools(stack: Stack, cognito) -> None:
    """Each user pool, app client and group of the stack, created as CloudFormation would (their ids are AWS's,
    recorded on the stack's resolver for the routes' authorizers and the outputs)."""
    for name, props in stack.resources("AWS::Cognito::UserPool").items():
        settings = {key: value for key, value in props.items() if key not in ("UserPoolName", "DeletionProtection")}
        pool = cognito.create_user_pool(PoolName=props.get("UserPoolName", name), **settings)["UserPool"]
        stack.resolver.assigned[name] = {"Ref": pool["Id"], "Arn": pool["Arn"], "UserPoolId": pool["Id"],
                                         "ProviderName": f"cognito-idp.{cognito.meta.region_name}.amazonaws.com/"
                                                         f"{pool['Id']}"}
    for name, props in stack.resources("AWS::Cognito::UserPoolClient").items():
        client = cognito.create_user_pool_client(**props)["UserPoolClient"]
        stack.resolver.assigned[name] = {"Ref": client["ClientId"], "ClientId": client["ClientId"]}
    for props in stack.resources("AWS::Cognito::UserPoolGroup").values():
        cognito.create_group(**props)


@dataclass
class CareTeam:
    """The stack's one user pool and its one app client, as the desk and the CLI sign in."""
    cognito: object  # a boto3 cognito-idp client
    user_pool_id: str
    client_id: str
    users: set[str] = field(default_factory=set)  # added by this cloud

    def add_user(self, name: str, group: str | None, password: str = LOCAL_PASSWORD) -> None:
        """What a lead does for a new colleague (docs/desk.md#adding-people), with the password set for them."""
        self.cognito.admin_create_user(UserPoolId=self.user_pool_id, Username=name, MessageAction="SUPPRESS",
                                       UserAttributes=[{"Name": "email", "Value": f"{name}@care.local"},
                                                       {"Name": "email_verified", "Value": "true"}])
        self.cognito.admin_set_user_password(UserPoolId=self.user_pool_id, Username=name, Password=password,
                                             Permanent=True)
        if group is not None:  # a user in no group signs in, and may do nothing but ask who they are
            self.cognito.admin_add_user_to_group(UserPoolId=self.user_pool_id, Username=name, GroupName=group)
        self.users.add(name)

    def add_local_users(self) -> None:
        for name, group in LOCAL_USERS.items():
            self.add_user(name, group)

    def sign_in(self, name: str, password: str = LOCAL_PASSWORD) -> dict:
        """The tokens Cognito answers a USER_PASSWORD_AUTH sign-in with (IdToken, AccessToken, RefreshToken...)."""
        answer = self.cognito.initiate_auth(ClientId=self.client_id, AuthFlow="USER_PASSWORD_AUTH",
                                            AuthParameters={"USERNAME": name, "PASSWORD": password})
        return answer["AuthenticationResult"]


class Unauthorized(Exception):
    """API Gateway's 401, with the reason it gives in its WWW-Authenticate header."""


def _moto_key_set() -> KeySet:
    """The public half of the key moto signs every Cognito token with (what {issuer}/.well-known/jwks.json serves)."""
    resource = importlib.resources.files("moto.cognitoidp") / "resources" / "jwks-public.json.gz"
    return KeySet.import_key_set(json.loads(gzip.decompress(resource.read_bytes())))


_KEYS: KeySet | None = None


def authorize(authorizer: dict, headers: dict[str, str], now: float | None = None) -> dict[str, str]:
    """The claims API Gateway's JWT authorizer passes to the function (payload 2.0: each a string, a list as
    "[a b]"), or Unauthorized. `authorizer` is the route's, resolved: identitySource and jwtConfiguration."""
    global _KEYS
    source = authorizer.get("identitySource", "$request.header.Authorization")
    header = source.rsplit(".", 1)[-1].lower()
    value = headers.get(header, "")
    if not value:
        raise Unauthorized("no token in the Authorization header")
    token = value[len("Bearer "):] if value.startswith("Bearer ") else value
    if _KEYS is None:
        _KEYS = _moto_key_set()
    try:
        claims = jwt.decode(token, _KEYS, algorithms=["RS256"]).claims
    except (JoseError, ValueError) as error:
        raise Unauthorized(f"the token is not a JWT signed by the issuer: {type(error).__name__}") from None
    config = authorizer["jwtConfiguration"]
    now = time.time() if now is None else now
    if claims.get("iss") != config["issuer"]:
        raise Unauthorized("the token's issuer is not the user pool's")
    audience = claims.get("aud") if claims.get("token_use") == "id" else claims.get("client_id")
    if audience not in config["audience"]:
        raise Unauthorized("the token was not issued for this API's audience")
    if not isinstance(claims.get("exp"), int) or claims["exp"] + CLOCK_SKEW_SECONDS <= now:
        raise Unauthorized("the token has expired")
    if isinstance(claims.get("nbf"), int) and claims["nbf"] > now + CLOCK_SKEW_SECONDS:
        raise Unauthorized("the token is not valid yet")
    return {name: _as_string(value) for name, value in claims.items()}


def _as_string(value) -> str:
    if isinstance(value, list):
        return "[" + " ".join(str(item) for item in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)

"""local/care_team.py and local/sign_in.py: the check API Gateway's JWT authorizer makes, as the local cloud makes it,
and signing in through the local server as the CLI and the desk do."""
import base64
import gzip
import importlib.resources
import json
import time

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import RSAKey

from local.care_team import Unauthorized, authorize
from local.sign_in import LOCAL_PASSWORD, CognitoSignIn, SessionCache, SignInError

ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_pool"
AUTHORIZER = {"identitySource": "$request.header.Authorization",
              "jwtConfiguration": {"issuer": ISSUER, "audience": ["desk-client"]}}


def moto_signed(**claims) -> str:
    """A token signed with the key moto's Cognito signs with (as its InitiateAuth would)."""
    resource = importlib.resources.files("moto.cognitoidp") / "resources" / "jwks-private.json.gz"
    key = RSAKey.import_key(json.loads(gzip.decompress(resource.read_bytes())))
    now = int(time.time())
    payload = {"iss": ISSUER, "aud": "desk-client", "token_use": "id", "iat": now, "exp": now + 3600,
               "cognito:username": "ann", "cognito:groups": ["agents", "triage"], **claims}
    return jwt.encode({"alg": "RS256", "kid": "dummy"}, {k: v for k, v in payload.items() if v is not None}, key)


def test_a_good_id_token_passes_with_its_claims_as_api_gateway_renders_them():
    claims = authorize(AUTHORIZER, {"authorization": f"Bearer {moto_signed()}"})
    assert claims["cognito:username"] == "ann"
    assert claims["cognito:groups"] == "[agents triage]"  # payload 2.0: a list as a bracketed, spaced string
    assert claims["exp"].isdigit()


def test_the_bearer_prefix_is_optional_and_an_access_token_counts_its_client_id():
    token = moto_signed(aud=None, client_id="desk-client", token_use="access")
    assert authorize(AUTHORIZER, {"authorization": token})["client_id"] == "desk-client"


@pytest.mark.parametrize(("claims", "reason"), [
    ({"exp": int(time.time()) - 1}, "the token has expired"),
    ({"iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_other"}, "issuer"),
    ({"aud": "another-client"}, "audience"),
    ({"nbf": int(time.time()) + 600}, "not valid yet"),
])
def test_a_token_the_authorizer_would_refuse_is_refused(claims, reason):
    with pytest.raises(Unauthorized, match=reason):
        authorize(AUTHORIZER, {"authorization": f"Bearer {moto_signed(**claims)}"})


def test_a_token_changed_after_signing_or_missing_is_refused():
    header, payload, signature = moto_signed().split(".")
    forged = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged["cognito:groups"] = ["leads"]  # an agent making themself a lead
    tampered = base64.urlsafe_b64encode(json.dumps(forged).encode()).decode().rstrip("=")
    with pytest.raises(Unauthorized, match="not a JWT signed by the issuer"):
        authorize(AUTHORIZER, {"authorization": f"Bearer {header}.{tampered}.{signature}"})
    with pytest.raises(Unauthorized, match="no token"):
        authorize(AUTHORIZER, {})


# -- signing in through the local server ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def server():
    from local.server import LocalServer
    from tests.conftest import LONG_CLOCKS
    with LocalServer(port=0, clocks=LONG_CLOCKS) as local_server:
        yield local_server


def sign_in_client(server) -> CognitoSignIn:
    config = requests.get(f"{server.url}/desk/config.json", timeout=10).json()
    return CognitoSignIn(server.url + config["cognitoUrl"], config["clientId"])


def test_a_local_user_signs_in_and_the_token_opens_the_api(server):
    session = sign_in_client(server).sign_in("triage", LOCAL_PASSWORD)
    me = requests.get(f"{server.url}/me", headers={"Authorization": f"Bearer {session.id_token}"}, timeout=10)
    assert me.json()["groups"] == ["triage"] and session.fresh() and session.refresh_token


def test_a_wrong_password_is_refused_in_cognitos_words(server):
    with pytest.raises(SignInError, match="NotAuthorizedException"):
        sign_in_client(server).sign_in("agent", "not-the-password")


def test_a_new_colleagues_first_sign_in_sets_their_own_password(server):
    team = server.cloud.care_team
    team.cognito.admin_create_user(UserPoolId=team.user_pool_id, Username="newbie", TemporaryPassword="Temp-pass-2026",
                                   MessageAction="SUPPRESS")
    team.cognito.admin_add_user_to_group(UserPoolId=team.user_pool_id, Username="newbie", GroupName="agents")
    client = sign_in_client(server)
    with pytest.raises(SignInError, match="must choose a new password"):
        client.sign_in("newbie", "Temp-pass-2026")
    session = client.sign_in("newbie", "Temp-pass-2026", new_password=lambda: "Newbie-own-2026")
    assert session.user == "newbie"
    assert client.sign_in("newbie", "Newbie-own-2026").id_token
    renewed = client.renew(session)
    assert renewed.id_token and renewed.refresh_token == session.refresh_token


def test_a_session_is_kept_for_its_user_only(tmp_path):
    from local.sign_in import Session
    cache = SessionCache("prod", folder=tmp_path)
    cache.save(Session("ann", "id-token", "refresh", time.time() + 3600))
    assert cache.load("ann").id_token == "id-token" and cache.load("bob") is None
    assert oct(cache.path.stat().st_mode & 0o777) == "0o600"
    cache.forget()
    assert cache.load("ann") is None

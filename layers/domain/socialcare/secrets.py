"""Platform secrets: from the environment for a local run, else from Secrets Manager (cached by Powertools).

On a deployed stack each platform has one secret holding a JSON object (the template names them by parameter):
  generic webhook  GenericWebhookSecretName  a plain string
  X                XSecretName               {"consumer_key", "consumer_secret", "bearer_token", "access_token",
                                              "access_token_secret"}
  Meta             MetaSecretName            {"app_secret", "verify_token", "page_access_token"}
  Google           GoogleSecretName          {"client_id", "client_secret", "refresh_token"}
"""
from __future__ import annotations

from aws_lambda_powertools.utilities import parameters

from socialcare.config import deployed_secret_id, local_secret

SECRET_CACHE_SECONDS = 300

# local variable -> (variable naming the Secrets Manager secret, key in its JSON, or None for a plain string)
_WHERE = {
    "GENERIC_WEBHOOK_SECRET": ("GENERIC_WEBHOOK_SECRET_NAME", None),
    "X_CONSUMER_SECRET": ("X_SECRET_NAME", "consumer_secret"),
    "X_BEARER_TOKEN": ("X_SECRET_NAME", "bearer_token"),
    "X_CONSUMER_KEY": ("X_SECRET_NAME", "consumer_key"),
    "X_ACCESS_TOKEN": ("X_SECRET_NAME", "access_token"),
    "X_ACCESS_TOKEN_SECRET": ("X_SECRET_NAME", "access_token_secret"),
    "META_APP_SECRET": ("META_SECRET_NAME", "app_secret"),
    "META_VERIFY_TOKEN": ("META_SECRET_NAME", "verify_token"),
    "META_PAGE_ACCESS_TOKEN": ("META_SECRET_NAME", "page_access_token"),
    "GOOGLE_CLIENT_ID": ("GOOGLE_SECRET_NAME", "client_id"),
    "GOOGLE_CLIENT_SECRET": ("GOOGLE_SECRET_NAME", "client_secret"),
    "GOOGLE_REFRESH_TOKEN": ("GOOGLE_SECRET_NAME", "refresh_token"),
}


class SecretMissingError(Exception):
    """A platform secret is configured nowhere."""


def secret(name: str) -> str:
    value = local_secret(name)
    if value:
        return value
    secret_name_variable, key = _WHERE[name]
    secret_id = deployed_secret_id(secret_name_variable)
    if not secret_id:
        raise SecretMissingError(f"set {name} (local run) or {secret_name_variable} (deployed stack)")
    if key is None:
        return parameters.get_secret(secret_id, max_age=SECRET_CACHE_SECONDS)
    values = parameters.get_secret(secret_id, transform="json", max_age=SECRET_CACHE_SECONDS)
    if not values.get(key):
        raise SecretMissingError(f"secret {secret_id} has no {key!r}")
    return values[key]

"""Platform secrets: from Secrets Manager when the template names the secret (cached by Powertools), else from the
environment (a run outside AWS, e.g. a unit test).

The signing secrets live apart from the posting credentials, so the webhook function, the one the internet can reach,
can read only what verifying a delivery needs (the template grants each function only its secrets):
  GenericWebhookSecretName  a plain string                                    the generic webhook's signatures
  XWebhookSecretName        {"consumer_secret"}                               X's CRC and webhook signatures
  MetaWebhookSecretName     {"app_secret", "verify_token"}                    Meta's challenge and signatures
  XSecretName               {"consumer_key", "consumer_secret", "bearer_token", "access_token", "access_token_secret"}
                                                                              posting as the brand, polling
  MetaSecretName            {"page_access_token"}                             posting as the Page
  GoogleSecretName          {"client_id", "client_secret", "refresh_token"}   polling and answering reviews
"""
from __future__ import annotations

from dataclasses import dataclass

from socialcare.config import deployed_secret_id, local_secret

SECRET_CACHE_SECONDS = 300


@dataclass(frozen=True)
class SecretValue:
    name_variable: str  # the variable in which the template names the Secrets Manager secret
    key: str | None  # the key in the secret's JSON; None for a plain-string secret
    local_variable: str  # the variable that gives the value outside AWS


SECRETS = {
    "GENERIC_WEBHOOK_SECRET": SecretValue("GENERIC_WEBHOOK_SECRET_NAME", None, "GENERIC_WEBHOOK_SECRET"),
    "X_WEBHOOK_CONSUMER_SECRET": SecretValue("X_WEBHOOK_SECRET_NAME", "consumer_secret", "X_CONSUMER_SECRET"),
    "META_APP_SECRET": SecretValue("META_WEBHOOK_SECRET_NAME", "app_secret", "META_APP_SECRET"),
    "META_VERIFY_TOKEN": SecretValue("META_WEBHOOK_SECRET_NAME", "verify_token", "META_VERIFY_TOKEN"),
    "X_CONSUMER_KEY": SecretValue("X_SECRET_NAME", "consumer_key", "X_CONSUMER_KEY"),
    "X_CONSUMER_SECRET": SecretValue("X_SECRET_NAME", "consumer_secret", "X_CONSUMER_SECRET"),
    "X_BEARER_TOKEN": SecretValue("X_SECRET_NAME", "bearer_token", "X_BEARER_TOKEN"),
    "X_ACCESS_TOKEN": SecretValue("X_SECRET_NAME", "access_token", "X_ACCESS_TOKEN"),
    "X_ACCESS_TOKEN_SECRET": SecretValue("X_SECRET_NAME", "access_token_secret", "X_ACCESS_TOKEN_SECRET"),
    "META_PAGE_ACCESS_TOKEN": SecretValue("META_SECRET_NAME", "page_access_token", "META_PAGE_ACCESS_TOKEN"),
    "GOOGLE_CLIENT_ID": SecretValue("GOOGLE_SECRET_NAME", "client_id", "GOOGLE_CLIENT_ID"),
    "GOOGLE_CLIENT_SECRET": SecretValue("GOOGLE_SECRET_NAME", "client_secret", "GOOGLE_CLIENT_SECRET"),
    "GOOGLE_REFRESH_TOKEN": SecretValue("GOOGLE_SECRET_NAME", "refresh_token", "GOOGLE_REFRESH_TOKEN"),
}


class SecretMissingError(Exception):
    """A platform secret is configured nowhere."""


def secret(name: str) -> str:
    where = SECRETS[name]
    secret_id = deployed_secret_id(where.name_variable)
    if not secret_id:
        value = local_secret(where.local_variable)
        if not value:
            raise SecretMissingError(f"set {where.name_variable} (deployed stack) or {where.local_variable} (local run)")
        return value
    # Powertools parameters (and boto3 with it) only where a deployed secret is read: a run with the values in the
    # environment (a unit test) does not import them.
    from aws_lambda_powertools.utilities import parameters

    if where.key is None:
        return parameters.get_secret(secret_id, max_age=SECRET_CACHE_SECONDS)
    values = parameters.get_secret(secret_id, transform="json", max_age=SECRET_CACHE_SECONDS)
    if not values.get(where.key):
        raise SecretMissingError(f"secret {secret_id} has no {where.key!r}")
    return values[where.key]

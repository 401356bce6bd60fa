"""Platform secrets: from the environment for a local run, else from Secrets Manager (cached by Powertools)."""
from __future__ import annotations

from aws_lambda_powertools.utilities import parameters

from socialcare.config import local_secret, settings

SECRET_CACHE_SECONDS = 300

# Which Secrets Manager secret holds each value on a deployed stack.
_SECRET_NAMES = {"GENERIC_WEBHOOK_SECRET": lambda: settings().generic_webhook_secret_name}


def secret(name: str) -> str:
    value = local_secret(name)
    if value:
        return value
    return parameters.get_secret(_SECRET_NAMES[name](), max_age=SECRET_CACHE_SECONDS)

"""Persistence: PynamoDB models and the repositories over them. PynamoDB never leaves this package."""
from pynamodb.connection import base as _pynamodb_connection

from socialcare import aws

# Each PynamoDB model class opens its own connection, and each connection would make its own botocore session, loading
# DynamoDB's service model again at its first request. They take this thread's session of socialcare.aws instead
# (PynamoDB's only way to make a session is this module-level name), so a cold start loads the model once.
_pynamodb_connection.get_session = aws.session

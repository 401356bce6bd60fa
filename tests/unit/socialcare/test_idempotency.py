"""The idempotency table's client and PynamoDB's connections come from one botocore session (socialcare.aws), so a
cold start loads DynamoDB's service model once; and none of them is made before its first call."""
import threading

from socialcare import aws
from socialcare.idempotency import PersistenceLayer
from socialcare.storage.records import CaseRecord


def test_the_idempotency_client_is_made_at_its_first_call_from_the_session_pynamodb_uses():
    persistence = PersistenceLayer(table_name="idempotency-test")
    assert persistence._client is not None and not hasattr(persistence._client, "_make_api_call")  # not made yet
    client = persistence.client
    assert client.meta.service_model.service_name == "dynamodb"
    assert persistence.client is client  # made once
    assert CaseRecord._get_connection().connection.session is aws.session()


def test_each_thread_has_its_own_session():
    sessions = []
    thread = threading.Thread(target=lambda: sessions.append(aws.session()))
    thread.start()
    thread.join()
    assert sessions[0] is not aws.session()

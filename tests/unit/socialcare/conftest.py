"""Fixtures of the domain tests that need only the local cloud's tables and topics (the use cases, ingest)."""
from __future__ import annotations

import pytest

from local.cloud import LocalCloud
from socialcare.storage.cases import CasesRepository
from socialcare.storage.records import CaseRecord
from tests.conftest import LONG_CLOCKS


@pytest.fixture(scope="module")
def shared_cloud():
    """One local cloud for the module: starting one per test would cost more than the tests."""
    with LocalCloud(clocks=LONG_CLOCKS) as local_cloud:
        yield local_cloud


@pytest.fixture
def repo(shared_cloud) -> CasesRepository:
    """The cases repository on an empty cases table."""
    with CaseRecord.batch_write() as batch:
        for item in CaseRecord.scan(consistent_read=True):
            batch.delete(item)
    return CasesRepository()

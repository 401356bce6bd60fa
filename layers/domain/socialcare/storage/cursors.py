"""Poll cursors: where each polled source stopped. One item per source (e.g. "x#mentions").

  since_id           the newest platform id already enqueued: the next poll asks only for newer ones
  next_token         the page to fetch next when a poll stopped mid-pagination (empty between polls)
  pending_newest_id  the newest id of the FIRST page of the poll in progress: since_id once its last page is done

Plain puts: one poller per source, and the schedule does not overlap runs.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from pynamodb.attributes import UnicodeAttribute
from pynamodb.models import Model

from socialcare.storage.cases import now_iso


class PollCursorRecord(Model):
    class Meta:
        table_name = os.environ.get("POLL_CURSORS_TABLE_NAME", "PollCursorsTable")

    source = UnicodeAttribute(hash_key=True)
    since_id = UnicodeAttribute(null=True)
    next_token = UnicodeAttribute(null=True)
    pending_newest_id = UnicodeAttribute(null=True)
    updated_at = UnicodeAttribute(null=True)


@dataclass(frozen=True)
class PollCursor:
    source: str
    since_id: str | None = None
    next_token: str | None = None
    pending_newest_id: str | None = None


class PollCursorsRepository:

    def load(self, source: str) -> PollCursor:
        try:
            record = PollCursorRecord.get(source, consistent_read=True)
        except PollCursorRecord.DoesNotExist:
            return PollCursor(source)
        return PollCursor(source, record.since_id or None, record.next_token or None, record.pending_newest_id or None)

    def save(self, cursor: PollCursor) -> None:
        PollCursorRecord(cursor.source, since_id=cursor.since_id, next_token=cursor.next_token,
                         pending_newest_id=cursor.pending_newest_id, updated_at=now_iso()).save()

"""The brand's recent public replies, for the canned-reply guardrail: one item per reply in CasesTable,

  case_id = "RECENT_REPLIES", record = "<posted at>#<case id>#<kind>"

read back by time range. A reply is written once (the key is deterministic for a case's kind of post).
"""
from __future__ import annotations

import os

from pynamodb.attributes import UnicodeAttribute
from pynamodb.models import Model

PARTITION = "RECENT_REPLIES"
MAX_COMPARED = 500  # the newest this many replies of the window are compared


class RecentReplyRecord(Model):
    class Meta:
        table_name = os.environ.get("CASES_TABLE_NAME", "cases")

    case_id = UnicodeAttribute(hash_key=True)
    record = UnicodeAttribute(range_key=True)
    author_key = UnicodeAttribute(null=True)
    text = UnicodeAttribute(null=True)


class RecentRepliesRepository:

    def add(self, posted_at: str, case_id: str, kind: str, author_key: str, text: str) -> None:
        RecentReplyRecord(PARTITION, f"{posted_at}#{case_id}#{kind}", author_key=author_key, text=text).save()

    def since(self, since: str, not_to: str) -> list[str]:
        """Texts of replies posted since `since` to anyone but the author `not_to`, newest first."""
        records = RecentReplyRecord.query(PARTITION, RecentReplyRecord.record > since, scan_index_forward=False,
                                          limit=MAX_COMPARED)
        return [r.text or "" for r in records if r.author_key != not_to]

"""The «Журнал отправки платежных документов» page: filters and keyset paging.

Newest first, by entry id: a page walks an index (by status, run, account number or period)
and stops after one page, so the journal stays fast at 100,000 entries.
"""
from dataclasses import dataclass

from daemon.db.connect import Database
from panel.mailing.journal import Entry, EntryStatus, entry_of

PAGE_SIZE = 50


@dataclass(frozen=True)
class JournalFilter:
    period: str | None = None
    organisation_id: int | None = None
    run_id: int | None = None
    status: EntryStatus | None = None
    account: str = ""  # a personal account number, whole


@dataclass(frozen=True)
class JournalPage:
    entries: list[Entry]
    next_key: int | None   # the id the next (older) page starts after


def where(journal_filter: JournalFilter) -> tuple[str, list]:
    terms, params = [], []
    if journal_filter.period:
        terms.append("j.period = ?")
        params.append(journal_filter.period)
    if journal_filter.run_id is not None:
        terms.append("j.run_id = ?")
        params.append(journal_filter.run_id)
    if journal_filter.status is not None:
        terms.append("j.status = ?")
        params.append(journal_filter.status)
    if journal_filter.account:
        terms.append("j.account_number = ?")
        params.append(journal_filter.account)
    if journal_filter.organisation_id is not None:
        terms.append("j.run_id IN (SELECT id FROM send_runs WHERE organisation_id = ?)")
        params.append(journal_filter.organisation_id)
    return (" WHERE " + " AND ".join(terms)) if terms else "", params


async def journal_page(db: Database, journal_filter: JournalFilter, before: int | None = None,
                       size: int = PAGE_SIZE) -> JournalPage:
    clause, params = where(journal_filter)
    if before is not None:
        clause += (" AND" if clause else " WHERE") + " j.id < ?"
        params.append(before)
    rows = await db.fetchall(f"SELECT j.* FROM send_journal j{clause} ORDER BY j.id DESC LIMIT ?", (*params, size + 1))
    entries = [entry_of(row) for row in rows[:size]]
    return JournalPage(entries, entries[-1].id if len(rows) > size else None)

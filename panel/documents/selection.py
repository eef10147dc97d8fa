"""Which documents a «Платежный документ» report covers: its periods, its accounts, its totals.

The report's list pages come from panel.personal_account_search with a period set; what is
printed or sent covers every account of the selection, not one page.
"""
from decimal import Decimal

from daemon.db.connect import Database
from panel.personal_account_search import ListQuery, mode_of, where_clause

KOPECK = Decimal("0.01")


async def periods(db: Database) -> list[str]:
    """Periods with documents, the newest first."""
    rows = await db.fetchall("SELECT DISTINCT period FROM payment_documents ORDER BY period DESC")
    return [row[0] for row in rows]


async def account_ids(db: Database, query: ListQuery) -> list[int]:
    """Every account of the selection (with a document for its period), by number."""
    source, terms, params = where_clause(query, mode_of(query.text))
    where = f" WHERE {' AND '.join(terms)}" if terms else ""
    rows = await db.fetchall(f"SELECT pa.id FROM {source}{where} ORDER BY pa.number", params)
    return [row[0] for row in rows]


async def summary(db: Database, query: ListQuery) -> tuple[int, Decimal]:
    """(documents, the sum to pay with the advance). Money is stored with exactly two places,
    so it is summed as whole kopecks: exact, and never a float."""
    source, terms, params = where_clause(query, mode_of(query.text))
    where = f" WHERE {' AND '.join(terms)}" if terms else ""
    row = await db.fetchone(
        f"SELECT COUNT(*), COALESCE(SUM(CAST(REPLACE(d.total_with_advance, '.', '') AS INTEGER)), 0)"
        f" FROM {source}{where}",
        params,
    )
    return row[0], Decimal(row[1]) * KOPECK

"""One import: read the file off the event loop, check every row, write in one transaction."""
import asyncio

from daemon.db.connect import Database
from panel.imports.charge_store import store_charges
from panel.imports.charges import plan_charges
from panel.imports.columns import TableKind
from panel.imports.personal_accounts import plan_accounts, store_accounts
from panel.imports.report import ImportFailed, ImportReport, RowError
from panel.imports.table import read_table


async def import_file(db: Database, data: bytes, filename: str, now: float) -> ImportReport:
    """Import personal accounts or monthly charges from CSV or XLSX.

    Never raises for a bad file: the report says what is wrong, line by line, and
    `applied` is True only when every row was good and everything was written.
    """
    report = ImportReport(filename)
    try:
        table = await asyncio.to_thread(read_table, data, filename)
    except ImportFailed as failed:
        report.errors = [RowError(None, message) for message in failed.errors]
        return report
    report.kind = table.kind
    report.rows = len(table.rows)
    if not table.rows and not table.errors:
        report.errors.append(RowError(None, "В файле нет строк с данными, только заголовок"))
        return report
    if table.kind == TableKind.ACCOUNTS:
        accounts = await asyncio.to_thread(plan_accounts, table)
        async with db.transaction() as connection:
            await store_accounts(connection, table, accounts, now, report)
    else:
        charges = await asyncio.to_thread(plan_charges, table)
        async with db.transaction() as connection:
            await store_charges(connection, table, charges, now, report)
    report.errors.sort(key=lambda error: error.line or 0)
    return report

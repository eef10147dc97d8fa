"""Writing planned payment documents: accounts looked up, lines replaced, house facts merged.

Runs inside the caller's transaction. Everything that needs the database (does the account
exist, which building is it in) is checked before the first write; with any problem nothing
is written. The writes are a handful of executemany calls, whatever the size of the file.
"""
from dataclasses import dataclass

import aiosqlite

from panel.imports.charges import ChargePlan, agree
from panel.imports.columns import Level
from panel.imports.report import ImportReport, RowError
from panel.imports.table import Table
from panel.validation import period_label

CHUNK = 500
DOCUMENT_FIELDS = (
    "advance", "last_payment_date", "last_payment_amount", "payments_counted_until",
    "total_for_period", "total_with_advance", "debt_previous", "penalties",
)
HOUSE_FIELDS = ("common_property_area", "residents_in_house", "premises_area", "total_house_area")

_UPSERT_DOCUMENT = (
    f"INSERT INTO payment_documents (account_id, period, {', '.join(DOCUMENT_FIELDS)}, updated_at)"
    f" VALUES (:account_id, :period, {', '.join(':' + name for name in DOCUMENT_FIELDS)}, :updated_at)"
    " ON CONFLICT (account_id, period) DO UPDATE SET "
    + ", ".join(f"{name} = excluded.{name}" for name in (*DOCUMENT_FIELDS, "updated_at"))
)
# A house figure not given in the file keeps its stored value (None -> keep).
_UPSERT_HOUSE = (
    "INSERT INTO house_facts (building, period, common_property_area, residents_in_house, premises_area,"
    " total_house_area) VALUES (:building, :period, COALESCE(:common_property_area, ''), :residents_in_house,"
    " COALESCE(:premises_area, ''), COALESCE(:total_house_area, ''))"
    " ON CONFLICT (building, period) DO UPDATE SET "
    + ", ".join(f"{name} = COALESCE(:{name}, house_facts.{name})" for name in HOUSE_FIELDS)
)


@dataclass(frozen=True)
class AccountPlace:
    id: int
    building: str


async def _accounts(connection: aiosqlite.Connection, numbers: list[str]) -> dict[str, AccountPlace]:
    found: dict[str, AccountPlace] = {}
    for start in range(0, len(numbers), CHUNK):
        chunk = numbers[start:start + CHUNK]
        async with connection.execute(
            f"SELECT number, id, building FROM personal_accounts WHERE number IN ({', '.join('?' * len(chunk))})",
            chunk,
        ) as cursor:
            async for number, account_id, building in cursor:
                found[number] = AccountPlace(account_id, building)
    return found


async def _document_ids(connection: aiosqlite.Connection, periods: list[str]) -> dict[tuple[int, str], int]:
    async with connection.execute(
        f"SELECT account_id, period, id FROM payment_documents WHERE period IN ({', '.join('?' * len(periods))})",
        periods,
    ) as cursor:
        return {(account_id, period): document_id async for account_id, period, document_id in cursor}


def _check(
    table: Table, plan: ChargePlan, accounts: dict[str, AccountPlace],
) -> tuple[list[RowError], dict[tuple[str, str], dict]]:
    """Problems that need the database, and the house facts by (building, period)."""
    errors: list[RowError] = []
    houses: dict[tuple[str, str], dict] = {}
    house_lines: dict[tuple[str, str], dict[str, int]] = {}
    house_columns = [column for column in table.columns if column.level == Level.HOUSE]
    for document in plan.documents:
        account = accounts.get(document.account_number)
        if account is None:
            errors.append(RowError(document.line, (
                f"лицевой счет «{document.account_number}» не найден; сначала загрузите лицевые счета")))
            continue
        for line, values in document.house_rows:
            if all(value in ("", None) for value in values.values()):
                continue
            if not account.building:
                errors.append(RowError(line, (
                    f"у лицевого счета «{document.account_number}» не указано здание:"
                    " сведения о доме некуда записать")))
                continue
            key = (account.building, document.period)
            errors.extend(agree(
                house_columns, values, line, table, houses.setdefault(key, {}), house_lines.setdefault(key, {}),
                f"дома «{account.building}», {period_label(document.period)}"))
    return errors, houses


async def store_charges(
    connection: aiosqlite.Connection, table: Table, plan: ChargePlan, now: float, report: ImportReport,
) -> None:
    numbers = list(dict.fromkeys(document.account_number for document in plan.documents))
    accounts = await _accounts(connection, numbers)
    errors, houses = _check(table, plan, accounts)
    report.errors.extend(plan.errors)
    report.errors.extend(errors)
    if report.errors:
        return
    periods = sorted({document.period for document in plan.documents})
    before = await _document_ids(connection, periods)
    await connection.executemany(_UPSERT_DOCUMENT, [
        {"account_id": accounts[document.account_number].id, "period": document.period, "updated_at": now}
        | {name: document.fields.get(name, "") for name in DOCUMENT_FIELDS}
        for document in plan.documents
    ])
    after = await _document_ids(connection, periods)
    document_ids = [after[(accounts[document.account_number].id, document.period)] for document in plan.documents]
    await connection.executemany("DELETE FROM charge_lines WHERE document_id = ?", [(id_,) for id_ in document_ids])
    lines = [
        {"document_id": document_id, "position": position} | line
        for document_id, document in zip(document_ids, plan.documents)
        for position, line in enumerate(document.lines, start=1)
    ]
    names = list(lines[0])
    await connection.executemany(
        f"INSERT INTO charge_lines ({', '.join(names)}) VALUES ({', '.join(':' + name for name in names)})", lines)
    await connection.executemany(_UPSERT_HOUSE, [
        {"building": building, "period": period} | {name: facts.get(name) for name in HOUSE_FIELDS}
        for (building, period), facts in houses.items()
    ])
    report.updated = sum(
        (accounts[document.account_number].id, document.period) in before for document in plan.documents)
    report.created = len(plan.documents) - report.updated
    report.applied = True

"""Importing personal accounts (лицевые счета): checked rows, then one upsert by number.

A column missing from the file leaves that field of an existing account as it is; a column
that is present but empty clears it. A new organisation named in the file is created.
"""
from dataclasses import dataclass, field

import aiosqlite

from panel.imports.report import ImportReport, RowError
from panel.imports.table import Table
from panel.imports.values import RowParser, Stored

CHUNK = 500   # numbers per SELECT ... IN (...)


@dataclass
class AccountPlan:
    records: list[dict[str, Stored]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)      # the file line of each record
    errors: list[RowError] = field(default_factory=list)


@dataclass(frozen=True)
class ExistingAccount:
    delivery_method: str
    email: str


def plan_accounts(table: Table) -> AccountPlan:
    """Every row checked on its own and against the other rows; no database needed."""
    plan = AccountPlan(errors=list(table.errors))
    first_line: dict[str, int] = {}
    parser = RowParser(table)
    for row in table.rows:
        values, errors = parser.parse(row)
        number = values.get("number")
        if number and number in first_line:
            errors.append(RowError(
                row.line, f"номер лицевого счета «{number}» уже встречается в строке {first_line[number]}"))
        elif number:
            first_line[number] = row.line
        if errors:
            plan.errors.extend(errors)
            continue
        if table.has("delivery_method") and not values["delivery_method"]:
            values["delivery_method"] = "post"
        plan.records.append(values)
        plan.lines.append(row.line)
    return plan


async def _existing(connection: aiosqlite.Connection, numbers: list[str]) -> dict[str, ExistingAccount]:
    found: dict[str, ExistingAccount] = {}
    for start in range(0, len(numbers), CHUNK):
        chunk = numbers[start:start + CHUNK]
        marks = ", ".join("?" * len(chunk))
        async with connection.execute(
            f"SELECT number, delivery_method, email FROM personal_accounts WHERE number IN ({marks})", chunk,
        ) as cursor:
            async for number, delivery, email in cursor:
                found[number] = ExistingAccount(delivery, email)
    return found


def _delivery_errors(plan: AccountPlan, existing: dict[str, ExistingAccount]) -> list[RowError]:
    """«По электронной почте» needs an address; the file and the stored account together decide."""
    errors = []
    for line, record in zip(plan.lines, plan.records):
        stored = existing.get(record["number"])
        delivery = record.get("delivery_method", stored.delivery_method if stored else "post")
        address = record.get("email", stored.email if stored else "")
        if delivery == "email" and not address:
            errors.append(RowError(
                line, "способ доставки «По электронной почте», но электронная почта не указана"))
    return errors


async def _organisation_ids(
    connection: aiosqlite.Connection, names: list[str], now: float, report: ImportReport,
) -> dict[str, int]:
    ids: dict[str, int] = {}
    for name in dict.fromkeys(names):
        async with connection.execute("SELECT id FROM organisations WHERE name = ?", (name,)) as cursor:
            row = await cursor.fetchone()
        if row is None:
            async with connection.execute(
                "INSERT INTO organisations (name, updated_at) VALUES (?, ?) RETURNING id", (name, now),
            ) as cursor:
                row = await cursor.fetchone()
            report.organisations_created.append(name)
        ids[name] = row[0]
    return ids


async def store_accounts(
    connection: aiosqlite.Connection, table: Table, plan: AccountPlan, now: float, report: ImportReport,
) -> None:
    """Inside the caller's transaction: check against the database, then write all or nothing."""
    existing = await _existing(connection, [record["number"] for record in plan.records])
    report.errors.extend(plan.errors)
    report.errors.extend(_delivery_errors(plan, existing))
    if report.errors:
        return
    organisations = {}
    if table.has("organisation"):
        names = [record["organisation"] for record in plan.records if record["organisation"]]
        organisations = await _organisation_ids(connection, names, now, report)
    rows = []
    for record in plan.records:
        row = {name: value for name, value in record.items() if name != "organisation"}
        if table.has("organisation"):
            row["organisation_id"] = organisations.get(record["organisation"])
        row["updated_at"] = now
        rows.append(row)
    names = list(rows[0])
    compared = [name for name in names if name not in ("number", "updated_at")]
    updates = ", ".join(f"{name} = excluded.{name}" for name in names if name != "number")
    # An unchanged account is not written: its updated_at stays, and the search index
    # (rewritten by a trigger on every update) is spared on a monthly re-import of all accounts.
    cursor = await connection.executemany(
        f"INSERT INTO personal_accounts ({', '.join(names)})"
        f" VALUES ({', '.join(':' + name for name in names)})"
        f" ON CONFLICT (number) DO UPDATE SET {updates}"
        f" WHERE ({', '.join('personal_accounts.' + name for name in compared)})"
        f" IS NOT ({', '.join('excluded.' + name for name in compared)})",
        rows,
    )
    known = sum(record["number"] in existing for record in plan.records)
    report.created = len(plan.records) - known
    report.updated = cursor.rowcount - report.created
    report.unchanged = known - report.updated
    report.applied = True

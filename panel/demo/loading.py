"""Loading the demo: what is missing of it is added through the staff's own import.

The seed's example comes from examples/ as shipped; the generated accounts and documents
are written as CSV files in memory and imported like any staff file. Only what is missing
is added, so loading again changes nothing, and an account or a document someone has edited
since stays as it is. Nothing outside the demo is touched: when a demo organisation's name,
an account number or a building is already someone else's, nothing is loaded and the
problems are listed instead.
"""
import asyncio
import csv
import io
import logging
import random
from dataclasses import dataclass, field
from pathlib import Path

from daemon.db.connect import Database
from panel.demo import documents
from panel.demo.households import Household, households
from panel.demo.organisations import DEMO_NOTE, ORGANISATIONS, REQUISITES, SEED_ORGANISATION
from panel.imports import ACCOUNT_COLUMNS, CHARGE_COLUMNS, import_file
from panel.imports.columns import Column
from panel.imports.report_text import report_lines
from panel.organisations_store import create_organisation, update_organisation

log = logging.getLogger(__name__)

# The example files ship in the source tree, next to the packages.
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SEED_ACCOUNTS, SEED_CHARGES = "accounts.csv", "charges-2013-07.csv"
SEED_NUMBER = "000000001001"
SEED_BUILDING = "Москва, Братиславская, д. 1"
PERIOD = "2013-07"
RANDOM_SEED = 20130725
CHUNK = 500          # numbers per SELECT ... IN (...)


@dataclass(frozen=True)
class Generated:
    households: list[Household]
    charges: dict[str, list[dict[str, str]]]       # account number -> its document's rows


@dataclass
class DemoResult:
    organisations_added: int = 0
    accounts_added: int = 0
    documents_added: int = 0
    problems: list[str] = field(default_factory=list)
    accounts: int = 0            # the demo's, once loaded
    documents: int = 0

    @property
    def loaded(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        if self.problems:
            return ["demo data not loaded:", *(f"  {problem}" for problem in self.problems)]
        counts = (
            (len(ORGANISATIONS), "organisations", self.organisations_added),
            (self.accounts, "personal accounts", self.accounts_added),
            (self.documents, f"payment documents for {PERIOD}", self.documents_added),
        )
        if not any(added for _, _, added in counts):
            return ["demo data already loaded, nothing changed: "
                    + ", ".join(f"{count} {what}" for count, what, _ in counts)]
        return ["demo data loaded: " + ", ".join(f"{count} {what} ({added} added)" for count, what, added in counts)]


def generate() -> Generated:
    """Every generated account and document; the same on every run (one seeded random.Random)."""
    rng = random.Random(RANDOM_SEED)
    people = households(rng)
    houses = documents.house_facts(people)
    charges = {
        household.number: documents.document_rows(rng, household, houses[household.building.name])
        for household in people if household.billed
    }
    return Generated(people, charges)


def csv_file(columns: tuple[Column, ...], rows: list[dict[str, str]]) -> bytes:
    """An import file as a person's spreadsheet would save it: the Russian headers, then the rows."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([column.label for column in columns])
    writer.writerows([row.get(column.name, "") for column in columns] for row in rows)
    return buffer.getvalue().encode("utf-8")


async def _by_number(db: Database, numbers: list[str], sql: str, *params: str) -> list:
    """The rows of a query "... IN ({marks})" over the numbers, a chunk at a time, after the params."""
    rows = []
    for start in range(0, len(numbers), CHUNK):
        chunk = numbers[start:start + CHUNK]
        rows += await db.fetchall(sql.format(marks=", ".join("?" * len(chunk))), [*params, *chunk])
    return rows


async def _conflicts(db: Database, owners: dict[str, str], buildings: list[str]) -> list[str]:
    """Demo names, numbers and buildings that are already someone else's (messages in Russian)."""
    problems = []
    names = list(ORGANISATIONS)
    for row in await db.fetchall(
        f"SELECT id, name, note, {', '.join(REQUISITES)} FROM organisations"
        f" WHERE name IN ({', '.join('?' * len(names))})", names,
    ):
        if row["note"] == DEMO_NOTE:
            continue
        if any(row[name] for name in REQUISITES):
            problems.append(f"Организация «{row['name']}» уже есть, с реквизитами, и не демонстрационная")
            continue
        accounts = await db.fetchall("SELECT number FROM personal_accounts WHERE organisation_id = ?", (row["id"],))
        if others := [account["number"] for account in accounts if account["number"] not in owners]:
            problems.append(f"Организация «{row['name']}» уже есть, и в ней лицевые счета не из демонстрационных"
                            f" данных: {', '.join(others[:3])}{' и другие' if len(others) > 3 else ''}")
    for row in await _by_number(db, list(owners), (
        "SELECT a.number, o.name FROM personal_accounts a LEFT JOIN organisations o ON o.id = a.organisation_id"
        " WHERE a.number IN ({marks})")):
        if row["name"] != owners[row["number"]]:
            problems.append(f"Лицевой счет {row['number']} уже есть в другой организации"
                            f" («{row['name'] or 'не указана'}»)")
    for row in await db.fetchall(
        "SELECT DISTINCT a.building FROM personal_accounts a LEFT JOIN organisations o ON o.id = a.organisation_id"
        f" WHERE a.building IN ({', '.join('?' * len(buildings))})"
        f" AND (o.name IS NULL OR o.name NOT IN ({', '.join('?' * len(names))}))", [*buildings, *names],
    ):
        problems.append(f"В здании «{row['building']}» уже есть лицевые счета другой организации")
    return problems


async def _add_organisations(db: Database, now: float) -> int:
    """Create the missing ones; give a same-named one without requisites (the seed's example
    imported earlier) the demo's requisites and note, keeping what it has."""
    added = 0
    for name, values in ORGANISATIONS.items():
        row = await db.fetchone("SELECT * FROM organisations WHERE name = ?", (name,))
        if row is None:
            await create_organisation(db, values, now)
            added += 1
        elif row["note"] != DEMO_NOTE:
            kept = {key: row[key] for key in values if key not in (*REQUISITES, "note") and row[key]}
            await update_organisation(db, row["id"], values | kept, now)
            added += 1
    return added


async def _missing(db: Database, numbers: list[str], sql: str, *params: str) -> set[str]:
    """The numbers the query does not find (its first column)."""
    return set(numbers) - {row[0] for row in await _by_number(db, numbers, sql, *params)}


async def _import(db: Database, data: bytes, filename: str, now: float, result: DemoResult) -> int:
    report = await import_file(db, data, filename, now)
    if not report.applied:
        result.problems += report_lines(report)
    return report.created


async def load_demo(db: Database, now: float, examples: Path = EXAMPLES) -> DemoResult:
    """Add whatever of the demo is missing; the result says what was added, or why nothing was."""
    result = DemoResult()
    seed_files = {name: examples / name for name in (SEED_ACCOUNTS, SEED_CHARGES)}
    if not all(path.is_file() for path in seed_files.values()):
        result.problems.append(f"the seed's example files are not in {examples} (an installed package has no"
                               f" examples/): run the command from the source tree")
        return result
    generated = await asyncio.to_thread(generate)
    owners = {SEED_NUMBER: SEED_ORGANISATION} | {
        household.number: household.building.organisation for household in generated.households}
    buildings = [SEED_BUILDING, *dict.fromkeys(household.building.name for household in generated.households)]
    result.problems = await _conflicts(db, owners, buildings)
    if result.problems:
        return result
    result.organisations_added = await _add_organisations(db, now)

    numbers = list(owners)
    new = await _missing(db, numbers, "SELECT number FROM personal_accounts WHERE number IN ({marks})")
    if SEED_NUMBER in new:
        data = await asyncio.to_thread(seed_files[SEED_ACCOUNTS].read_bytes)
        result.accounts_added += await _import(db, data, SEED_ACCOUNTS, now, result)
    rows = [household.row for household in generated.households if household.number in new]
    if rows and not result.problems:
        result.accounts_added += await _import(db, csv_file(ACCOUNT_COLUMNS, rows), "demo-accounts.csv", now, result)

    billed = [SEED_NUMBER, *generated.charges]
    unbilled = await _missing(db, billed, (
        "SELECT a.number FROM personal_accounts a JOIN payment_documents d ON d.account_id = a.id"
        " WHERE d.period = ? AND a.number IN ({marks})"), PERIOD)
    if SEED_NUMBER in unbilled and not result.problems:
        data = await asyncio.to_thread(seed_files[SEED_CHARGES].read_bytes)
        result.documents_added += await _import(db, data, SEED_CHARGES, now, result)
    rows = [row for number, lines in generated.charges.items() if number in unbilled for row in lines]
    if rows and not result.problems:
        result.documents_added += await _import(
            db, csv_file(CHARGE_COLUMNS, rows), f"demo-charges-{PERIOD}.csv", now, result)
    result.accounts, result.documents = len(numbers), len(billed)
    return result


async def load_demo_data(db: Database, now: float, examples: Path = EXAMPLES) -> bool:
    """The first start's demo: loaded only into a database with no organisation and no account."""
    row = await db.fetchone(
        "SELECT (SELECT COUNT(*) FROM organisations) + (SELECT COUNT(*) FROM personal_accounts)")
    if row[0]:
        return False
    result = await load_demo(db, now, examples)
    for line in result.lines():
        (log.info if result.loaded else log.warning)("%s", line)
    return result.loaded

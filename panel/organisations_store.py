"""Organisations (УК, ТСЖ) in the database: the requisites the payment document prints."""
import sqlite3
from dataclasses import dataclass

from daemon.db.connect import Database

FIELDS = (
    "name", "kind", "inn", "kpp", "bank_account", "bank_name", "bic", "corr_account",
    "address", "phone", "email", "site", "work_hours",
    "centre_name", "centre_address", "centre_work_hours", "pdf_password_rule", "note", "email_text",
)


class NameTaken(ValueError):
    """Another organisation already has this name."""


@dataclass(frozen=True)
class OrganisationRow:
    id: int
    name: str
    kind: str
    inn: str
    kpp: str
    note: str
    accounts: int


async def list_organisations(db: Database) -> list[OrganisationRow]:
    """Every organisation by name, with how many personal accounts it serves."""
    rows = await db.fetchall(
        "SELECT o.id, o.name, o.kind, o.inn, o.kpp, o.note,"
        " (SELECT COUNT(*) FROM personal_accounts a WHERE a.organisation_id = o.id) AS accounts"
        " FROM organisations o ORDER BY o.name"
    )
    return [OrganisationRow(**dict(row)) for row in rows]


async def choices(db: Database) -> list[tuple[int, str]]:
    """(id, name) for a select box."""
    rows = await db.fetchall("SELECT id, name FROM organisations ORDER BY name")
    return [(row["id"], row["name"]) for row in rows]


async def find_organisation(db: Database, text: str) -> tuple[int, str] | None:
    """(id, name) of the organisation a command line names: its exact name, or its id."""
    row = await db.fetchone("SELECT id, name FROM organisations WHERE name = ?", (text,))
    if row is None and text.isascii() and text.isdigit():
        row = await db.fetchone("SELECT id, name FROM organisations WHERE id = ?", (int(text),))
    return (row["id"], row["name"]) if row else None


async def get_organisation(db: Database, organisation_id: int) -> dict[str, str] | None:
    row = await db.fetchone(
        f"SELECT id, {', '.join(FIELDS)} FROM organisations WHERE id = ?", (organisation_id,)
    )
    return dict(row) if row else None


async def _name_taken(db: Database, name: str, except_id: int | None) -> bool:
    row = await db.fetchone(
        "SELECT 1 FROM organisations WHERE name = ? AND id IS NOT ?", (name, except_id)
    )
    return row is not None


async def create_organisation(db: Database, values: dict[str, str], now: float) -> int:
    """Insert and return the new id; raises NameTaken."""
    if await _name_taken(db, values["name"], None):
        raise NameTaken(values["name"])
    names = ", ".join(FIELDS)
    marks = ", ".join("?" * len(FIELDS))
    try:
        async with db.transaction() as tx:
            async with tx.execute(
                f"INSERT INTO organisations ({names}, updated_at) VALUES ({marks}, ?) RETURNING id",
                (*(values[name] for name in FIELDS), now),
            ) as cursor:
                row = await cursor.fetchone()
    except sqlite3.IntegrityError as error:  # a concurrent insert of the same name
        if "UNIQUE" not in str(error):
            raise
        raise NameTaken(values["name"]) from error
    return row[0]


async def update_organisation(db: Database, organisation_id: int, values: dict[str, str], now: float) -> bool:
    """Update in place; False when there is no such organisation; raises NameTaken."""
    if await _name_taken(db, values["name"], organisation_id):
        raise NameTaken(values["name"])
    assignments = ", ".join(f"{name} = ?" for name in FIELDS)
    try:
        changed = await db.execute(
            f"UPDATE organisations SET {assignments}, updated_at = ? WHERE id = ?",
            (*(values[name] for name in FIELDS), now, organisation_id),
        )
    except sqlite3.IntegrityError as error:
        if "UNIQUE" not in str(error):
            raise
        raise NameTaken(values["name"]) from error
    return changed == 1

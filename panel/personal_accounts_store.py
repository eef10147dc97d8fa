"""Personal accounts (лицевые счета) in the database: one card read and written."""
import enum
import sqlite3

from daemon.db.connect import Database

FIELDS = (
    "number", "code", "payer", "payer_on_document", "owner", "organisation_id",
    "premises", "building", "postal_address", "total_area", "living_area",
    "registered", "residents", "category", "ownership_share", "housing_fund",
    "opened", "closed", "delivery_method", "email", "phone", "capital_repair_number",
)


class DeliveryMethod(enum.StrEnum):
    """«Способ доставки платежного документа»: only EMAIL gets the document by e-mail."""
    EMAIL = "email"
    POST = "post"
    IN_PERSON = "in_person"

    @property
    def label(self) -> str:
        return DELIVERY_LABELS[self]


DELIVERY_LABELS = {
    DeliveryMethod.EMAIL: "По электронной почте",
    DeliveryMethod.POST: "Почтой",
    DeliveryMethod.IN_PERSON: "Лично",
}


class NumberTaken(ValueError):
    """Another account already has this number."""


async def get_account(db: Database, account_id: int) -> dict | None:
    row = await db.fetchone(
        f"SELECT a.id, {', '.join('a.' + name for name in FIELDS)}, o.name AS organisation_name"
        " FROM personal_accounts a LEFT JOIN organisations o ON o.id = a.organisation_id WHERE a.id = ?",
        (account_id,),
    )
    return dict(row) if row else None


async def _number_taken(db: Database, number: str, except_id: int | None) -> bool:
    row = await db.fetchone("SELECT 1 FROM personal_accounts WHERE number = ? AND id IS NOT ?", (number, except_id))
    return row is not None


async def create_account(db: Database, values: dict, now: float) -> int:
    """Insert and return the new id; raises NumberTaken."""
    if await _number_taken(db, values["number"], None):
        raise NumberTaken(values["number"])
    try:
        async with db.transaction() as tx:
            async with tx.execute(
                f"INSERT INTO personal_accounts ({', '.join(FIELDS)}, updated_at)"
                f" VALUES ({', '.join('?' * len(FIELDS))}, ?) RETURNING id",
                (*(values[name] for name in FIELDS), now),
            ) as cursor:
                row = await cursor.fetchone()
    except sqlite3.IntegrityError as error:  # the same number inserted meanwhile (an import)
        if "UNIQUE" not in str(error):
            raise
        raise NumberTaken(values["number"]) from error
    return row[0]


async def update_account(db: Database, account_id: int, values: dict, now: float) -> bool:
    """Update in place; False when there is no such account; raises NumberTaken."""
    if await _number_taken(db, values["number"], account_id):
        raise NumberTaken(values["number"])
    assignments = ", ".join(f"{name} = ?" for name in FIELDS)
    try:
        changed = await db.execute(
            f"UPDATE personal_accounts SET {assignments}, updated_at = ? WHERE id = ?",
            (*(values[name] for name in FIELDS), now, account_id),
        )
    except sqlite3.IntegrityError as error:
        if "UNIQUE" not in str(error):
            raise
        raise NumberTaken(values["number"]) from error
    return changed == 1

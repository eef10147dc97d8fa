"""Payment documents read from the panel's store, typed for the renderer.

Synchronous on purpose: documents are read where they are rendered, in the job processes
(panel/jobs.py), so that thousands of them never cost the event loop the relay shares.
A few queries per batch, whatever its size: the documents with their accounts and
organisations, then all their lines, then the house facts of their buildings.
"""
import datetime as dt
import sqlite3
from collections.abc import Iterable, Iterator
from decimal import Decimal

from panel.documents.model import ChargeLine, HouseFacts, PaymentDocument, Recipient, SettlementCentre

BATCH = 500  # documents per round of queries (SQLite's limit on parameters is far above)

_LINE_FIGURES = (
    "volume_individual", "volume_common", "tariff", "amount_individual", "amount_common", "charged",
    "recalculation", "benefits", "total", "total_individual", "total_common", "norm_individual",
    "norm_common", "meter_individual", "meter_common", "house_volume_individual", "house_volume_common",
    "instalment_payment", "instalment_interest",
)
_RECIPIENT = (
    "name", "kind", "inn", "kpp", "bank_account", "bank_name", "bic", "corr_account", "address", "phone",
    "email", "site", "work_hours",
)

_DOCUMENTS = f"""
SELECT d.id AS document_id, d.period, d.advance, d.last_payment_date, d.last_payment_amount,
       d.payments_counted_until, d.total_for_period, d.total_with_advance, d.debt_previous, d.penalties,
       a.id AS account_id, a.number, a.payer, a.payer_on_document, a.postal_address, a.premises,
       a.building, a.total_area, a.residents, a.capital_repair_number,
       {", ".join(f"COALESCE(o.{name}, '') AS o_{name}" for name in _RECIPIENT)},
       COALESCE(o.centre_name, '') AS centre_name, COALESCE(o.centre_address, '') AS centre_address,
       COALESCE(o.centre_work_hours, '') AS centre_work_hours
FROM payment_documents d
JOIN personal_accounts a ON a.id = d.account_id
LEFT JOIN organisations o ON o.id = a.organisation_id
WHERE d.period = ? AND d.account_id IN ({{ids}})
"""


def _decimal(text: str | None) -> Decimal | None:
    return Decimal(text) if text else None


def _date(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def read_document(connection: sqlite3.Connection, account_id: int, period: str) -> PaymentDocument | None:
    """One account's document for a period, or None when none was imported."""
    return next(read_documents(connection, [account_id], period), None)


def read_documents(
    connection: sqlite3.Connection, account_ids: Iterable[int], period: str
) -> Iterator[PaymentDocument]:
    """The period's documents of these accounts, in the order given; accounts without one are skipped."""
    connection.row_factory = sqlite3.Row
    ids = list(account_ids)
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        rows = connection.execute(_DOCUMENTS.format(ids=", ".join("?" * len(chunk))), (period, *chunk)).fetchall()
        by_account = {row["account_id"]: row for row in rows}
        lines = _lines(connection, [row["document_id"] for row in rows])
        houses = _houses(connection, {row["building"] for row in rows}, period)
        for account_id in chunk:
            row = by_account.get(account_id)
            if row is not None:
                yield _document(row, lines.get(row["document_id"], ()), houses.get(row["building"]))


def _lines(connection: sqlite3.Connection, document_ids: list[int]) -> dict[int, list[ChargeLine]]:
    found: dict[int, list[ChargeLine]] = {}
    if not document_ids:
        return found
    rows = connection.execute(
        f"SELECT * FROM charge_lines WHERE document_id IN ({', '.join('?' * len(document_ids))})"
        " ORDER BY document_id, position",
        document_ids,
    )
    for row in rows:
        found.setdefault(row["document_id"], []).append(ChargeLine(
            service=row["service"], section=row["section"], unit=row["unit"],
            volume_individual_basis=row["volume_individual_basis"],
            volume_common_basis=row["volume_common_basis"],
            recalculation_reason=row["recalculation_reason"],
            **{name: _decimal(row[name]) for name in _LINE_FIGURES},
        ))
    return found


def _houses(connection: sqlite3.Connection, buildings: set[str], period: str) -> dict[str, HouseFacts]:
    buildings.discard("")
    if not buildings:
        return {}
    rows = connection.execute(
        f"SELECT * FROM house_facts WHERE period = ? AND building IN ({', '.join('?' * len(buildings))})",
        (period, *buildings),
    )
    return {
        row["building"]: HouseFacts(
            common_property_area=_decimal(row["common_property_area"]),
            residents_in_house=row["residents_in_house"],
            premises_area=_decimal(row["premises_area"]),
            total_house_area=_decimal(row["total_house_area"]),
        )
        for row in rows
    }


def _document(row: sqlite3.Row, lines: Iterable[ChargeLine], house: HouseFacts | None) -> PaymentDocument:
    return PaymentDocument(
        period=row["period"],
        account_number=row["number"],
        payer=row["payer_on_document"] or row["payer"],
        address=row["postal_address"] or row["premises"] or row["building"],
        recipient=Recipient(**{name: row[f"o_{name}"] for name in _RECIPIENT}),
        centre=SettlementCentre(row["centre_name"], row["centre_address"], row["centre_work_hours"]),
        total_area=_decimal(row["total_area"]),
        residents=row["residents"],
        advance=_decimal(row["advance"]),
        last_payment_date=_date(row["last_payment_date"]),
        last_payment_amount=_decimal(row["last_payment_amount"]),
        payments_counted_until=_date(row["payments_counted_until"]),
        total_for_period=Decimal(row["total_for_period"]),
        total_with_advance=Decimal(row["total_with_advance"]),
        debt_previous=_decimal(row["debt_previous"]),
        penalties=_decimal(row["penalties"]),
        capital_repair_number=row["capital_repair_number"],
        lines=tuple(lines),
        house=house,
    )

"""The generated part of the demo, as stored: figures that agree, and every shape a document meets."""
import sqlite3
from collections import Counter
from contextlib import closing
from decimal import Decimal

import pytest

from daemon.db.connect import connect
from daemon.db.migrate import Schema
from panel import organisation_form, validation
from panel.demo import load_demo
from panel.demo.loading import generate
from panel.demo.organisations import ORGANISATIONS, SECOND_ORGANISATION, SEED_ORGANISATION
from panel.documents.read_model import read_documents

ZERO = Decimal("0.00")


def amount(text: str) -> Decimal:
    return Decimal(text) if text else ZERO


@pytest.fixture
async def db(tmp_path):
    database = await connect(tmp_path / "panel.db", Schema.PANEL)
    result = await load_demo(database, 0)
    assert result.loaded, result.problems
    yield database
    await database.close()


def test_the_same_demo_every_time():
    assert generate() == generate()


def test_the_requisites_pass_the_panels_checks():
    for name, values in ORGANISATIONS.items():
        checked, errors = organisation_form.check(values)
        assert (errors, checked) == ({}, values), name
    assert organisation_form.missing_printed(ORGANISATIONS[SEED_ORGANISATION]) == ["адрес"]   # as in the seed
    assert organisation_form.missing_printed(ORGANISATIONS[SECOND_ORGANISATION]) == [
        "расчетный счет", "банк", "БИК", "корреспондентский счет"]


async def test_every_document_agrees_with_its_lines(db):
    documents = await db.fetchall("SELECT * FROM payment_documents")
    lines = await db.fetchall("SELECT * FROM charge_lines")
    by_document = {}
    for line in lines:
        by_document.setdefault(line["document_id"], []).append(line)
        if line["amount_individual"] or line["amount_common"]:
            assert amount(line["charged"]) == amount(line["amount_individual"]) + amount(line["amount_common"])
        assert amount(line["total"]) == (
            amount(line["charged"]) + amount(line["recalculation"]) - amount(line["benefits"])), dict(line)
        if line["recalculation"]:
            assert line["recalculation_reason"], dict(line)
    for document in documents:
        total = sum((amount(line["total"]) for line in by_document[document["id"]]), ZERO)
        assert amount(document["total_for_period"]) == total
        owed = total + amount(document["debt_previous"]) + amount(document["penalties"]) - amount(document["advance"])
        assert amount(document["total_with_advance"]) == max(ZERO, owed)


async def test_documents_come_in_every_shape(db):
    sizes = [row[0] for row in await db.fetchall("SELECT COUNT(*) FROM charge_lines GROUP BY document_id")]
    assert min(sizes) <= 4 and 35 <= max(sizes) <= 40
    lines = await db.fetchall("SELECT * FROM charge_lines")
    assert any(line["recalculation"].startswith("-") and line["recalculation_reason"] for line in lines)
    assert any(line["instalment_payment"] and line["instalment_interest"] for line in lines)
    assert any(line["benefits"] for line in lines)
    assert any(line["total"] == "0.00" for line in lines)
    capital = [line for line in lines if line["section"] == "Взнос на капитальный ремонт"]
    assert capital and all(line["service"] == "Взнос на капитальный ремонт" for line in capital)
    documents = await db.fetchall("SELECT * FROM payment_documents")
    assert any(amount(document["debt_previous"]) > 0 for document in documents)
    assert any(amount(document["debt_previous"]) < 0 for document in documents)
    assert any(document["penalties"] for document in documents)
    assert any(amount(document["advance"]) > 0 and document["total_with_advance"] == "0.00" for document in documents)


async def test_accounts_come_in_every_shape(db):
    accounts = await db.fetchall("SELECT * FROM personal_accounts")
    methods = Counter(account["delivery_method"] for account in accounts)
    assert set(methods) == {"email", "post", "in_person"} and min(methods.values()) >= 30
    for account in accounts:
        if account["delivery_method"] == "email" or account["email"]:
            assert validation.email(account["email"]) == account["email"]
    assert any(account["email"] and account["delivery_method"] == "post" for account in accounts)
    assert max(len(account["payer"]) for account in accounts) > 80
    assert max(len(account["postal_address"]) for account in accounts) > 120
    assert any(account["capital_repair_number"] for account in accounts)
    assert any(account["closed"] for account in accounts)
    assert any(account["residents"] == 0 for account in accounts)


async def test_every_document_reads_back_for_the_renderer(db, tmp_path):
    with closing(sqlite3.connect(tmp_path / "panel.db")) as connection:
        ids = [row[0] for row in connection.execute("SELECT account_id FROM payment_documents ORDER BY account_id")]
        read = list(read_documents(connection, ids, "2013-07"))
    assert len(read) == len(ids) == 335
    assert max(len(document.lines) for document in read) == 40
    assert {document.recipient.bic for document in read} == {"040000999", ""}

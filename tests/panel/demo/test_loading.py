"""Loading the demo into a real database: the seed's example as shipped, and nothing but the demo touched."""
import pytest

from daemon.db.connect import connect
from daemon.db.migrate import Schema
from panel.demo import load_demo
from panel.demo.organisations import DEMO_NOTE, ORGANISATIONS, SEED_ORGANISATION
from panel.imports import import_file
from tests.panel.seed_tables import EXAMPLES, csv_bytes

NOW = 1_700_000_000.0
SEED_NUMBER = "000000001001"
# One row per table, what the seed's example is once imported: ids and times left out.
SEED_QUERIES = (
    "SELECT * FROM personal_accounts WHERE number = ?",
    "SELECT d.* FROM payment_documents d JOIN personal_accounts a ON a.id = d.account_id WHERE a.number = ?",
    "SELECT l.* FROM charge_lines l JOIN payment_documents d ON d.id = l.document_id"
    " JOIN personal_accounts a ON a.id = d.account_id WHERE a.number = ? ORDER BY l.position",
)


@pytest.fixture
async def db(tmp_path):
    database = await connect(tmp_path / "state" / "panel.db", Schema.PANEL)
    yield database
    await database.close()


@pytest.fixture
async def examples_db(tmp_path):
    """The shipped examples imported as a person would (the old first start did the same)."""
    database = await connect(tmp_path / "examples" / "panel.db", Schema.PANEL)
    for name in ("accounts.csv", "charges-2013-07.csv"):
        report = await import_file(database, (EXAMPLES / name).read_bytes(), name, NOW)
        assert report.applied, report.messages()
    yield database
    await database.close()


async def seed_rows(db) -> list[list[dict]]:
    unstable = {"id", "account_id", "document_id", "organisation_id", "updated_at"}
    return [
        [{key: value for key, value in dict(row).items() if key not in unstable}
         for row in await db.fetchall(query, (SEED_NUMBER,))]
        for query in SEED_QUERIES
    ]


async def dump(db) -> dict[str, list[tuple]]:
    tables = ("organisations", "personal_accounts", "payment_documents", "charge_lines", "house_facts")
    return {table: [tuple(row) for row in await db.fetchall(f"SELECT * FROM {table} ORDER BY 1, 2")]
            for table in tables}


async def loaded(db, **kwargs):
    result = await load_demo(db, NOW, **kwargs)
    assert result.loaded, result.problems
    return result


async def test_the_seed_example_is_the_shipped_examples(db, examples_db):
    await loaded(db)
    rows = await seed_rows(db)
    assert rows == await seed_rows(examples_db)
    assert [len(table) for table in rows] == [1, 1, 8]


async def test_a_seed_example_loaded_before_gets_the_demo_requisites_and_stays(examples_db):
    before = await seed_rows(examples_db)
    await examples_db.execute("UPDATE organisations SET phone = '+7 495 111-11-11'")
    result = await loaded(examples_db)
    assert (result.organisations_added, result.accounts_added, result.documents_added) == (2, 340, 334)
    assert await seed_rows(examples_db) == before
    organisation = await examples_db.fetchone("SELECT * FROM organisations WHERE name = ?", (SEED_ORGANISATION,))
    expected = ORGANISATIONS[SEED_ORGANISATION] | {"phone": "+7 495 111-11-11"}
    assert {key: organisation[key] for key in expected} == expected


async def test_other_organisations_and_accounts_are_left_alone(db):
    other = [["Номер лицевого счета", "Плательщик", "Организация", "Здание", "Телефон"],
             ["000000002", "Сидоров Петр Ильич", 'ТСЖ "Настоящее"', "Москва, Лесная, д. 9", ""]]
    report = await import_file(db, csv_bytes(other), "accounts.csv", NOW)
    assert report.applied, report.messages()
    charges = [["Номер лицевого счета", "Период", "Услуга", "Итого к оплате", "Общая площадь дома"],
               ["000000002", "Июль 2013", "Целевой сбор", "100", "1000"]]
    report = await import_file(db, csv_bytes(charges), "charges.csv", NOW)
    assert report.applied, report.messages()
    before = await dump(db)
    await loaded(db)
    after = await dump(db)
    for table, rows in before.items():
        assert set(rows) <= set(after[table]), table
    assert len(after["organisations"]) == 3 and len(after["personal_accounts"]) == 342


async def test_someone_elses_account_number_or_building_stops_it(db):
    table = [["Номер лицевого счета", "Плательщик", "Здание"],
             ["000000002001", "Сидоров Петр Ильич", ""],
             ["17", "Петрова Анна Ильинична", "Москва, Кленовый бульвар, д. 5"]]
    report = await import_file(db, csv_bytes(table), "accounts.csv", NOW)
    assert report.applied, report.messages()
    before = await dump(db)
    result = await load_demo(db, NOW)
    assert result.lines() == [
        "demo data not loaded:",
        "  Лицевой счет 000000002001 уже есть в другой организации («не указана»)",
        "  В здании «Москва, Кленовый бульвар, д. 5» уже есть лицевые счета другой организации",
    ]
    assert await dump(db) == before


async def test_a_partly_deleted_demo_is_completed_and_edits_are_kept(db):
    await loaded(db)
    await db.execute("UPDATE personal_accounts SET phone = '+7 495 000-00-00' WHERE number = '000000002001'")
    await db.execute("DELETE FROM personal_accounts WHERE number IN ('000000003001', '900000001001')")
    await db.execute("DELETE FROM payment_documents WHERE account_id IN"
                     " (SELECT id FROM personal_accounts WHERE number IN (?, '000000004001'))", (SEED_NUMBER,))
    result = await loaded(db)
    assert (result.organisations_added, result.accounts_added, result.documents_added) == (0, 2, 4)
    assert (await db.fetchone("SELECT phone FROM personal_accounts WHERE number = '000000002001'"))[0] \
        == "+7 495 000-00-00"
    assert result.lines() == [
        "demo data loaded: 2 organisations (0 added), 341 personal accounts (2 added),"
        " 335 payment documents for 2013-07 (4 added)"]


async def test_without_the_examples_nothing_is_loaded(db, tmp_path):
    result = await load_demo(db, NOW, examples=tmp_path / "nowhere")
    assert not result.loaded
    assert result.lines()[1].startswith(f"  the seed's example files are not in {tmp_path / 'nowhere'}")
    assert (await db.fetchone("SELECT COUNT(*) FROM organisations"))[0] == 0


async def test_the_demo_organisations_are_marked(db):
    await loaded(db)
    notes = await db.fetchall("SELECT name, note FROM organisations ORDER BY name")
    assert [tuple(row) for row in notes] == [(name, DEMO_NOTE) for name in sorted(ORGANISATIONS)]


async def test_an_organisation_of_the_same_name_with_accounts_of_its_own_stops_it(db):
    table = [["Номер лицевого счета", "Плательщик", "Организация"],
             *([f"{number}", "Сидоров Петр Ильич", SEED_ORGANISATION] for number in range(1, 6))]
    report = await import_file(db, csv_bytes(table), "accounts.csv", NOW)
    assert report.applied, report.messages()
    result = await load_demo(db, NOW)
    assert result.problems == [
        "Организация «УК \"Тихий океан\"» уже есть, и в ней лицевые счета не из демонстрационных данных:"
        " 1, 2, 3 и другие"]
    assert tuple(await db.fetchone("SELECT note, inn FROM organisations")) == ("", "")

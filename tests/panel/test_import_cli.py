"""`epd-relay import FILE`: the same import as the panel's, from the command line."""
from daemon.config import load
from daemon.db.stores import panel_store
from tests.conftest import relay_sections, write_config
from tests.panel.seed_tables import EXAMPLES, account_table, csv_bytes
from tests.relay_process import run_cli


async def run_import(*args: str) -> tuple[int, list[str]]:
    """The exit code and the printed lines, without the log (migrations on a new database)."""
    code, output = await run_cli("import", *args)
    return code, [line for line in output.splitlines() if not line.startswith(("INFO ", "DEBUG "))]


async def counts(config_path) -> tuple[int, int, int]:
    async with panel_store(load(config_path).storage) as db:
        return tuple([
            (await db.fetchone(f"SELECT COUNT(*) FROM {table}"))[0]
            for table in ("personal_accounts", "payment_documents", "charge_lines")
        ])


async def test_import_the_examples_then_again(tmp_path):
    config = write_config(tmp_path, relay_sections(None, None))
    code, output = await run_import(str(EXAMPLES / "accounts.csv"), "--config", str(config))
    assert code == 0, output
    assert output == [
        "accounts.csv: imported personal accounts from 1 row: 1 created, 0 updated",
        'organisation created: УК "Тихий океан"',
    ]
    code, output = await run_import(str(EXAMPLES / "charges-2013-07.csv"), "--config", str(config))
    assert code == 0, output
    assert output == ["charges-2013-07.csv: imported payment documents from 8 rows: 1 created, 0 updated"]
    code, output = await run_import(str(EXAMPLES / "charges-2013-07.xlsx"), "--config", str(config))
    assert code == 0, output
    assert output == ["charges-2013-07.xlsx: imported payment documents from 8 rows: 0 created, 1 updated"]
    assert await counts(config) == (1, 1, 8)


async def test_a_bad_file_imports_nothing_and_exits_nonzero(tmp_path):
    config = write_config(tmp_path, relay_sections(None, None))
    table = account_table()
    table.append(["2", "", "Иванов Иван Иванович"] + [""] * 15 + ["По электронной почте", "ivanov@", ""])
    table.append(["2", "", "Петров Петр Петрович"] + [""] * 18)
    path = tmp_path / "Лицевые счета.csv"
    path.write_bytes(csv_bytes(table, ";", "cp1251"))
    code, output = await run_import(str(path), "--config", str(config))
    assert code == 1
    assert output == [
        "Лицевые счета.csv: nothing imported, 2 problems:",
        "  Строка 3: неверный адрес электронной почты: ivanov@",
        "  Строка 4: номер лицевого счета «2» уже встречается в строке 3",
    ]
    assert await counts(config) == (0, 0, 0)


async def test_a_missing_file_is_named(tmp_path):
    config = write_config(tmp_path, relay_sections(None, None))
    code, output = await run_import(str(tmp_path / "nothing.csv"), "--config", str(config))
    assert code == 2
    assert output[-1].startswith(f"epd-relay: cannot read {tmp_path / 'nothing.csv'}")

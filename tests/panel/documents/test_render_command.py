"""`epd-relay render`: one account's document, an organisation's as files or as one file."""
import io

import pytest
from pypdf import PdfReader

from daemon.config import load
from daemon.db.stores import panel_store
from tests.conftest import relay_sections, write_config
from tests.panel.documents.documents import pdf_text
from tests.panel.documents.sample import account_number, import_sample
from tests.relay_process import run_cli


@pytest.fixture
async def config_path(tmp_path):
    path = write_config(tmp_path, relay_sections(None, None))
    async with panel_store(load(path).storage) as db:
        await import_sample(db, 120)
    return path


async def test_one_account(config_path, tmp_path):
    out = tmp_path / "one.pdf"
    code, output = await run_cli("render", "--config", str(config_path), "--period", "Июль 2013",
                                 "--account", account_number(7), "-o", str(out))
    assert code == 0, output
    assert f"№ л/сч {account_number(7)}" in pdf_text(out.read_bytes(), tmp_path)


async def test_an_organisation_as_a_file_each(config_path, tmp_path):
    out = tmp_path / "july"
    code, output = await run_cli("render", "--config", str(config_path), "--period", "2013-07",
                                 "--org", "ТСЖ «Юг»", "-o", str(out))
    assert code == 0, output
    assert sorted(path.name for path in out.iterdir()) == [
        f"EPD_{account_number(index)}_2013-07.pdf" for index in range(120) if index % 2 == 1
    ]
    assert "[##############################] 60/60 documents" in output


async def test_an_organisation_merged_by_its_id(config_path, tmp_path):
    async with panel_store(load(config_path).storage) as db:
        [(north,)] = await db.fetchall("SELECT id FROM organisations WHERE name = 'УК «Север»'")
    out = tmp_path / "july.pdf"
    code, output = await run_cli("render", "--config", str(config_path), "--period", "2013-07",
                                 "--org", str(north), "--merge", "-o", str(out))
    assert code == 0, output
    reader = PdfReader(io.BytesIO(out.read_bytes()))
    assert len(reader.pages) == 60
    assert f"№ л/сч {account_number(118)}" in reader.pages[59].extract_text().replace("\n", " ")


@pytest.mark.parametrize("args, message", [
    (("--account", "999"), "no personal account 999"),
    (("--org", "УК Несуществующая"), "no organisation 'УК Несуществующая' (give its exact name or its id)"),
    (("--account", "700000000001", "--period", "2013-08"), "has no payment document for 2013-08"),
    (("--period", "тринадцатый месяц", "--account", "1"), "--period:"),
])
async def test_what_cannot_be_rendered_is_said(config_path, args, message):
    if "--period" not in args:
        args = (*args, "--period", "2013-07")
    code, output = await run_cli("render", "--config", str(config_path), *args)
    assert code in (1, 2) and message in output, output

"""The data and the panel steps of a monthly mailing, for bench/send_run.py.

Files as staff upload them: an organisation with complete requisites (its documents carry
the QR code), personal accounts all «По электронной почте» with valid example.ru
addresses, and their July 2013 charges: the seed's document (examples/charges-2013-07.csv,
8 lines) for every account. And a logged-in panel session that posts forms with their
CSRF token, as a browser would.
"""
from __future__ import annotations

import csv
import html
import io
import re

import aiohttp

from bench.payment_documents import organisations
from bench.processes import REPO
from tests.panel.client import PanelClient

ORGANISATION = organisations()[0]  # УК "Тихий океан", with every requisite the document prints
SEED_CHARGES = REPO / "examples" / "charges-2013-07.csv"
PERIOD = "2013-07"


def account_number(index: int) -> str:
    return f"{700_000_000_000 + index:012d}"


def recipient(index: int) -> str:
    return f"resident{index:06d}@example.ru"


def accounts_csv(count: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(("Номер лицевого счета", "Плательщик", "Организация", "Помещение", "Здание", "Почтовый адрес",
                     "Общая площадь", "Способ доставки платежного документа", "Электронная почта"))
    for index in range(count):
        house, flat = 1 + index // 300, 1 + index % 300
        writer.writerow((
            account_number(index), f"Жилец Квартиры {index} Иванович", ORGANISATION.name,
            f"Братиславская, д. {house}, кв. {flat}", f"Москва, Братиславская, д. {house}",
            f"109451, Москва, Братиславская, дом № {house}, кв. {flat}", f"{40 + index % 60}.00",
            "По электронной почте", recipient(index),
        ))
    return out.getvalue().encode("utf-8")


def charges_csv(count: int) -> bytes:
    """The seed's July 2013 document, line for line, for every account."""
    rows = list(csv.reader(io.StringIO(SEED_CHARGES.read_bytes().decode("cp1251")), delimiter=";"))
    header, lines = rows[0], [row for row in rows[1:] if row]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(header)
    for index in range(count):
        number = account_number(index)
        writer.writerows([number, *line[1:]] for line in lines)
    return out.getvalue().encode("utf-8")


def organisation_form() -> dict[str, str]:
    fields = ("name", "kind", "inn", "kpp", "bank_account", "bank_name", "bic", "corr_account", "address",
              "phone", "email", "work_hours")
    return {name: getattr(ORGANISATION, name) for name in fields} | {"pdf_password_rule": "off"}


def text_of(page: str) -> str:
    """What a person reads: no tags, entities decoded, spaces collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page))).strip()


class PanelSession(PanelClient):
    """One staff member's logged-in browser (tests/panel/client.py), with the two steps the
    bench needs checked: the login, and an upload's report."""

    async def log_in(self, name: str, password: str) -> None:
        page = await self.post("/login", {"name": name, "password": password}, (await self.get("/login")).csrf_token)
        if page.path == "/login":
            raise RuntimeError(f"panel login as {name} refused: {text_of(page.text)[:300]}")

    async def upload(self, filename: str, data: bytes) -> str:
        """«Загрузка данных»: the file posted; the report's words (raises unless applied)."""
        form = aiohttp.FormData()
        form.add_field("file", data, filename=filename, content_type="text/csv")
        page = await self.post("/import", form, (await self.get("/import")).csrf_token)
        found = re.search(r'(?s)<section class="[^"]*import-result[^"]*"[^>]*>(.*?)</section>', page.text)
        shown = text_of(found[1]) if found else f"HTTP {page.status}"
        if "загружен." not in shown:
            raise RuntimeError(f"import of {filename} failed: {shown[:500]}")
        return shown

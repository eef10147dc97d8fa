"""«Лицевые счета» over real HTTP: the card, the e-mail rule, search and paging."""
import re
from html import unescape

from panel.imports import import_file
from tests.panel.seed_tables import csv_bytes
from tests.panel.test_organisations import ORGANISATION, field_error, field_value

ACCOUNT = {
    "number": "000000001001",
    "code": "000000001",
    "payer": "Перматов Михаил Николаевич",
    "owner": "Перматов Михаил Николаевич",
    "premises": "Братиславская, д. 1, кв. 1",
    "building": "Москва, Братиславская, д. 1",
    "postal_address": "109451, Москва, Братиславская, дом № 1, кв. 1",
    "total_area": "70",
    "living_area": "",
    "registered": "1",
    "residents": "1",
    "category": "Собственники",
    "ownership_share": "1,00000",
    "housing_fund": "Приватизированный",
    "opened": "01.10.2012",
    "closed": "",
    "delivery_method": "email",
    "email": "lemontov_mn@mail.ru",
    "phone": "",
}


async def organisation_id(client) -> str:
    page = await client.submit("/organisations/new", ORGANISATION)
    return re.search(r"/organisations/(\d+)", page.path)[1]


async def create(client, **changes):
    return await client.submit("/accounts/new", ACCOUNT | changes)


def numbers_listed(page) -> list[str]:
    return re.findall(r'<td><a href="/accounts/\d+">([^<]*)</a></td>', page.text)


async def insert_accounts(db, count: int, *, organisation: int | None = None, start: int = 1) -> None:
    async with db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO personal_accounts (number, payer, premises, email, organisation_id, updated_at)"
            " VALUES (?, ?, ?, ?, ?, 0)",
            [(f"{n:09d}001", f"Жилец{n:04d} Иван", f"Подольская, д. {n}, кв. 1",
              f"tenant{n}@example.ru" if n % 2 else "", organisation) for n in range(start, start + count)],
        )


async def test_the_card_of_figure_5_is_created_and_shown(operator):
    org = await organisation_id(operator)
    page = await create(operator, organisation_id=org)
    assert page.status == 200 and re.fullmatch(r"/accounts/\d+\?saved=1", page.path), page.path
    assert "Сохранено." in page.text
    assert "Перматов Михаил Николаевич (Лицевой счет 000000001001)" in page.text
    assert field_value(page, "total_area") == "70,00"
    assert field_value(page, "ownership_share") == "1,00000"
    assert field_value(page, "opened") == "2012-10-01"
    assert field_value(page, "living_area") == ""
    assert field_value(page, "email") == "lemontov_mn@mail.ru"
    assert '<option value="email" selected>По электронной почте</option>' in page.text
    assert f'<option value="{org}" selected>' in page.text
    assert "отправлен <strong>не будет</strong>" not in page.text

    listing = await operator.get("/accounts")
    assert numbers_listed(listing) == ["000000001001"]
    text = unescape(listing.text)
    for shown in ("Перматов Михаил Николаевич", "Братиславская, д. 1, кв. 1", "По электронной почте",
                  "lemontov_mn@mail.ru", "Всего: 1"):
        assert shown in text, shown


async def test_editing_the_card_and_an_address_without_the_email_method(operator):
    created = await create(operator)
    path = created.path.split("?")[0]
    page = await operator.submit(path, ACCOUNT | {"delivery_method": "post", "living_area": "45,5",
                                                  "phone": "+7 900 000-00-00"})
    assert page.path == path + "?saved=1"
    assert '<option value="post" selected>Почтой</option>' in page.text
    assert field_value(page, "living_area") == "45,50"
    assert "Электронная почта указана, но способ доставки — «Почтой»" in page.text
    assert "отправлен <strong>не будет</strong>" in page.text
    listing = await operator.get("/accounts")
    assert "(не используется)" in listing.text and "Почтой" in listing.text


async def test_the_email_method_needs_a_valid_address(operator):
    empty = await create(operator, email="")
    assert empty.status == 400 and empty.path == "/accounts/new"
    assert "Лицевой счет не сохранен" in empty.text
    assert field_error(empty, "email") == (
        "Для способа доставки «По электронной почте» укажите электронную почту: "
        "без нее платежный документ отправить некуда")
    assert field_value(empty, "payer") == ACCOUNT["payer"]  # what was typed is kept

    invalid = await create(operator, email="lemontov_mn@mail")
    assert field_error(invalid, "email") == (
        "Неверный адрес электронной почты: lemontov_mn@mail; по такому адресу платежный документ не отправить")
    assert field_value(invalid, "email") == "lemontov_mn@mail"

    by_post = await create(operator, email="not an address", delivery_method="post")
    assert field_error(by_post, "email") == "Неверный адрес электронной почты: not an address"
    assert numbers_listed(await operator.get("/accounts")) == []

    created = await create(operator)
    dropped = await operator.submit(created.path.split("?")[0], ACCOUNT | {"email": ""})
    assert dropped.status == 400 and "без нее платежный документ отправить некуда" in dropped.text


async def test_a_duplicate_number_is_refused(operator):
    await create(operator)
    again = await create(operator, payer="Другой Плательщик")
    assert again.status == 400
    assert field_error(again, "number") == "Лицевой счет с таким номером уже есть"
    other = await create(operator, number="000000002001")
    renumbered = await operator.submit(other.path.split("?")[0], ACCOUNT)
    assert field_error(renumbered, "number") == "Лицевой счет с таким номером уже есть"
    assert numbers_listed(await operator.get("/accounts")) == ["000000001001", "000000002001"]


async def test_numbers_areas_dates_and_required_fields_are_checked(operator):
    page = await create(operator, number="", payer="", total_area="семьдесят", living_area="-1",
                        registered="1,5", ownership_share="2", opened="31.02.2012", organisation_id="999")
    assert page.status == 400
    assert field_error(page, "number") == "Укажите номер лицевого счета"
    assert field_error(page, "payer") == "Укажите плательщика (контрагента)"
    assert field_error(page, "total_area") == "Общая площадь: неверное число «семьдесят»"
    assert field_error(page, "living_area") == "Жилая площадь: площадь не может быть отрицательной"
    assert field_error(page, "registered").startswith("Зарегистрировано: ожидается целое")
    assert field_error(page, "ownership_share").startswith("Доля собственности должна быть больше 0")
    assert field_error(page, "opened") == "Неверная дата: «31.02.2012»"
    assert field_error(page, "organisation_id") == "Выберите организацию из списка"
    order = await create(operator, living_area="80", closed="2012-09-30")
    assert field_error(order, "living_area") == "Жилая площадь не может быть больше общей"
    assert field_error(order, "closed") == "Дата закрытия раньше даты открытия"


async def test_markup_in_names_is_shown_escaped(operator):
    evil = '<script>alert("x")</script> Иванов'
    page = await create(operator, payer=evil, premises="<b>кв. 1</b>")
    assert page.path.endswith("?saved=1")
    assert "<script>alert" not in page.text and "&lt;script&gt;" in page.text
    listing = await operator.get("/accounts?q=" + "script")
    assert "<script>alert" not in listing.text and "<b>кв" not in listing.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Иванов" in listing.text


async def test_search_finds_by_number_payer_address_and_email(operator, panel):
    await create(operator)
    await create(operator, number="000000002001", payer="Лермонтов Михаил Юрьевич", premises="Люблинская, д. 5",
                 building="Москва, Люблинская, д. 5", postal_address="", email="", delivery_method="in_person")
    await insert_accounts(panel.relay.panel.db, 30, start=100)
    searches = {
        "0000000010": ["000000001001"],            # part of the number
        "00000000200": ["000000002001"],
        "перматов": ["000000001001"],              # any case, Cyrillic
        "Михаил": ["000000001001", "000000002001"],
        "Братиславская": ["000000001001"],          # address
        "люблинская 5": ["000000002001"],          # every word, short ones checked too
        "д. 5": ["000000002001"],                  # only short words: the text as one piece
        "LEMONTOV_MN@": ["000000001001"],          # e-mail
        "mail.ru": ["000000001001"],
        "tenant101@": ["000000101001"],
        "нет такого": [],
    }
    for text, expected in searches.items():
        page = await operator.get(f"/accounts?q={text}")
        assert page.status == 200
        assert numbers_listed(page) == expected, text
    nothing = await operator.get("/accounts?q=нет такого")
    assert "Ничего не найдено." in nothing.text and "Найдено: 0" in nothing.text


async def test_one_or_two_characters_search_the_beginning_of_the_number(operator, panel):
    await insert_accounts(panel.relay.panel.db, 12, start=1)
    page = await operator.get("/accounts?q=00")
    assert len(numbers_listed(page)) == 12
    assert "номер которых начинается с «00»" in page.text
    assert numbers_listed(await operator.get("/accounts?q=1")) == []


async def test_paging_through_the_list_and_back(operator, panel):
    await insert_accounts(panel.relay.panel.db, 120)
    first = await operator.get("/accounts")
    assert "Всего: 120" in first.text
    assert numbers_listed(first) == [f"{n:09d}001" for n in range(1, 51)]
    assert "Предыдущие" not in first.text
    next_path = unescape(re.search(r'<a href="([^"]*)" rel="next">', first.text)[1])
    second = await operator.get(next_path)
    assert numbers_listed(second) == [f"{n:09d}001" for n in range(51, 101)]
    third = await operator.get(unescape(re.search(r'<a href="([^"]*)" rel="next">', second.text)[1]))
    assert numbers_listed(third) == [f"{n:09d}001" for n in range(101, 121)]
    assert 'rel="next"' not in third.text
    back = await operator.get(unescape(re.search(r'<a href="([^"]*)" rel="prev">', third.text)[1]))
    assert numbers_listed(back) == numbers_listed(second)
    start = await operator.get(unescape(re.search(r'<a href="([^"]*)" rel="prev">', back.text)[1]))
    assert numbers_listed(start) == numbers_listed(first) and "Предыдущие" not in start.text


async def test_search_results_page_too_and_the_organisation_filter(operator, panel):
    org = int(await organisation_id(operator))
    await insert_accounts(panel.relay.panel.db, 70, organisation=org)
    await insert_accounts(panel.relay.panel.db, 10, start=500)
    found = await operator.get(f"/accounts?q=Иван&organisation={org}")
    assert "Найдено: 70" in found.text and len(numbers_listed(found)) == 50
    rest = await operator.get(unescape(re.search(r'<a href="([^"]*)" rel="next">', found.text)[1]))
    assert numbers_listed(rest) == [f"{n:09d}001" for n in range(51, 71)]
    everyone = await operator.get("/accounts?q=Иван")
    assert "Найдено: 80" in everyone.text
    only = await operator.get(f"/accounts?organisation={org}")
    assert "Найдено: 70" in only.text and f'<option value="{org}" selected>' in only.text


async def test_a_form_without_the_csrf_token_or_with_a_wrong_one_is_refused(operator):
    await operator.get("/accounts/new")
    missing = await operator.post("/accounts/new", ACCOUNT, None)
    assert missing.status == 403 and "Форма устарела" in missing.text
    wrong = await operator.post("/accounts/new", ACCOUNT, "forged")
    assert wrong.status == 403
    assert numbers_listed(await operator.get("/accounts")) == []


async def test_an_unknown_account_is_not_found(operator):
    assert (await operator.get("/accounts/12345")).status == 404
    page = await operator.get("/accounts/new")
    assert (await operator.post("/accounts/12345", ACCOUNT, page.csrf_token)).status == 404


async def test_search_follows_edits_of_searched_fields_only(operator):
    page = await create(operator)
    card = page.path.split("?")[0]
    await operator.submit(card, ACCOUNT | {"phone": "+7 495 123-45-67"})
    assert numbers_listed(await operator.get("/accounts?q=Братиславская")) == ["000000001001"]
    await operator.submit(card, ACCOUNT | {"premises": "Марьинский парк, д. 7", "building": "",
                                          "postal_address": ""})
    assert numbers_listed(await operator.get("/accounts?q=Братиславская")) == []
    assert numbers_listed(await operator.get("/accounts?q=Марьинский")) == ["000000001001"]


async def test_an_id_too_large_for_the_database_is_not_found(operator):
    assert (await operator.get("/accounts/99999999999999999999999")).status == 404
    assert (await operator.get("/organisations/99999999999999999999999")).status == 404


async def test_the_capital_repair_account_number_is_on_the_card(panel, operator):
    report = await import_file(panel.relay.panel.db, csv_bytes([
        ["Номер лицевого счета", "Плательщик", "Номер лицевого счета для взносов на кап. ремонт"],
        ["000000001001", "Перматов Михаил Николаевич", "КР-000000001001"],
    ]), "accounts.csv", 0)
    assert report.applied, report.messages()
    listing = await operator.get("/accounts")
    path = re.search(r'href="(/accounts/\d+)"', listing.text)[1]
    page = await operator.get(path)
    assert "Номер лицевого счета для взносов на кап. ремонт" in page.text
    assert field_value(page, "capital_repair_number") == "КР-000000001001"
    edited = await operator.submit(path, ACCOUNT | {"capital_repair_number": " КР-2 "})
    assert edited.path == path + "?saved=1"
    assert field_value(edited, "capital_repair_number") == "КР-2"
    cleared = await operator.submit(path, ACCOUNT)
    assert field_value(cleared, "capital_repair_number") == ""

"""Organisations (УК, ТСЖ) over real HTTP: create, edit, requisites checked, names escaped."""
import re
from html import unescape

ORGANISATION = {
    "name": "УК «Тихий океан»",
    "kind": "УК",
    "inn": "7707083893",
    "kpp": "772401001",
    "bank_account": "40702810938000012345",
    "bank_name": "ПАО Сбербанк",
    "bic": "044525225",
    "corr_account": "30101810400000000225",
    "address": "109451, Москва, Братиславская, д. 1",
    "phone": "+7 495 000-00-00",
    "email": "office@okean.example.ru",
    "site": "okean.example.ru",
    "work_hours": "пн–пт 9:00–18:00",
    "centre_name": "ЕИРЦ Марьино",
    "centre_address": "Москва, Люблинская, д. 2",
    "centre_work_hours": "пн–сб 8:00–20:00",
}


def field_error(page, name: str) -> str:
    match = re.search(rf'<p class="field-error" id="e-{name}"[^>]*>([^<]*)</p>', page.text)
    assert match, f"no error next to {name}:\n{page.text}"
    return unescape(match[1])


def field_value(page, name: str) -> str:
    match = re.search(rf'<input name="{name}" id="f-{name}" type="[a-z]+" value="([^"]*)"', page.text)
    assert match, f"no input {name}"
    return unescape(match[1])


async def create(client, **changes) -> object:
    return await client.submit("/organisations/new", ORGANISATION | changes)


async def test_an_operator_creates_an_organisation_and_sees_it_listed(operator):
    page = await create(operator)
    assert page.status == 200 and re.fullmatch(r"/organisations/\d+\?saved=1", page.path), page.path
    assert "Сохранено." in page.text
    for name, value in ORGANISATION.items():
        if name != "kind":
            assert field_value(page, name) == value, name
    assert '<option value="УК" selected>' in page.text
    assert "Не заполнено" not in page.text

    listing = await operator.get("/organisations")
    assert "УК «Тихий океан»" in unescape(listing.text) and "7707083893/772401001" in listing.text


async def test_editing_keeps_the_organisation_and_changes_its_fields(operator):
    created = await create(operator)
    path = created.path.split("?")[0]
    page = await operator.submit(path, ORGANISATION | {"kind": "ТСЖ", "name": "ТСЖ «Братиславская 1»",
                                                       "bank_account": "4070 2810 9380 0001 2345"})
    assert page.path == path + "?saved=1"
    assert field_value(page, "name") == "ТСЖ «Братиславская 1»"
    assert field_value(page, "bank_account") == "40702810938000012345"  # spaces dropped
    assert '<option value="ТСЖ" selected>' in page.text
    listing = await operator.get("/organisations")
    assert "Тихий океан" not in unescape(listing.text) and listing.text.count('href="/organisations/') == 2


async def test_only_the_name_is_required_and_missing_requisites_are_named(operator):
    page = await operator.submit("/organisations/new", {"name": "ТСЖ «Пустое»", "kind": "ТСЖ"})
    assert page.path.endswith("?saved=1")
    assert "Не заполнено то, что печатается в платежном документе: ИНН, КПП" in page.text


async def test_wrong_requisites_are_refused_next_to_each_field_with_what_was_typed(operator):
    page = await create(
        operator, inn="7707083890", kpp="77240100", bic="041234", bank_account="40702810938000012346",
        corr_account="3010181040000000022", email="office@", name="",
    )
    assert page.status == 400 and page.path == "/organisations/new"
    assert "Организация не сохранена" in page.text
    assert field_error(page, "name") == "Укажите наименование организации"
    assert field_error(page, "inn") == "Неверное контрольное число ИНН"
    assert field_error(page, "kpp").startswith("КПП должен состоять из 9 символов")
    assert field_error(page, "bic") == "БИК должен состоять из 9 цифр и начинаться с 04"
    assert field_error(page, "corr_account") == "Корреспондентский счет должен состоять из 20 цифр"
    assert field_error(page, "email") == "Неверный адрес электронной почты: office@"
    assert field_value(page, "inn") == "7707083890" and field_value(page, "bic") == "041234"
    assert field_value(page, "bank_account") == "40702810938000012346"
    assert (await operator.get("/organisations")).text.count('href="/organisations/') == 1  # only «Создать»


async def test_account_keys_are_checked_against_the_bic(operator):
    page = await create(operator, bank_account="40702810938000012346", corr_account="30101810500000000225")
    assert page.status == 400
    assert field_error(page, "bank_account") == "Неверный контрольный ключ расчетного счета для БИК 044525225"
    assert field_error(page, "corr_account") == (
        "Неверный контрольный ключ корреспондентского счета для БИК 044525225")
    without_bic = await create(operator, bic="")
    assert field_error(without_bic, "bank_account") == "Укажите БИК банка: по нему проверяется расчетный счет"


async def test_inn_length_and_kpp_rules(operator):
    short = await create(operator, inn="77070838")
    assert field_error(short, "inn") == "ИНН должен состоять из 10 или 12 цифр"
    no_kpp = await create(operator, kpp="")
    assert field_error(no_kpp, "kpp") == "Для организации (ИНН из 10 цифр) укажите КПП"
    entrepreneur = await create(operator, inn="500100732259")
    assert field_error(entrepreneur, "kpp").startswith("У индивидуального предпринимателя")


async def test_a_duplicate_name_is_refused(operator):
    await create(operator)
    again = await create(operator, inn="")
    assert again.status == 400
    assert field_error(again, "name") == "Организация с таким наименованием уже есть"
    other = await operator.submit("/organisations/new", {"name": "ТСЖ «Другое»", "kind": "ТСЖ"})
    renamed = await operator.submit(other.path.split("?")[0], {"name": ORGANISATION["name"], "kind": "ТСЖ"})
    assert renamed.status == 400
    assert field_error(renamed, "name") == "Организация с таким наименованием уже есть"


async def test_names_with_markup_are_shown_escaped(operator):
    evil = '<script>alert("x")</script> УК'
    page = await create(operator, name=evil, address='"><img src=x onerror=alert(1)>')
    assert page.path.endswith("?saved=1")
    assert "<script>alert" not in page.text and "<img src=x" not in page.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; УК" in page.text
    listing = await operator.get("/organisations")
    assert "<script>alert" not in listing.text and "&lt;script&gt;" in listing.text


async def test_a_form_without_the_csrf_token_or_with_a_wrong_one_is_refused(operator):
    await operator.get("/organisations/new")
    missing = await operator.post("/organisations/new", ORGANISATION, None)
    assert missing.status == 403 and "Форма устарела" in missing.text
    wrong = await operator.post("/organisations/new", ORGANISATION, "forged")
    assert wrong.status == 403
    assert "Тихий океан" not in unescape((await operator.get("/organisations")).text)


async def test_an_unknown_organisation_is_not_found(operator):
    assert (await operator.get("/organisations/999")).status == 404
    page = await operator.get("/organisations/new")
    assert (await operator.post("/organisations/999", ORGANISATION, page.csrf_token)).status == 404


def selected(page, name: str) -> str:
    select = re.search(rf'<select name="{name}".*?</select>', page.text, re.DOTALL)
    assert select, f"no select {name}"
    return re.search(r'<option value="([^"]*)" selected>', select[0])[1]


async def test_the_pdf_password_is_off_by_default_and_chosen_from_a_few_rules(panel, operator):
    new = await operator.get("/organisations/new")
    assert selected(new, "pdf_password_rule") == "off"
    for label in ("Без пароля", "Последние 4 цифры номера лицевого счета", "Последние 6 цифр номера лицевого счета"):
        assert label in new.text
    created = await create(operator)                       # a form without the field: off
    path = created.path.split("?")[0]
    assert selected(created, "pdf_password_rule") == "off"

    page = await operator.submit(path, ORGANISATION | {"pdf_password_rule": "last_4_digits"})
    assert page.path == path + "?saved=1"
    assert selected(page, "pdf_password_rule") == "last_4_digits"
    stored = await panel.relay.panel.db.fetchone("SELECT pdf_password_rule FROM organisations")
    assert stored[0] == "last_4_digits"

    wrong = await operator.submit(path, ORGANISATION | {"pdf_password_rule": "birthday"})
    assert wrong.status == 400
    assert field_error(wrong, "pdf_password_rule") == "Выберите защиту паролем из списка"
    stored = await panel.relay.panel.db.fetchone("SELECT pdf_password_rule FROM organisations")
    assert stored[0] == "last_4_digits"


async def test_a_note_is_kept_and_shown_in_the_list(operator):
    page = await create(operator, note="Демонстрационные реквизиты, вымышленные")
    assert field_value(page, "note") == "Демонстрационные реквизиты, вымышленные"
    listing = await operator.get("/organisations")
    assert '<p class="hint">Демонстрационные реквизиты, вымышленные</p>' in listing.text


def field_text(page, name: str) -> str:
    match = re.search(rf'<textarea name="{name}" id="f-{name}"[^>]*>([^<]*)</textarea>', page.text)
    assert match, f"no textarea {name}"
    return unescape(match[1])


async def test_the_text_for_residents_keeps_its_lines_and_is_shown_on_the_card(panel, operator):
    typed = ("Вопросы по начислениям: +7 495 000-00-00, пн–пт 9:00–18:00   \r\n\r\n\r\n\r\n"
             "Оплатить можно без комиссии в «Почте России»\r\n  или по QR-коду в документе.\r\n\r\n")
    kept = ("Вопросы по начислениям: +7 495 000-00-00, пн–пт 9:00–18:00\n\n"
            "Оплатить можно без комиссии в «Почте России»\n  или по QR-коду в документе.")
    new = await operator.get("/organisations/new")
    assert "Текст письма жильцам" in new.text and field_text(new, "email_text") == ""
    page = await create(operator, email_text=typed)
    assert page.path.endswith("?saved=1")
    assert field_text(page, "email_text") == kept
    path = page.path.split("?")[0]
    assert field_text(await operator.get(path), "email_text") == kept
    stored = await panel.relay.panel.db.fetchone("SELECT email_text FROM organisations")
    assert stored[0] == kept

    too_long = await operator.submit(path, ORGANISATION | {"email_text": "Звоните " * 250 + "!"})
    assert too_long.status == 400
    assert field_error(too_long, "email_text") == "Не более 2000 символов"
    assert field_text(too_long, "email_text") == "Звоните " * 250 + "!"  # what was typed, to shorten
    stored = await panel.relay.panel.db.fetchone("SELECT email_text FROM organisations")
    assert stored[0] == kept

    markup = await operator.submit(path, ORGANISATION | {"email_text": "</textarea><script>alert(1)</script>"})
    assert "<script>alert" not in markup.text
    assert field_text(markup, "email_text") == "</textarea><script>alert(1)</script>"

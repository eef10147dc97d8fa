"""The rendered payment document, read back the way people and banks read it: pdftotext for
the text, zbarimg for the QR code from a 300 dpi picture, pypdf for the pages."""
import dataclasses
import io
import re
from decimal import Decimal

import pypdf
import pytest

from panel.documents.qr import parse_payload
from panel.documents.render import render_pdf
from panel.validation import format_decimal, format_money, format_rate
from tests.panel.documents.documents import (
    LONG_ADDRESS,
    LONG_NAME,
    decoded_qr,
    many_lines,
    payable_seed,
    pdf_text,
    stress_document,
    with_requisites,
    without_requisites,
)
from tests.seed_document import seed_document, seed_fixture

MONEY_FIELDS = ("amount_individual", "amount_common", "charged", "recalculation", "benefits", "total",
                "total_individual", "total_common")
VOLUME_FIELDS = ("volume_individual", "volume_common")


def _words(text: str) -> str:
    return " ".join(text.split())


def _seed_figures() -> list[str]:
    """Every figure of the seed's example as the document prints it, from the fixture itself."""
    data = seed_fixture()
    figures = [format_money(Decimal(data[key])) for key in ("advance", "total_for_period", "total_with_advance")]
    figures.append(format_money(Decimal(data["last_payment"]["amount"])))
    for section in data["sections"]:
        for line in section["lines"]:
            figures += [format_money(Decimal(line[key])) for key in MONEY_FIELDS if line.get(key)]
            for key in VOLUME_FIELDS:
                if line.get(key):
                    basis = line.get(f"{key}_basis")
                    figures.append(format_decimal(Decimal(line[key])) + (f" ({basis})" if basis else ""))
            figures.append(format_rate(Decimal(line["tariff"])))
            figures += [format_decimal(Decimal(value)) for value in line["reference"].values()]
    house = data["house"]
    figures += [f"{format_decimal(Decimal(house[key]))} кв. м" for key in
                ("common_property_area_m2", "premises_area_m2", "total_house_area_m2")]
    figures.append(f"{house['residents_in_house']} чел.")
    return figures


@pytest.fixture(scope="module")
def seed_pdf() -> bytes:
    return render_pdf(seed_document())


def test_the_seed_prints_every_figure_of_its_example(seed_pdf, tmp_path):
    text = _words(pdf_text(seed_pdf, tmp_path, layout=True))
    for figure in ["1 113,00", "110,88", "477,93", "155,30", "482,40", "8,23", "0,16", "100,00", "2 447,90",
                   "2 585,58", "0,00", *_seed_figures()]:
        assert figure in text, figure
    assert "Аванс: 2 585,58 руб." in text
    assert "Последняя оплата: 10.05.2013, 10 000,00 руб." in text
    assert "(учтены платежи, поступившие до 25.07.2013 включительно)" in text
    assert "Итого к оплате за расч. период: 2 447,90 руб." in text
    assert "Итого к оплате с учетом аванса: 0,00 руб." in text


def test_the_seed_names_the_payer_the_executor_the_account_and_the_period(seed_pdf, tmp_path):
    text = _words(pdf_text(seed_pdf, tmp_path))
    for expected in ("Счет на оплату ЖКУ за Июль 2013 г.", "Плательщик: Лермонтов Михаил Николаевич",
                     "Адрес: 109451, Москва, Братиславская, дом № 1, кв. 1", "Площадь помещения: 70 кв. м",
                     "Количество проживающих: 1 чел.", 'Исполнитель услуг: УК "Тихий океан"',
                     "000000001001", "Сведения о плательщике и исполнителе услуг",
                     "Информация для внесения платы получателю платежа (получателям платежей)",
                     "Расчет размера платы за содержание и ремонт жилого помещения и коммунальные услуги "
                     "№ л/сч 000000001001",
                     "Коммунальные услуги", "Прочие", "Итого к оплате за расчетный период",
                     "Справочная информация", "(1а) - по нормативам с повышающим коэффициентом при отсутствии ПУ",
                     "(4) - по показаниям ОПУ"):
        assert expected in text, expected


def test_the_table_numbers_its_columns_1_to_13_and_1_to_6(seed_pdf, tmp_path):
    lines = pdf_text(seed_pdf, tmp_path, layout=True).splitlines()
    numbers = [line.split() for line in lines if line.split()[:3] == ["1", "2", "3"]]
    assert numbers == [[str(n) for n in range(1, 14)] + [str(n) for n in range(1, 7)]]


def test_lines_outside_communal_services_print_x_and_blanks_stay_blank(seed_pdf, tmp_path):
    lines = pdf_text(seed_pdf, tmp_path, layout=True).splitlines()
    [other] = [line.split() for line in lines if line.startswith("Целевой сбор")]
    assert other == ["Целевой", "сбор", "x", "x", "100,00", "100,00", "100,00", "100,00"] + ["x"] * 8
    [electricity] = [line.split() for line in lines if "180 (1)" in line]
    assert electricity == ["Электроэнергия", "кВтч", "180", "(1)", "0", "(4)", "2,88", "482,40", "482,40",
                           "482,40", "482,40", "180"]


def test_the_payment_qr_code_reads_back_field_by_field(tmp_path):
    document = payable_seed()
    [payload] = decoded_qr(render_pdf(document), tmp_path)
    recipient = document.recipient
    assert payload.startswith("ST00012|")
    assert dict(parse_payload(payload)) == {
        "Name": recipient.name, "PersonalAcc": recipient.bank_account, "BankName": recipient.bank_name,
        "BIC": recipient.bic, "CorrespAcc": recipient.corr_account, "PayeeINN": recipient.inn,
        "KPP": recipient.kpp, "Sum": "244790", "Purpose": "Оплата ЖКУ за Июль 2013 г., л/с 000000001001",
        "PersAcc": document.account_number, "PaymPeriod": "072013",
    }


def test_the_qr_code_is_at_least_40_mm_wide_with_its_quiet_zone_clear(tmp_path):
    pdf = render_pdf(payable_seed())
    content = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].get_contents().get_data().decode("latin-1")
    [scale] = re.findall(r"q 0 g ([\d.]+) 0 0 -[\d.]+ [\d.]+ [\d.]+ cm", content)
    rectangles = re.findall(r"^(\d+) (\d+) (\d+) (\d+) re$", content, re.M)
    modules = max(int(x) + int(width) for x, _, width, _ in rectangles)
    assert float(scale) * modules / 72 * 25.4 >= 40.0


def test_the_seeds_organisation_has_no_requisites_so_no_qr_code_but_a_document(seed_pdf, tmp_path):
    assert decoded_qr(seed_pdf, tmp_path) == []
    assert "ST00012" not in pdf_text(seed_pdf, tmp_path)


def test_nothing_to_pay_still_gets_a_code_without_a_sum(tmp_path):
    document = with_requisites(seed_document())  # the advance covers the month: 0,00
    [payload] = decoded_qr(render_pdf(document), tmp_path)
    assert "Sum" not in dict(parse_payload(payload))


def test_fonts_are_embedded_subsets_with_unicode_maps(seed_pdf, tmp_path):
    import subprocess

    from tests.require import require_tool
    path = tmp_path / "fonts.pdf"
    path.write_bytes(seed_pdf)
    listing = subprocess.run([require_tool("pdffonts"), str(path)], check=True, capture_output=True,
                             text=True).stdout.splitlines()[2:]
    assert len(listing) == 2
    for line in listing:
        name, kind, *_ , embedded, subset, unicode, _, _ = line.split()
        assert name.endswith(("SourceSansPro-Regular", "SourceSansPro-Bold")) and "+" in name
        assert (kind, embedded, subset, unicode) == ("TrueType", "yes", "yes", "yes")


def test_the_same_document_gives_the_same_bytes():
    assert render_pdf(payable_seed()) == render_pdf(payable_seed())


# --- The stress cases -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def stress_pdf() -> bytes:
    return render_pdf(stress_document())


TABLE_HEADER = ("Виды услуг", "Справочная информация", "Итого к оплате за расчетный период, руб.",
                "Индив. потребл.", "Общедом. нужды", "Норматив потребления коммунальных услуг")


def test_forty_lines_flow_onto_a_second_page_under_the_repeated_header():
    document = dataclasses.replace(payable_seed(), lines=many_lines(40))
    pages = pypdf.PdfReader(io.BytesIO(render_pdf(document))).pages
    assert len(pages) == 2
    first, second = (_words(page.extract_text()) for page in pages)
    for header in TABLE_HEADER:
        assert header in first and header in second, header
    assert "(строка 1)" in first and "(строка 1)" not in second
    assert "(строка 40)" in second and "(строка 40)" not in first
    assert "Страница 2 из 2" in second


def test_every_page_the_table_continues_on_has_its_header(stress_pdf):
    pages = [_words(page.extract_text()) for page in pypdf.PdfReader(io.BytesIO(stress_pdf)).pages]
    with_rows = [text for text in pages if " м3 " in text]  # the unit column: rows of the charges table
    assert len(with_rows) >= 2
    for text in with_rows:
        assert all(header in text for header in TABLE_HEADER)


def test_a_long_name_with_markup_characters_prints_as_typed(stress_pdf, tmp_path):
    text = _words(pdf_text(stress_pdf, tmp_path))
    assert _words(LONG_NAME) in text
    assert "<b>Лермонтов & Сыновья</b>" in text
    assert _words(LONG_ADDRESS)[:150] in text


def test_negative_recalculation_zero_amounts_and_every_43_pr_field(stress_pdf, tmp_path):
    text = _words(pdf_text(stress_pdf, tmp_path))
    assert "-123,45" in text
    assert "Отсутствие потребителя более 5 дней (ПП № 354 п. 86)" in text
    assert "Сведения о перерасчетах (доначисления +, уменьшения -)" in text
    assert "Расчет суммы оплаты с учетом рассрочки платежа" in text and "250,00" in text and "3,17" in text
    assert "Задолженность за предыдущие периоды: 1 520,35 руб." in text
    assert "Пени: 12,07 руб." in text
    assert "Лицевой счет для взносов на капитальный ремонт: 770000000123" in text
    [zero_row] = [line for line in pdf_text(stress_pdf, tmp_path, layout=True).splitlines()
                  if "0,00" in line and "440,10" in line]  # hot water, line 2: its amount, charge and total 0
    assert zero_row.split().count("0,00") == 3


def test_without_the_43_pr_fields_nothing_extra_is_printed(seed_pdf, tmp_path):
    text = pdf_text(seed_pdf, tmp_path)
    for absent in ("Задолженность", "Пени", "перерасчет", "рассрочк", "капитальный ремонт"):
        assert absent not in text, absent


def test_an_organisation_without_requisites_renders_without_a_code(tmp_path):
    pdf = render_pdf(without_requisites(stress_document()))
    assert decoded_qr(pdf, tmp_path) == []
    assert "(строка 40)" in pdf_text(pdf, tmp_path)


def _word_boxes(pdf: bytes, tmp_path) -> list[list[tuple[float, float, float, float, str]]]:
    import subprocess

    from tests.require import require_tool
    path = tmp_path / "boxes.pdf"
    path.write_bytes(pdf)
    html = subprocess.run([require_tool("pdftotext"), "-bbox", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout
    pages = []
    for page in html.split("<page ")[1:]:
        pages.append([(float(x0), float(y0), float(x1), float(y1), word) for x0, y0, x1, y1, word in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', page)])
    return pages


def test_no_text_crosses_a_column_rule_of_the_charges_table(stress_pdf, tmp_path):
    from panel.documents import charges_table, render
    from panel.documents.fonts import fonts
    table = charges_table.geometry(render.MARGIN, render.PAGE_WIDTH - 2 * render.MARGIN, fonts())
    inner_edges = table.edges[1:-1]
    pages = [words for words in _word_boxes(stress_pdf, tmp_path) if any(word == "13" for *_, word in words)]
    assert len(pages) >= 2
    for words in pages:
        numbers_row = max(y1 for _, _, _, y1, word in words if word == "13")  # the column numbers
        totals = [y0 for _, y0, _, _, word in words if word == "Итого"]
        body_end = max(totals) if totals and max(totals) > numbers_row else render.PAGE_HEIGHT - render.MARGIN
        body = [box for box in words if numbers_row < box[1] and box[3] <= body_end]
        assert len(body) > 100
        for x0, _, x1, _, word in body:
            assert not any(x0 + 0.3 < edge < x1 - 0.3 for edge in inner_edges), word
        assert all(x1 <= render.PAGE_WIDTH - render.MARGIN + 0.5 for _, _, x1, _, _ in words)


def test_huge_figures_are_set_smaller_to_stay_in_their_cell(tmp_path):
    document = payable_seed()
    line = dataclasses.replace(document.lines[1], total=Decimal("-123456789.99"), charged=Decimal("987654321.00"))
    pdf = render_pdf(dataclasses.replace(document, lines=(line,) + document.lines[2:]))
    text = _words(pdf_text(pdf, tmp_path))
    assert "-123 456 789,99" in text and "987 654 321,00" in text

"""The top of the first page: the title, «Сведения о плательщике и исполнителе услуг»,
«Информация для внесения платы получателю платежа» with the advance and the totals, and
the payment QR code at the right.

Blocks are laid out first (text wrapped to their widths), then drawn; the head's height
depends on the data (a long name wraps), and the table starts below it.
"""
from collections.abc import Callable
from dataclasses import dataclass

from panel.documents.charges_table import PADDING, first_baseline
from panel.documents.fonts import Face, Fonts
from panel.documents.model import PaymentDocument
from panel.documents.pdf_page import PageWriter
from panel.documents.qr_symbol import QUIET_ZONE, QrSymbol, pdf_operators
from panel.documents.text_fit import fitting_size, one_line, wrap
from panel.validation import format_date, format_decimal, format_money, period_label

TITLE_SIZE, SIZE, LEADING, SMALL, SMALL_LEADING = 12.0, 8.0, 9.6, 6.5, 7.6
GAP = 10.0
QR_SIDE = 40.5 * 72 / 25.4  # the symbol itself a little over 40 mm wide, the quiet zone around it besides
MAX_LINES = 6             # of one field from the data; beyond, the text is cut with "…"
PAYER_HEADING = "Сведения о плательщике и исполнителе услуг"
PAYMENT_HEADING = "Информация для внесения платы получателю платежа (получателям платежей)"
PAYMENT_COLUMNS = (
    (0.27, "Наименование получателя платежа"),
    (0.37, "Номер банковского счета и банковские реквизиты"),
    (0.19, "№ лицевого счета (иной идентификатор плательщика)"),
    (0.17, "Сумма к оплате за расчетный период, руб."),
)
Draw = Callable[[PageWriter, float], None]  # draws at the given top


def document_title(document: PaymentDocument) -> str:
    return f"Счет на оплату ЖКУ за {period_label(document.period)} г."


@dataclass(frozen=True)
class Block:
    height: float
    draw: Draw


def _roubles(value) -> str:
    return "" if value is None else f"{format_money(value)} руб."


def _labelled(label: str, value: str, left: float, width: float, fonts: Fonts, bold_value: bool = False) -> Block:
    """"Label: value" with the value wrapped after the label and under it."""
    label_text = f"{label}: "
    label_width = fonts.regular.width(label_text, SIZE)
    face = fonts.bold if bold_value else fonts.regular
    lines = wrap(value, face, SIZE, width, first_width=max(width - label_width, 0.0), max_lines=MAX_LINES) or [""]

    def draw(page: PageWriter, top: float) -> None:
        baseline = top - LEADING + 2.0
        page.text(left, baseline, label_text, fonts.regular, SIZE)
        page.text(left + label_width, baseline, lines[0], face, SIZE)
        for line in lines[1:]:
            baseline -= LEADING
            page.text(left, baseline, line, face, SIZE)
    return Block(len(lines) * LEADING, draw)


def _paragraph(text: str, left: float, width: float, face: Face, size: float = SIZE,
               leading: float = LEADING) -> Block:
    lines = wrap(text, face, size, width, max_lines=MAX_LINES)

    def draw(page: PageWriter, top: float) -> None:
        baseline = top - leading + 2.0
        for line in lines:
            page.text(left, baseline, line, face, size)
            baseline -= leading
    return Block(len(lines) * leading, draw)


def _stack(blocks: list[Block]) -> Block:
    def draw(page: PageWriter, top: float) -> None:
        for block in blocks:
            block.draw(page, top)
            top -= block.height
    return Block(sum(block.height for block in blocks), draw)


def _payer_block(document: PaymentDocument, left: float, width: float, fonts: Fonts) -> Block:
    recipient, centre = document.recipient, document.centre
    area = "" if document.total_area is None else f"{format_decimal(document.total_area)} кв. м"
    residents = "" if document.residents is None else f"{document.residents} чел."
    blocks = [
        _paragraph(PAYER_HEADING, left, width, fonts.bold),
        _labelled("Плательщик", document.payer, left, width, fonts),
        _labelled("Адрес", document.address, left, width, fonts),
        _labelled("Площадь помещения", f"{area}    Количество проживающих: {residents}", left, width, fonts),
    ]
    if document.capital_repair_number.strip():
        blocks.append(_labelled("Лицевой счет для взносов на капитальный ремонт", document.capital_repair_number,
                                left, width, fonts))
    blocks += [
        _labelled("Исполнитель услуг", recipient.name, left, width, fonts),
        _labelled("Адрес", recipient.address, left, width, fonts),
    ]
    contacts = ", ".join(one_line(value) for value in (recipient.phone, recipient.email, recipient.site)
                         if value.strip())
    if contacts:
        blocks.append(_labelled("Телефон, e-mail, сайт", contacts, left, width, fonts))
    blocks += [
        _labelled("Режим работы", recipient.work_hours, left, width, fonts),
        _labelled("Расчетный центр", centre.name, left, width, fonts),
        _labelled("Адрес", centre.address, left, width, fonts),
        _labelled("Режим работы", centre.work_hours, left, width, fonts),
    ]
    return _stack(blocks)


def _requisites(document: PaymentDocument) -> list[str]:
    recipient = document.recipient
    inn_kpp = "/".join(value for value in (one_line(recipient.inn), one_line(recipient.kpp)) if value)
    return [
        f"ИНН/КПП {inn_kpp}",
        f"р/с {one_line(recipient.bank_account)} в {one_line(recipient.bank_name)}",
        f"БИК {one_line(recipient.bic)}",
        f"к/с {one_line(recipient.corr_account)}",
    ]


def _payment_table(document: PaymentDocument, left: float, width: float, fonts: Fonts) -> Block:
    edges = [left]
    for share, _ in PAYMENT_COLUMNS:
        edges.append(edges[-1] + share * width)
    inner = [edges[index + 1] - edges[index] - 2 * PADDING for index in range(len(PAYMENT_COLUMNS))]
    heads = [wrap(text, fonts.bold, SMALL, inner[index]) for index, (_, text) in enumerate(PAYMENT_COLUMNS)]
    head_height = max(map(len, heads)) * SMALL_LEADING + 2 * PADDING
    cells = [
        wrap(document.recipient.name, fonts.regular, SIZE, inner[0], max_lines=MAX_LINES),
        [line for text in _requisites(document)
         for line in wrap(text, fonts.regular, SIZE, inner[1], max_lines=MAX_LINES)],
        wrap(document.account_number, fonts.regular, SIZE, inner[2], max_lines=2),
    ]
    amount = format_money(document.total_for_period)
    amount_size = fitting_size(amount, fonts.bold, SIZE, inner[3])
    row_height = max(map(len, cells)) * LEADING + 2 * PADDING

    def draw(page: PageWriter, top: float) -> None:
        page.shade(left, top - head_height, width, head_height)
        page.frame(left, top - head_height - row_height, width, head_height + row_height)
        page.rule(left, top - head_height, left + width, top - head_height)
        for index, lines in enumerate(heads):
            page.rule(edges[index + 1], top, edges[index + 1], top - head_height - row_height)
            baseline = first_baseline(top, head_height, len(lines), SMALL, SMALL_LEADING)
            for line in lines:
                page.text_centred((edges[index] + edges[index + 1]) / 2, baseline, line, fonts.bold, SMALL)
                baseline -= SMALL_LEADING
        row_top = top - head_height
        for index, lines in enumerate(cells):
            baseline = row_top - PADDING - LEADING + 2.0
            for line in lines:
                page.text(edges[index] + PADDING, baseline, line, fonts.regular, SIZE)
                baseline -= LEADING
        page.text_right(edges[4] - PADDING, row_top - PADDING - LEADING + 2.0, amount, fonts.bold, amount_size)
    return Block(head_height + row_height, draw)


def _payments_and_totals(document: PaymentDocument, left: float, width: float, fonts: Fonts) -> Block:
    last = ", ".join(text for text in (
        "" if document.last_payment_date is None else format_date(document.last_payment_date),
        _roubles(document.last_payment_amount)) if text)
    blocks = [_paragraph(f"Аванс: {_roubles(document.advance)}    Последняя оплата: {last}",
                         left, width, fonts.regular)]
    if document.payments_counted_until is not None:
        blocks.append(_paragraph(f"(учтены платежи, поступившие до {format_date(document.payments_counted_until)}"
                                 " включительно)", left, width, fonts.regular))
    if document.debt_previous is not None:
        blocks.append(_labelled("Задолженность за предыдущие периоды", _roubles(document.debt_previous),
                                left, width, fonts))
    if document.penalties is not None:
        blocks.append(_labelled("Пени", _roubles(document.penalties), left, width, fonts))
    blocks += [
        _labelled("Итого к оплате за расч. период", _roubles(document.total_for_period), left, width, fonts, True),
        _labelled("Итого к оплате с учетом аванса", _roubles(document.total_with_advance), left, width, fonts, True),
    ]
    return _stack(blocks)


def _qr_block(symbol: QrSymbol, left: float) -> Block:
    quiet = QUIET_ZONE * QR_SIDE / symbol.modules

    def draw(page: PageWriter, top: float) -> None:
        page.literal(pdf_operators(symbol, left + quiet, top - quiet, QR_SIDE))
    return Block(QR_SIDE + 2 * quiet, draw)


def qr_width(symbol: QrSymbol) -> float:
    return QR_SIDE * (1 + 2 * QUIET_ZONE / symbol.modules)


def document_head(document: PaymentDocument, symbol: QrSymbol | None, left: float, width: float,
                  fonts: Fonts) -> Block:
    """The whole head, `width` wide from `left`; the QR code's place stays empty without one."""
    title = document_title(document)
    qr_place = max(QR_SIDE * 1.25, qr_width(symbol) if symbol else 0.0)  # the same with or without a code
    payer_width = width * 0.38
    payment_left = left + payer_width + GAP
    payment_width = width - payer_width - qr_place - 2 * GAP
    payer = _payer_block(document, left, payer_width, fonts)
    payment = _stack([
        _paragraph(PAYMENT_HEADING, payment_left, payment_width, fonts.bold),
        _payment_table(document, payment_left, payment_width, fonts),
        Block(4.0, lambda page, top: None),
        _payments_and_totals(document, payment_left, payment_width, fonts),
    ])
    qr = None if symbol is None else _qr_block(symbol, left + width - qr_width(symbol))
    title_height = TITLE_SIZE * 2
    body = max(payer.height, payment.height, qr.height if qr else 0.0)

    def draw(page: PageWriter, top: float) -> None:
        page.text_centred(left + width / 2, top - TITLE_SIZE, title, fonts.bold, TITLE_SIZE)
        body_top = top - title_height
        payer.draw(page, body_top)
        payment.draw(page, body_top)
        if qr:
            qr.draw(page, body_top)
    return Block(title_height + body, draw)

"""The straightforward way to draw the same payment document, for the benchmark to compare with.

What one would write first with reportlab: SimpleDocTemplate, Paragraphs (data escaped for
their markup), Tables with a TableStyle grid and spans, repeatRows for the header on the
next pages, reportlab's own QR widget, the font registered the usual way (TTFont), the
library's default settings. Same content as panel.documents.render, not the same look.
"""
from __future__ import annotations

import functools
import io
from xml.sax.saxutils import escape

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from panel.documents.charges_table import TITLE, line_cells
from panel.documents.document_foot import LEGEND
from panel.documents.document_head import document_title
from panel.documents.fonts import BOLD, REGULAR, font_file
from panel.documents.model import PaymentDocument
from panel.documents.qr import QrUnavailable, qr_payload
from panel.validation import format_date, format_money

HEADER = [
    ["Виды услуг", "Ед. изм.", "Объем коммун. услуг*", "", "Тариф руб./ед. изм.", "Размер платы за ком.услуги, руб.", "",
     "Всего начислено, руб.", "Перерасчеты, руб.", "Льготы, руб.", "Итого к оплате, руб.", "", "",
     "Справочная информация", "", "", "", "", ""],
    ["", "", "Индив.", "Общедом.", "", "Индив.", "Общедом.", "", "", "", "Всего", "Индив.", "Общедом.",
     "Норматив", "", "Показания", "", "Объем в доме", ""],
    [str(n) for n in range(1, 14)] + [str(n) for n in range(1, 7)],
]


@functools.cache
def _styles() -> tuple[ParagraphStyle, ParagraphStyle, ParagraphStyle]:
    pdfmetrics.registerFont(TTFont("Plain", str(font_file(REGULAR))))
    pdfmetrics.registerFont(TTFont("Plain-Bold", str(font_file(BOLD))))
    body = ParagraphStyle("body", fontName="Plain", fontSize=8, leading=9.6)
    cell = ParagraphStyle("cell", fontName="Plain", fontSize=6.5, leading=7.5)
    bold = ParagraphStyle("bold", fontName="Plain-Bold", fontSize=12, leading=14, alignment=1)
    return body, cell, bold


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def render_platypus(document: PaymentDocument) -> bytes:
    body, cell, title = _styles()
    recipient = document.recipient
    story = [_p(document_title(document), title), Spacer(1, 4)]
    for label, value in (("Плательщик", document.payer), ("Адрес", document.address),
                         ("Исполнитель услуг", recipient.name), ("Адрес", recipient.address),
                         ("Режим работы", recipient.work_hours), ("Расчетный центр", document.centre.name)):
        story.append(_p(f"{label}: {value}", body))
    requisites = (f"ИНН/КПП {recipient.inn}/{recipient.kpp} р/с {recipient.bank_account} в {recipient.bank_name} "
                  f"БИК {recipient.bic} к/с {recipient.corr_account}")
    payment = Table([[_p("Получатель платежа", cell), _p("Реквизиты", cell), _p("№ лицевого счета", cell),
                      _p("Сумма, руб.", cell)],
                     [_p(recipient.name, cell), _p(requisites, cell), _p(document.account_number, cell),
                      _p(format_money(document.total_for_period), cell)]],
                    colWidths=[70 * mm, 90 * mm, 40 * mm, 30 * mm])
    payment.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black)]))
    story.append(payment)
    try:
        widget = QrCodeWidget(qr_payload(document), barLevel="M")
        x0, y0, x1, y1 = widget.getBounds()
        side = 45 * mm
        drawing = Drawing(side, side, transform=[side / (x1 - x0), 0, 0, side / (y1 - y0), 0, 0])
        drawing.add(widget)
        story.append(drawing)
    except QrUnavailable:
        pass
    advance = format_money(document.advance) if document.advance is not None else ""
    last = format_date(document.last_payment_date) if document.last_payment_date else ""
    for text in (f"Аванс: {advance} руб. Последняя оплата: {last}",
                 f"Итого к оплате за расч. период: {format_money(document.total_for_period)} руб.",
                 f"Итого к оплате с учетом аванса: {format_money(document.total_with_advance)} руб.",
                 f"{TITLE} № л/сч {document.account_number}"):
        story.append(_p(text, body))
    rows = [[_p(text, cell) for text in row] for row in HEADER]
    section = ""
    for line in document.lines:
        if line.section and line.section != section:
            rows.append([_p(line.section, cell)] + [""] * 18)
        section = line.section
        rows.append([_p(text, cell) for text in line_cells(line)])
    rows.append([_p("Итого к оплате за расчетный период", cell)] + [""] * 9
                + [_p(format_money(document.total_for_period), cell)] + [""] * 8)
    widths = [95] + [26] + [38] * 11 + [30] * 6
    table = Table(rows, colWidths=widths, repeatRows=3)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("SPAN", (2, 0), (3, 0)), ("SPAN", (5, 0), (6, 0)), ("SPAN", (10, 0), (12, 0)), ("SPAN", (13, 0), (18, 0)),
        ("SPAN", (13, 1), (14, 1)), ("SPAN", (15, 1), (16, 1)), ("SPAN", (17, 1), (18, 1)),
        ("BACKGROUND", (0, 0), (-1, 2), colors.lightgrey),
    ]))
    story += [table, Spacer(1, 4), _p(LEGEND, body)]
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=landscape(A4), leftMargin=10 * mm, rightMargin=10 * mm,
                      topMargin=10 * mm, bottomMargin=10 * mm).build(story)
    return buffer.getvalue()


def render_platypus_batch(documents: list[PaymentDocument]) -> list[bytes]:
    return [render_platypus(document) for document in documents]

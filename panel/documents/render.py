"""The monthly «Платежный документ» as a PDF: `render_pdf` for one, `render_batch` for a pool,
`render_many` for several in one file.

A4 landscape (the charges table has 19 columns): the head with the payer, the payment
details, the totals and the ГОСТ Р 56042-2014 QR code; the charges table, which flows
onto further pages with its header rows repeated; the house's figures, the legend and
the model form's extra sections after it. Drawn with reportlab's canvas, not platypus.

Per process (on first use): the fonts and their widths, the table's column rules and
laid-out header. Per document: the text wrapping, one canvas, the font subsets (only the
glyphs used) and page compression. `invariant` output: the same document gives the same bytes.
"""
import contextlib
import io
from collections.abc import Iterator

from reportlab import rl_config
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from panel.documents import charges_table
from panel.documents.charges_table import SectionRow
from panel.documents.document_foot import foot_items
from panel.documents.document_head import document_head, document_title
from panel.documents.fonts import Fonts, fonts
from panel.documents.model import PaymentDocument
from panel.documents.page_flow import Item, paginate
from panel.documents.pdf_page import PageWriter, TextCodes
from panel.documents.qr import QrUnavailable, qr_payload
from panel.documents.qr_symbol import QrSymbol, encode
from panel.documents.text_fit import one_line, wrap

PAGE_WIDTH, PAGE_HEIGHT = landscape(A4)
MARGIN = 10 * mm
GAP = 8.0
TITLE_SIZE, TITLE_LEADING = 8.0, 10.0
NOTE_SIZE = 6.5
FOOTER_HEIGHT = 10.0


def _symbol(document: PaymentDocument) -> QrSymbol | None:
    try:
        return encode(qr_payload(document))
    except QrUnavailable:
        return None


def _table_header(document: PaymentDocument, table: charges_table.Geometry, face_set: Fonts) -> Item:
    title = wrap(f"{charges_table.TITLE} № л/сч {one_line(document.account_number)}", face_set.bold,
                 TITLE_SIZE, table.right - table.left, max_lines=2)
    title_height = len(title) * TITLE_LEADING + 2.0

    def draw(page: PageWriter, top: float) -> float:
        baseline = top - TITLE_LEADING + 2.0
        for line in title:
            page.text(table.left, baseline, line, face_set.bold, TITLE_SIZE)
            baseline -= TITLE_LEADING
        return charges_table.draw_header(page, table, face_set, top - title_height)
    return Item(title_height + table.header_height + charges_table.NUMBER_ROW_HEIGHT, draw)


def _row_item(row: charges_table.Row, table: charges_table.Geometry, face_set: Fonts) -> Item:
    def draw(page: PageWriter, top: float) -> float:
        return charges_table.draw_row(page, row, table, face_set, top)
    return Item(row.height, draw, in_table=True, keep_with_next=isinstance(row, SectionRow))


def _running_head(document: PaymentDocument) -> str:
    return f"{document_title(document)} Лицевой счет {one_line(document.account_number)} (продолжение)"


@contextlib.contextmanager
def _binary_streams() -> Iterator[None]:
    """Page streams only Flate-compressed while a document is made: reportlab's default adds
    ASCII85 on top, which is for 7-bit channels, costs time and makes the streams a quarter
    larger. reportlab reads the setting when pages are made and when the file is written."""
    saved = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = saved


def render_pdf(document: PaymentDocument) -> bytes:
    """One complete PDF of the document."""
    with _binary_streams():
        return _render(document)


def render_many(documents: list[PaymentDocument]) -> bytes:
    """Several documents in one PDF, each from a new page, the fonts embedded once: what is
    printed («На принтер») is far smaller than the documents' own files joined."""
    with _binary_streams():
        face_set = fonts()
        buffer = io.BytesIO()
        canvas = _canvas(buffer, face_set)
        canvas.setTitle(f"Платежные документы: {len(documents)}")
        canvas.setSubject("Платежные документы")
        codes = TextCodes(canvas, face_set)
        for document in documents:
            _draw(document, canvas, codes, face_set)
        canvas.save()
        return buffer.getvalue()


def _render(document: PaymentDocument) -> bytes:
    face_set = fonts()
    buffer = io.BytesIO()
    canvas = _canvas(buffer, face_set)
    canvas.setTitle(f"{document_title(document)} Лицевой счет {one_line(document.account_number)}")
    canvas.setSubject("Платежный документ")
    canvas.setAuthor(one_line(document.recipient.name))
    _draw(document, canvas, TextCodes(canvas, face_set), face_set)
    canvas.save()
    return buffer.getvalue()


def _canvas(buffer: io.BytesIO, face_set: Fonts) -> Canvas:
    # The initial font is ours: otherwise reportlab sets Helvetica on every page, a font not embedded.
    canvas = Canvas(buffer, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), pageCompression=1, invariant=1,
                    initialFontName=face_set.regular.name)
    canvas.setCreator("epd-relay")
    return canvas


def _draw(document: PaymentDocument, canvas: Canvas, codes: TextCodes, face_set: Fonts) -> None:
    """The document's pages, from the canvas's next page on."""
    left, width, top = MARGIN, PAGE_WIDTH - 2 * MARGIN, PAGE_HEIGHT - MARGIN
    table = charges_table.geometry(left, width, face_set)
    head = document_head(document, _symbol(document), left, width, face_set)
    rows = charges_table.table_rows(document.lines, document.total_for_period, table, face_set)
    items = [_row_item(row, table, face_set) for row in rows] + foot_items(document, left, width, face_set)
    pages = paginate(items, _table_header(document, table, face_set), first_top=top - head.height - GAP,
                     next_top=top - 2 * TITLE_LEADING, bottom=MARGIN + FOOTER_HEIGHT)
    for number, placed_items in enumerate(pages, start=1):
        page = PageWriter(canvas, codes)
        if number == 1:
            head.draw(page, top)
        else:
            page.text(left, top - TITLE_LEADING + 2.0, _running_head(document), face_set.bold, TITLE_SIZE)
        if len(pages) > 1:
            page.text_right(left + width, MARGIN, f"Страница {number} из {len(pages)}", face_set.regular, NOTE_SIZE)
        for placed in placed_items:
            placed.item.draw(page, placed.top)
        page.finish()


def render_batch(documents: list[PaymentDocument]) -> list[bytes]:
    """PDFs of several documents, in order: a job for a process pool (documents pickle)."""
    return [render_pdf(document) for document in documents]

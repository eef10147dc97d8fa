"""Several documents in one PDF (what «На принтер» prints): each from a new page, fonts once."""
import io
import subprocess

from pypdf import PdfReader

from panel.documents.render import render_many, render_pdf
from tests.panel.documents.documents import payable_seed, pdf_text, stress_document
from tests.require import require_tool


def test_each_document_starts_a_page_and_every_one_is_there(tmp_path):
    documents = [payable_seed(), stress_document(), payable_seed()]
    together = render_many(documents)
    pages = [len(PdfReader(io.BytesIO(render_pdf(document))).pages) for document in documents]
    reader = PdfReader(io.BytesIO(together))
    assert len(reader.pages) == sum(pages)
    starts = [sum(pages[:index]) for index in range(len(documents))]
    for start, document in zip(starts, documents):
        assert f"№ л/сч {document.account_number}" in reader.pages[start].extract_text().replace("\n", " ")
    assert pdf_text(together, tmp_path).count("Сведения о плательщике и исполнителе услуг") == 3


def test_the_fonts_are_embedded_once_for_all(tmp_path):
    documents = [payable_seed()] * 20
    together = render_many(documents)
    path = tmp_path / "many.pdf"
    path.write_bytes(together)
    fonts = subprocess.run([require_tool("pdffonts"), str(path)], check=True, capture_output=True,
                           text=True).stdout.splitlines()[2:]
    assert len(fonts) == 2
    assert len(together) * 3 < len(render_pdf(documents[0])) * len(documents)  # not the files joined

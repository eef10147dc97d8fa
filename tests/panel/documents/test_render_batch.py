"""render_batch as the panel runs it: a job of a process pool, documents pickled to it."""
import io
from concurrent.futures import ProcessPoolExecutor

import pypdf

from panel.documents.render import render_batch, render_pdf
from tests.panel.documents.documents import payable_seed, stress_document, without_requisites


def test_a_pool_renders_the_same_documents_as_this_process():
    documents = [payable_seed(), stress_document(), without_requisites(payable_seed())]
    with ProcessPoolExecutor(max_workers=2) as pool:
        batches = list(pool.map(render_batch, [documents[:2], documents[2:]]))
    pdfs = [pdf for batch in batches for pdf in batch]
    assert pdfs == [render_pdf(document) for document in documents]
    for pdf, document in zip(pdfs, documents):
        text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
        assert document.account_number in text

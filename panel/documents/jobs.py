"""Payment-document work for the job processes (panel/jobs.py): read from the store, render.

Each job opens the panel's store itself and reads what it renders, so that neither the
documents nor the PDFs pass through the event loop the relay shares.
"""
import sqlite3
from contextlib import closing
from pathlib import Path

from pypdf import PdfWriter

from panel.documents.file_name import file_name
from panel.documents.read_model import read_document, read_documents
from panel.documents.render import render_many, render_pdf


def _connect(database: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=60)


def render_account(database: Path, account_id: int, period: str) -> tuple[str, bytes] | None:
    """One account's document as (its file name, the PDF), or None when it has none for the period."""
    with closing(_connect(database)) as connection:
        document = read_document(connection, account_id, period)
    return None if document is None else (file_name(document.account_number, period), render_pdf(document))


def render_part(database: Path, account_ids: list[int], period: str, path: Path) -> int:
    """These accounts' documents, in order, as one PDF file (the fonts embedded once); how many."""
    with closing(_connect(database)) as connection:
        documents = list(read_documents(connection, account_ids, period))
    path.write_bytes(render_many(documents))
    return len(documents)


def render_files(database: Path, account_ids: list[int], period: str, directory: Path) -> int:
    """A file each, named EPD_<account number>_<period>.pdf, in `directory`; how many."""
    with closing(_connect(database)) as connection:
        documents = list(read_documents(connection, account_ids, period))
    for document in documents:
        (directory / file_name(document.account_number, period)).write_bytes(render_pdf(document))
    return len(documents)


def merge_parts(parts: list[Path], path: Path) -> None:
    """The parts one after another in one file (pypdf), written to a temporary name first."""
    writer = PdfWriter()
    for part in parts:
        writer.append(str(part))
    partial = path.with_name(path.name + ".part")
    with open(partial, "wb") as out:
        writer.write(out)
    partial.replace(path)

"""The packaged TrueType fonts: where they come from, what they cover, how they are embedded."""
import dataclasses
import io
import struct

import pypdf
import pytest

from panel.documents.fonts import ALPHABET, BOLD, REGULAR, font_file, fonts
from panel.documents.render import render_pdf
from tests.panel.documents.documents import payable_seed, pdf_text

RUSSIAN = "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдеёжзийклмнопрстуфхцчшщъыьэюя№«»–—"


def _fs_type(path) -> int:
    data = path.read_bytes()
    tables = struct.unpack(">H", data[4:6])[0]
    for index in range(tables):
        tag, _, offset, _ = struct.unpack(">4sIII", data[12 + 16 * index:28 + 16 * index])
        if tag == b"OS/2":
            return struct.unpack(">H", data[offset + 8:offset + 10])[0]
    raise AssertionError("no OS/2 table")


@pytest.mark.parametrize("name", [REGULAR, BOLD])
def test_the_fonts_come_from_the_package_and_allow_embedding(name):
    path = font_file(name)
    assert "font_source_sans_pro" in path.parts and path.suffix == ".ttf"
    assert _fs_type(path) == 0  # installable embedding: no restriction
    licence = (path.parent / "LICENSE.txt").read_text()
    assert "SIL Open Font License, Version 1.1" in licence


@pytest.mark.parametrize("attribute", ["regular", "bold"])
def test_both_faces_cover_russian_and_the_alphabet(attribute):
    face = getattr(fonts(), attribute)
    missing = [char for char in RUSSIAN + face.alphabet if ord(char) not in face.font.face.charToGlyph]
    assert missing == []
    assert set(ALPHABET[BOLD]) <= set(ALPHABET[REGULAR])


def _font_files(pdf: bytes) -> list[bytes]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    files = []
    for font in reader.pages[0]["/Resources"]["/Font"].values():
        descriptor = font.get_object()["/FontDescriptor"]
        files.append(descriptor["/FontFile2"].get_object().get_data())
    return sorted(files)


def test_documents_within_the_alphabet_share_their_font_files():
    first = payable_seed()
    second = dataclasses.replace(first, payer="Иванова Ольга Петровна", account_number="77")
    assert _font_files(render_pdf(first)) == _font_files(render_pdf(second))


def test_a_character_outside_the_alphabet_still_prints(tmp_path):
    strange = dataclasses.replace(payable_seed(), payer="QUINN Ωmega Ñandú")
    assert "QUINN Ωmega Ñandú" in pdf_text(render_pdf(strange), tmp_path)

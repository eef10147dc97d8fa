"""The typeface of the payment document: Source Sans Pro, from the font-source-sans-pro package.

Why this one: it is a TrueType font that `pip install` brings (no font of the machine is
used), it covers Cyrillic with ё, №, «» and the dashes, its narrow letters suit a table
of 19 columns, and its licence (SIL Open Font License 1.1; OS/2 fsType 0, installable
embedding) allows embedding it in documents. reportlab embeds a subset of the glyphs with
a ToUnicode map, so `pdftotext` reads the text back.

The fonts are read and registered once per process, on first use. Each document's subset
starts with a fixed alphabet (`ALPHABET`: Cyrillic, digits, the punctuation the document
uses, and for the regular face the lower-case Latin of e-mail and web addresses), in the
same order every time; so a document whose text stays within it has the same subset as
the previous one, and that subset's font file is built and compressed once per process
instead of once per document. Text outside the alphabet still prints: its glyphs are
added to that document's subset, which is then built for it alone.
"""
import functools
import zlib
from dataclasses import dataclass, field
from importlib.metadata import distribution
from pathlib import Path

from reportlab.lib.rl_accel import instanceStringWidthTTF
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import FF_NONSYMBOLIC, FF_SYMBOLIC, TTFont, TTFontFace

REGULAR = "EPD-SourceSansPro"
BOLD = "EPD-SourceSansPro-Bold"
_PACKAGE = "font-source-sans-pro"
_FILES = {REGULAR: "SourceSansPro-Regular.ttf", BOLD: "SourceSansPro-Bold.ttf"}
_CYRILLIC = "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдеёжзийклмнопрстуфхцчшщъыьэюя"
_COMMON = "0123456789 .,:;-–—()«»\"'/№%*+x…"
ALPHABET = {BOLD: _CYRILLIC + _COMMON, REGULAR: _CYRILLIC + _COMMON + "abcdefghijklmnopqrstuvwyz@_"}
_SUBSETS_KEPT = 16  # distinct subsets kept per face and process


class _CachingFace(TTFontFace):
    """reportlab's face, with each distinct subset's font file made and compressed once."""

    def __init__(self, filename: str):
        super().__init__(filename)
        self.font_files: dict[tuple[int, ...], tuple[int, bytes]] = {}

    def _font_file(self, subset: list[int]) -> tuple[int, bytes]:
        key = tuple(subset)
        made = self.font_files.get(key)
        if made is None:
            content = self.makeSubset(subset)
            made = (len(content), zlib.compress(content))
            if len(self.font_files) >= _SUBSETS_KEPT:
                self.font_files.clear()
            self.font_files[key] = made
        return made

    def addSubsetObjects(self, doc, fontname, subset):  # noqa: N802 (reportlab's name)
        """As reportlab's, with the font file taken already compressed (a stream whose
        dictionary names its filter is written as it is)."""
        length, compressed = self._font_file(subset)
        font_file = pdfdoc.PDFStream(
            dictionary=pdfdoc.PDFDictionary({"Filter": pdfdoc.PDFName("FlateDecode"), "Length1": length}),
            content=compressed)
        font_file_ref = doc.Reference(font_file, f"fontFile:{self.filename}({fontname})")
        descriptor = pdfdoc.PDFDictionary({
            "Type": "/FontDescriptor",
            "Ascent": self.ascent,
            "CapHeight": self.capHeight,
            "Descent": self.descent,
            "Flags": (self.flags & ~FF_NONSYMBOLIC) | FF_SYMBOLIC,
            "FontBBox": pdfdoc.PDFArray(self.bbox),
            "FontName": pdfdoc.PDFName(fontname),
            "ItalicAngle": self.italicAngle,
            "StemV": self.stemV,
            "FontFile2": font_file_ref,
            "MissingWidth": self.defaultWidth,
        })
        return doc.Reference(descriptor, "fontDescriptor:" + fontname)


class _DocumentFont(TTFont):
    def __init__(self, name: str, filename: str):
        # asciiReadable=False: no block of all ASCII in every subset, only what is used.
        super().__init__(name, filename, asciiReadable=False)
        self.face = _CachingFace(filename)


@dataclass(frozen=True, eq=False)  # one per font and process: equal when the same object, hashable
class Face:
    """A registered font, measured without reportlab's registry look-ups (rl_accel's C code)."""

    name: str
    font: TTFont
    alphabet: str
    # Text -> its (subset, hex codes) runs, valid in every document seeded with the alphabet.
    codes: dict[str, tuple[tuple[int, str], ...]] = field(default_factory=dict)

    @functools.cached_property
    def letters(self) -> frozenset[str]:
        return frozenset(self.alphabet)

    def width(self, text: str, size: float) -> float:
        return instanceStringWidthTTF(self.font, text, size)


@dataclass(frozen=True)
class Fonts:
    regular: Face
    bold: Face


def font_file(name: str) -> Path:
    """Where the installed package keeps a font (read without importing the package's module)."""
    path = Path(distribution(_PACKAGE).locate_file(f"font_source_sans_pro/files/{_FILES[name]}"))
    if not path.is_file():
        raise FileNotFoundError(f"{path}: the {_PACKAGE} package is incomplete")
    return path


def _face(name: str) -> Face:
    font = _DocumentFont(name, str(font_file(name)))
    pdfmetrics.registerFont(font)
    return Face(name, font, ALPHABET[name])


@functools.cache
def fonts() -> Fonts:
    """Registers both faces with reportlab (once per process) and returns them."""
    return Fonts(regular=_face(REGULAR), bold=_face(BOLD))

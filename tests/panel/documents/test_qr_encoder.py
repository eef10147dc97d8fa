"""The payment code's QR encoder against segno, module by module, and its mask choice
against a plain reading of the standard's penalty rules."""
import random
import re
import subprocess

import pytest

from panel.documents import qr_encoder
from panel.documents.qr_encoder import TooLong, data_capacity, encode, version_for
from tests.require import require_module, require_tool

PAYLOAD = ("ST00012|Name=УК \"Тихий океан\"|PersonalAcc=40702810138250123017|BankName=ПАО СБЕРБАНК|"
           "BIC=044525225|CorrespAcc=30101810400000000225|PayeeINN=7707083893|KPP=773601001|Sum=244790|"
           "Purpose=Оплата ЖКУ за Июль 2013 г., л/с 000000001001|PersAcc=000000001001|PaymPeriod=072013")


def _segno(data: bytes, mask: int | None = None):
    segno = require_module("segno", "segno")
    return segno.make(data, mode="byte", error="m", boost_error=False, micro=False, mask=mask)


def _filling(version: int, seed: int) -> bytes:
    """Random bytes that need exactly this version."""
    length = data_capacity(version) - (2 if version <= 9 else 3)
    return random.Random(seed).randbytes(length)


@pytest.mark.parametrize("version", range(1, 41))
def test_every_version_is_the_symbol_segno_makes(version):
    data = _filling(version, version)
    mask = version % 8
    reference = _segno(data, mask)
    symbol = encode(data, mask)
    assert (symbol.version, symbol.mask) == (reference.version, mask) == (version, mask)
    assert symbol.rows == tuple(bytes(row) for row in reference.matrix)


@pytest.mark.parametrize("mask", range(8))
def test_every_mask_is_the_symbol_segno_makes(mask):
    for version in (1, 7, 13, 27):
        data = _filling(version, 100 + version)
        assert encode(data, mask).rows == tuple(bytes(row) for row in _segno(data, mask).matrix)


def test_a_payment_payload_needs_a_version_in_the_low_teens():
    assert encode(PAYLOAD.encode("utf-8")).version == version_for(len(PAYLOAD.encode("utf-8"))) == 13


def test_short_data_is_followed_by_the_terminator_and_the_pad_codewords():
    # 0100 (byte mode), 00000010 (2 bytes), "h", "i", 0000 (terminator), then 11101100 and
    # 00010001 alternately up to version 1-M's 16 data codewords. (segno writes a 0x00
    # codeword before the pad codewords, which is why the comparisons with segno above
    # fill the symbol; a decoder stops at the terminator either way.)
    assert qr_encoder.codewords(b"hi", 1)[:16] == bytes([0x40, 0x26, 0x86, 0x90]) + b"\xec\x11" * 6


def _decoded(symbol, tmp_path) -> bytes:
    """zbarimg's reading of the symbol drawn 4 pixels a module with a quiet zone of 4 modules."""
    scale, quiet = 4, 4
    side = (len(symbol.rows) + 2 * quiet) * scale
    white = bytes([255]) * side
    image = [white] * (quiet * scale)
    for row in symbol.rows:
        line = b"".join(bytes([0 if dark else 255]) * scale for dark in row)
        line = bytes([255]) * (quiet * scale) + line + bytes([255]) * (quiet * scale)
        image += [line] * scale
    image += [white] * (quiet * scale)
    path = tmp_path / "symbol.pgm"
    path.write_bytes(f"P5 {side} {side} 255\n".encode() + b"".join(image))
    result = subprocess.run([require_tool("zbarimg"), "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable",
                             "-Sbinary", str(path)], capture_output=True)
    assert result.returncode == 0, result.stderr
    return result.stdout.rstrip(b"\n")


@pytest.mark.parametrize("text", [PAYLOAD, "ST00012|Name=ТСЖ «Ёлка»|Sum=1", PAYLOAD + "|Purpose=" + "Ж" * 300])
def test_zbar_reads_back_the_utf8_bytes(text, tmp_path):
    data = text.encode("utf-8")
    assert _decoded(encode(data), tmp_path) == data


def test_too_much_data_is_refused():
    with pytest.raises(TooLong):
        version_for(data_capacity(40))


def _plain_penalty(rows: tuple[bytes, ...]) -> int:
    """ISO/IEC 18004 7.8.3.1 read literally, module by module."""
    size = len(rows)
    lines = list(rows) + [bytes(column) for column in zip(*rows)]
    n1 = sum(len(run) - 2 for line in lines for run in re.findall(rb"\x00{5,}|\x01{5,}", line))
    n2 = 3 * sum(1 for i in range(1, size) for j in range(1, size)
                 if rows[i][j] == rows[i - 1][j] == rows[i][j - 1] == rows[i - 1][j - 1])
    finder, light = b"\x01\x00\x01\x01\x01\x00\x01", b"\x00" * 4
    n3 = 0
    for line in lines:
        padded = light + line + light
        for start in range(4, len(padded) - 10):
            if padded[start:start + 7] == finder and light in (padded[start - 4:start], padded[start + 7:start + 11]):
                n3 += 40
    dark = sum(map(sum, rows))
    n4 = 10 * int(abs(dark * 100 / (size * size) - 50) // 5)
    return n1 + n2 + n3 + n4


def test_penalty_is_the_standards():
    for version, seed in ((1, 1), (5, 2), (13, 3), (22, 4)):
        data = _filling(version, seed)
        for mask in range(8):
            symbol = encode(data, mask)
            layout = qr_encoder._layout(version)
            modules = b"".join(symbol.rows)
            assert qr_encoder.penalty(layout, int.from_bytes(modules, "big"),
                                      layout.lines.of(modules), layout.padded_lines.of(modules)) \
                == _plain_penalty(symbol.rows), (version, mask)


def test_the_chosen_mask_has_the_lowest_penalty():
    for seed in range(6):
        data = random.Random(seed).randbytes(random.Random(seed).randrange(20, 500))
        penalties = [_plain_penalty(encode(data, mask).rows) for mask in range(8)]
        assert encode(data).mask == penalties.index(min(penalties))

"""A QR Code encoder (ISO/IEC 18004) for the one case the payment code needs: the whole
payload as one byte-mode segment, error correction level M, the version the data needs.

Why not segno at run time: segno makes the same symbol (the tests compare every version
and mask module by module) but takes about 19 ms per payment code here, three quarters
of it trying the eight masks in pure Python, which alone is most of a document's budget.
Here a version's layout (function patterns, the order of data modules, each mask) is built
once per process; a symbol is then a few operations on whole byte strings and big
integers: Reed-Solomon with one table look-up per codeword, placement as one gather, each
mask as one XOR, and the mask penalty (N1–N4) counted with regular expressions and bit
counts. Byte mode only: Cyrillic is never switched to Kanji or numeric segments.
"""
import functools
from dataclasses import dataclass
from operator import itemgetter

# ISO/IEC 18004:2015 Table 9, level M, versions 1–40: EC codewords per block, then
# (blocks, data codewords per block) of the first and the second group.
_BLOCKS_M = (
    (10, 1, 16, 0, 0), (16, 1, 28, 0, 0), (26, 1, 44, 0, 0), (18, 2, 32, 0, 0), (24, 2, 43, 0, 0),
    (16, 4, 27, 0, 0), (18, 4, 31, 0, 0), (22, 2, 38, 2, 39), (22, 3, 36, 2, 37), (26, 4, 43, 1, 44),
    (30, 1, 50, 4, 51), (22, 6, 36, 2, 37), (22, 8, 37, 1, 38), (24, 4, 40, 5, 41), (24, 5, 41, 5, 42),
    (28, 7, 45, 3, 46), (28, 10, 46, 1, 47), (26, 9, 43, 4, 44), (26, 3, 44, 11, 45), (26, 3, 41, 13, 42),
    (26, 17, 42, 0, 0), (28, 17, 46, 0, 0), (28, 4, 47, 14, 48), (28, 6, 45, 14, 46), (28, 8, 47, 13, 48),
    (28, 19, 46, 4, 47), (28, 22, 45, 3, 46), (28, 3, 45, 23, 46), (28, 21, 45, 7, 46), (28, 19, 47, 10, 48),
    (28, 2, 46, 29, 47), (28, 10, 46, 23, 47), (28, 14, 46, 21, 47), (28, 14, 46, 23, 47), (28, 12, 47, 26, 48),
    (28, 6, 47, 34, 48), (28, 29, 46, 14, 47), (28, 13, 46, 32, 47), (28, 40, 47, 7, 48), (28, 18, 47, 31, 48),
)
_LEVEL_M_BITS = 0b00
_MASKS = (
    lambda i, j: (i + j) % 2 == 0,
    lambda i, j: i % 2 == 0,
    lambda i, j: j % 3 == 0,
    lambda i, j: (i + j) % 3 == 0,
    lambda i, j: (i // 2 + j // 3) % 2 == 0,
    lambda i, j: (i * j) % 2 + (i * j) % 3 == 0,
    lambda i, j: ((i * j) % 2 + (i * j) % 3) % 2 == 0,
    lambda i, j: ((i + j) % 2 + (i * j) % 3) % 2 == 0,
)  # (row i, column j) -> the module is inverted
_BITS = bytes.maketrans(b"01", b"\x00\x01")
_LIGHT4 = b"\x00" * 4


class TooLong(ValueError):
    """More data than a version 40 symbol holds at level M."""


@dataclass(frozen=True)
class Symbol:
    version: int
    mask: int
    rows: tuple[bytes, ...]  # 1 = dark, top row first


def data_capacity(version: int) -> int:
    _, blocks1, data1, blocks2, data2 = _BLOCKS_M[version - 1]
    return blocks1 * data1 + blocks2 * data2


def _count_bits(version: int) -> int:
    return 8 if version <= 9 else 16


def version_for(length: int) -> int:
    """The smallest version whose level-M capacity holds `length` bytes in one byte segment."""
    for version in range(1, 41):
        if 4 + _count_bits(version) + 8 * length <= 8 * data_capacity(version):
            return version
    raise TooLong(f"{length} bytes do not fit a QR Code at error correction level M")


# --- Reed-Solomon over GF(256), x^8 + x^4 + x^3 + x^2 + 1 ----------------------------------

def _gf_multiply(x: int, y: int) -> int:
    product = 0
    for bit in range(7, -1, -1):
        product = (product << 1) ^ ((product >> 7) * 0x11D)
        product ^= ((y >> bit) & 1) * x
    return product


@functools.cache
def _rs_table(degree: int) -> tuple[int, ...]:
    """For each factor, the generator's coefficients (without the leading 1) times it, as an integer."""
    divisor = [0] * (degree - 1) + [1]
    root = 1
    for _ in range(degree):
        for index in range(degree):
            divisor[index] = _gf_multiply(divisor[index], root)
            if index + 1 < degree:
                divisor[index] ^= divisor[index + 1]
        root = _gf_multiply(root, 2)
    return tuple(int.from_bytes(bytes(_gf_multiply(coefficient, factor) for coefficient in divisor), "big")
                 for factor in range(256))


def _rs_remainder(data: bytes, degree: int) -> bytes:
    table, keep, top = _rs_table(degree), (1 << 8 * degree) - 1, 8 * (degree - 1)
    remainder = 0
    for byte in data:
        remainder = ((remainder << 8) & keep) ^ table[byte ^ (remainder >> top)]
    return remainder.to_bytes(degree, "big")


def codewords(data: bytes, version: int) -> bytes:
    """The final message: the segment, terminator, padding, blocks with EC codewords, interleaved."""
    degree, blocks1, data1, blocks2, data2 = _BLOCKS_M[version - 1]
    capacity = data_capacity(version)
    count_bits = _count_bits(version)
    stream = (((0b0100 << count_bits) | len(data)) << 8 * len(data)) | int.from_bytes(data, "big")
    length = 4 + count_bits + 8 * len(data)
    terminator = min(4, 8 * capacity - length)
    padding = (-(length + terminator)) % 8
    stream <<= terminator + padding
    length += terminator + padding
    message = stream.to_bytes(length // 8, "big")
    message += (b"\xec\x11" * capacity)[:capacity - len(message)]
    blocks, start = [], 0
    for size in [data1] * blocks1 + [data2] * blocks2:
        blocks.append(message[start:start + size])
        start += size
    result = bytearray()
    for index in range(max(data1, data2)):
        result.extend(block[index] for block in blocks if index < len(block))
    corrections = [_rs_remainder(block, degree) for block in blocks]
    for index in range(degree):
        result.extend(correction[index] for correction in corrections)
    return bytes(result)


# --- A version's layout, once per process ----------------------------------------------------

def alignment_positions(version: int) -> list[int]:
    if version == 1:
        return []
    count = version // 7 + 2
    size = 4 * version + 17
    step = 26 if version == 32 else (version * 4 + count * 2 + 1) // (count * 2 - 2) * 2
    return [6] + sorted(size - 7 - index * step for index in range(count - 1))


def format_bits(mask: int) -> int:
    data = (_LEVEL_M_BITS << 3) | mask
    remainder = data
    for _ in range(10):
        remainder = (remainder << 1) ^ ((remainder >> 9) * 0x537)
    return ((data << 10) | remainder) ^ 0x5412


def _version_bits(version: int) -> int:
    remainder = version
    for _ in range(12):
        remainder = (remainder << 1) ^ ((remainder >> 11) * 0x1F25)
    return (version << 12) | remainder


def _format_positions(size: int) -> list[tuple[tuple[int, int], ...]]:
    """(column, row) of each of the 15 format bits, both copies, bit 0 first."""
    first = [(8, row) for row in range(6)] + [(8, 7), (8, 8), (7, 8)] + [(14 - bit, 8) for bit in range(9, 15)]
    second = [(size - 1 - bit, 8) for bit in range(8)] + [(8, size - 15 + bit) for bit in range(8, 15)]
    return list(zip(first, second))


SEPARATOR = 2  # between lines: equal to no module


class _Lines:
    """The symbol's rows, then its columns, as one byte string: separated by SEPARATOR and, if
    padded, each between 4 light modules. Built from the symbol by one gather; a mask's
    change to it is precomputed, so a masked symbol's lines are one XOR away."""

    def __init__(self, size: int, padding: int, mask_deltas: list[bytes]):
        light, separator = size * size, size * size + 1  # indexes past the symbol: constants
        order = []
        for line in [[row * size + column for column in range(size)] for row in range(size)] + \
                    [[row * size + column for row in range(size)] for column in range(size)]:
            order += [light] * padding + line + [light] * padding + [separator]
        self._gather = itemgetter(*order[:-1])
        self.length = len(order) - 1
        self.deltas = tuple(int.from_bytes(bytes(self._gather(delta + b"\x00\x00")), "big") for delta in mask_deltas)

    def of(self, modules: bytes) -> int:
        return int.from_bytes(bytes(self._gather(modules + bytes((0, SEPARATOR)))), "big")


@dataclass(frozen=True)
class _Layout:
    size: int
    message_bits: int
    gather: itemgetter            # (message bits + template) -> the unmasked symbol, row by row
    template: bytes               # function patterns; format modules light
    mask_deltas: tuple[int, ...]  # per mask: the data modules it inverts and its format bits
    lines: _Lines                 # rows and columns one after another, for N1
    padded_lines: _Lines          # the same, each between 4 light modules, for N3
    two_by_two: int               # modules that can be the lower right of a 2×2 block


@functools.cache
def _layout(version: int) -> _Layout:
    size = 4 * version + 17
    function = bytearray(size * size)
    template = bytearray(size * size)

    def put(column: int, row: int, dark: bool) -> None:
        function[row * size + column] = 1
        template[row * size + column] = int(dark)

    for index in range(size):
        put(6, index, index % 2 == 0)
        put(index, 6, index % 2 == 0)
    for centre_x, centre_y in ((3, 3), (size - 4, 3), (3, size - 4)):
        for dy in range(-4, 5):
            for dx in range(-4, 5):
                if 0 <= centre_x + dx < size and 0 <= centre_y + dy < size:
                    put(centre_x + dx, centre_y + dy, max(abs(dx), abs(dy)) not in (2, 4))
    positions = alignment_positions(version)
    last = len(positions) - 1
    for i, x in enumerate(positions):
        for j, y in enumerate(positions):
            if (i, j) not in ((0, 0), (0, last), (last, 0)):
                for dy in range(-2, 3):
                    for dx in range(-2, 3):
                        put(x + dx, y + dy, max(abs(dx), abs(dy)) != 1)
    format_places = _format_positions(size)
    for first, second in format_places:
        put(*first, False)
        put(*second, False)
    put(8, size - 8, True)  # the dark module
    if version >= 7:
        bits = _version_bits(version)
        for bit in range(18):
            dark = bool((bits >> bit) & 1)
            a, b = size - 11 + bit % 3, bit // 3
            put(a, b, dark)
            put(b, a, dark)

    message_bits = 8 * sum(blocks1 * (data1 + degree) + blocks2 * (data2 + degree)
                           for degree, blocks1, data1, blocks2, data2 in [_BLOCKS_M[version - 1]])
    source = list(range(message_bits, message_bits + size * size))  # function and remainder modules: the template
    data_modules = []
    order = 0
    right = size - 1
    while right >= 1:
        if right == 6:
            right = 5
        upward = ((right + 1) & 2) == 0
        for vertical in range(size):
            row = size - 1 - vertical if upward else vertical
            for column in (right, right - 1):
                index = row * size + column
                if not function[index]:
                    data_modules.append(index)
                    if order < message_bits:
                        source[index] = order
                    order += 1
        right -= 2

    deltas = []
    for mask, inverts in enumerate(_MASKS):
        delta = bytearray(size * size)
        for index in data_modules:
            delta[index] = int(inverts(*divmod(index, size)))
        bits = format_bits(mask)
        for bit, places in enumerate(format_places):
            for column, row in places:
                delta[row * size + column] = (bits >> bit) & 1
        deltas.append(bytes(delta))
    two_by_two = bytearray(size * size)
    for row in range(1, size):
        two_by_two[row * size + 1:(row + 1) * size] = b"\x01" * (size - 1)
    return _Layout(
        size=size, message_bits=message_bits, gather=itemgetter(*source), template=bytes(template),
        mask_deltas=tuple(int.from_bytes(delta, "big") for delta in deltas),
        lines=_Lines(size, 0, deltas), padded_lines=_Lines(size, 4, deltas),
        two_by_two=int.from_bytes(two_by_two, "big"),
    )


# --- Choosing the mask: the penalty of ISO/IEC 18004 7.8.3.1 -------------------------------

def _ones(length: int) -> int:
    return int.from_bytes(b"\x01" * length, "big")


def _n1(lines: int, length: int) -> int:
    """Runs of 5 + i modules of one colour in a row or column: 3 + i each. Counted as the
    windows of five equal modules (a run of L has L - 4) plus 2 for each run's first window."""
    ones = _ones(length)
    differs = lines ^ (lines >> 8)                   # each module against the one before it
    same = ones ^ ((differs | (differs >> 1)) & ones)  # 1 where equal to the one before
    same &= ~(0xFF << 8 * (length - 1))               # the very first module has none before it
    windows = same & (same >> 8) & (same >> 16) & (same >> 24)
    firsts = windows & (ones ^ (same >> 32))
    return windows.bit_count() + 2 * firsts.bit_count()


_FINDER = b"\x01\x00\x01\x01\x01\x00\x01"


def _n3(padded: bytes) -> int:
    """1:1:3:1:1 patterns with 4 light modules before or after them: 40 each."""
    count = 0
    index = padded.find(_FINDER)
    while index != -1:
        if padded[index - 4:index] == _LIGHT4 or padded[index + 7:index + 11] == _LIGHT4:
            count += 1
        index = padded.find(_FINDER, index + 1)
    return 40 * count


def penalty(layout: _Layout, modules: int, lines: int, padded_lines: int) -> int:
    """N1 + N2 + N3 + N4 of a finished symbol, given as integers of its module bytes (1 = dark)."""
    size = layout.size
    n1 = _n1(lines, layout.lines.length)
    n3 = _n3(padded_lines.to_bytes(layout.padded_lines.length, "big"))
    differs = (modules ^ (modules >> 8)) | (modules ^ (modules >> 8 * size)) | (modules ^ (modules >> 8 * (size + 1)))
    n2 = 3 * (layout.two_by_two.bit_count() - (differs & layout.two_by_two).bit_count())
    total = size * size
    n4 = 10 * (abs(20 * modules.bit_count() - 10 * total) // total)
    return n1 + n2 + n3 + n4


def encode(data: bytes, mask: int | None = None) -> Symbol:
    """The symbol for `data` in one byte segment at level M; the mask with the lowest penalty
    unless one is given."""
    version = version_for(len(data))
    layout = _layout(version)
    message = codewords(data, version)
    bits = format(int.from_bytes(message, "big"), f"0{layout.message_bits}b").encode("ascii").translate(_BITS)
    unmasked = bytes(layout.gather(bits + layout.template))
    modules = int.from_bytes(unmasked, "big")
    if mask is None:
        lines, padded = layout.lines.of(unmasked), layout.padded_lines.of(unmasked)
        mask = min(range(8), key=lambda candidate: penalty(
            layout, modules ^ layout.mask_deltas[candidate], lines ^ layout.lines.deltas[candidate],
            padded ^ layout.padded_lines.deltas[candidate]))
    size = layout.size
    final = (modules ^ layout.mask_deltas[mask]).to_bytes(size * size, "big")
    return Symbol(version, mask, tuple(final[start:start + size] for start in range(0, size * size, size)))

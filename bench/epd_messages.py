"""Messages for the POP3 benchmark: EPD-like mail of a chosen size, and its POP3 wire form.

A message mixes text lines of every length up to 998 bytes (some starting with ".", so
the server must dot-stuff them) with base64 attachments (random bytes named
epd-NNNN.pdf), LF line ends as Postfix stores them in a Maildir.
"""
from __future__ import annotations

import base64
import random
import re

MAX_LINE = 998  # RFC 5322, without the CRLF

WORDS = (
    "Единый платежный документ за июль 2013 года, лицевой счет 1000037, кв. 12. "
    "Отопление 1 523,40 руб., горячее водоснабжение 612,15 руб., холодное 233,90 руб. "
    "Account statement for July 2013: heating, hot and cold water, maintenance, lift. "
    "Payment is due by the 10th; late fees accrue per Art. 155 of the Housing Code. "
).split()


def _text_line(rng: random.Random) -> bytes:
    """One line of body text, 0..998 bytes of UTF-8; about 1 in 12 starts with '.'."""
    kind = rng.random()
    if kind < 0.02:
        return b"."  # a line of a single dot: must reach the client as ".."
    if kind < 0.04:
        return b".." + b"." * rng.randrange(3)
    limit = rng.choice((0, 40, 72, 76, 200, 500, MAX_LINE)) if kind < 0.9 else rng.randrange(MAX_LINE + 1)
    words, size = [], 0
    while True:
        word = rng.choice(WORDS).encode()
        if size + len(word) + 1 > limit:
            break
        words.append(word)
        size += len(word) + 1
    line = b" ".join(words)
    if kind > 0.92:
        line = b". " + line
    while len(line) > MAX_LINE:  # cut at a space, never inside a UTF-8 sequence
        line = line[: line.rfind(b" ")]
    return line


def make_message(size: int, seed: int, subject: str, user: str) -> bytes:
    """A multipart message of at least `size` bytes, LF line ends as Postfix stores them."""
    rng = random.Random(seed)
    boundary = f"=_epd_{seed:08x}"
    head = (
        f"Return-Path: <{user}>\n"
        f"Delivered-To: {user}\n"
        "Received: from buh-pc.example.test (localhost [127.0.0.1])\n"
        "\tby mail.provider.test (Postfix) with ESMTPSA id 4F3A1C0123\n"
        f"\tfor <{user}>; Mon, 15 Jul 2013 10:00:00 +0400 (MSK)\n"
        "From: =?utf-8?b?0KLQodCWINCe0LrQtdCw0L0=?= <uk-okean@example.test>\n"
        f"To: {user}\n"
        f"Subject: {subject}\n"
        "Date: Mon, 15 Jul 2013 10:00:00 +0400\n"
        f"Message-ID: <bench-{seed}@example.test>\n"
        "MIME-Version: 1.0\n"
        f'Content-Type: multipart/mixed; boundary="{boundary}"\n'
        "\n"
        "This is a multi-part message in MIME format.\n"
    ).encode()
    pool = [_text_line(rng) for _ in range(4000)]
    parts, total, number = [head], len(head), 0
    while total < size:
        number += 1
        lines = max(3, min(rng.randrange(40, 400), size // 1000))  # small messages stay small
        text = b"\n".join(rng.choices(pool, k=lines))
        block = (
            f"--{boundary}\nContent-Type: text/plain; charset=utf-8\n"
            "Content-Transfer-Encoding: 8bit\n\n"
        ).encode() + text + b"\n"
        attachment_size = min(max(size - total, 0), rng.randrange(200_000, 1_200_000)) * 3 // 4
        if attachment_size:
            block += (
                f"--{boundary}\nContent-Type: application/pdf; name=\"epd-{number:04d}.pdf\"\n"
                "Content-Transfer-Encoding: base64\n"
                f"Content-Disposition: attachment; filename=\"epd-{number:04d}.pdf\"\n\n"
            ).encode() + base64.encodebytes(rng.randbytes(attachment_size))
        parts.append(block)
        total += len(block)
    parts.append(f"--{boundary}--\n".encode())
    message = b"".join(parts)
    assert max(map(len, message.split(b"\n"))) <= MAX_LINE
    return message


def on_the_wire(message: bytes) -> bytes:
    """What a POP3 server sends after "+OK ...\\r\\n" for this LF message: CRLF, dot-stuffed."""
    if not message.endswith(b"\n"):
        message += b"\n"
    return re.sub(rb"(?m)^\.", b"..", message).replace(b"\n", b"\r\n") + b".\r\n"

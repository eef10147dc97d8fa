"""Dot-stuffing both ways, against the plain replace it stands in for."""
import random

from daemon.smtp.transparency import has_dot_line, stuffed, unstuffed


def plain_stuffed(content: bytes) -> bytes:
    wire = (b"." if content.startswith(b".") else b"") + content.replace(b"\r\n.", b"\r\n..")
    if wire and not wire.endswith(b"\r\n"):
        wire += b"\r\n"
    return wire + b".\r\n"


def plain_unstuffed(received: bytes) -> bytes:
    content = received[1:] if received.startswith(b".") else received
    return content.replace(b"\r\n.", b"\r\n")


def messages() -> list[bytes]:
    """Letters shaped like the relay's, and the odd ones: dots at line starts, in lines,
    at the very start and end, more dots in lines than it looks behind."""
    rng = random.Random(5321)
    found = [b"", b".", b"..", b".\r\n", b"\r\n.", b"a\r\n.\r\nb", b"no line end", b"a.b\r\n"]
    words = [b"word", b"dot.", b".lead", b"..", b"www.example.ru", b"QUJD", b"\xd0\x98"]
    for _ in range(300):
        lines = [b" ".join(rng.choices(words, k=rng.randint(0, 8))) for _ in range(rng.randint(1, 40))]
        found.append(b"\r\n".join(lines) + rng.choice([b"", b"\r\n"]))
    many_dots = b"1.2.3.4 " * 100  # 300 dots in lines before the one that starts a line
    found += [many_dots + b"\r\n.x\r\n", many_dots + b"\r\nx\r\n", b"QUJD" * 20000 + b"\r\n.\r\n"]
    return found


def test_stuffing_and_unstuffing_match_the_plain_replace():
    for content in messages():
        assert has_dot_line(content) == (b"\n." in content), content
        wire = stuffed(content)
        assert wire == plain_stuffed(content), content
        received = wire[: -len(b".\r\n")]
        assert unstuffed(received) == plain_unstuffed(received), content
        # What went out comes back as it was, with a line end added if it had none.
        assert unstuffed(received) == content + (b"\r\n" if content and not content.endswith(b"\r\n") else b"")

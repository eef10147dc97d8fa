"""The protocol's shortcuts answer exactly what aiosmtpd's own code answers."""
import pytest
from aiosmtpd.smtp import SMTP

from daemon.smtp_protocol import RelaySMTP
from daemon.smtpd import RelayHandler


class Handler:
    pass


@pytest.mark.parametrize("argument", [
    "<a@b.c>", "<a@b.c> SIZE=123 BODY=8BITMIME", " <a.b+c@d-e.f>", "<A@B.C>", "<a@b.c> ",
    "<>", "a@b.c", '<"q x"@b.c>', "<@route:a@b.c>", "<a..b@c.d>", "<.a@b.c>", "<a@b>",
    "<a@[192.0.2.1]>", "<a@b.c", "<a@b.c>x", "<a@-b.c>", "<" + "x" * 70 + "@b.c>", "", "<a b@c.d>",
])
async def test_addresses_parse_as_aiosmtpd_parses_them(argument):
    ours = RelaySMTP(Handler(), hostname="relay.test", auth_require_tls=False)
    theirs = SMTP(Handler(), hostname="relay.test", auth_require_tls=False)
    assert ours._getaddr(argument) == theirs._getaddr(argument)


async def test_the_local_part_limit_still_applies():
    ours = RelaySMTP(Handler(), hostname="relay.test", auth_require_tls=False)
    ours.local_part_limit = 64
    assert ours._getaddr("<" + "x" * 65 + "@b.c>") == (None, None)
    assert ours._getaddr("<" + "x" * 64 + "@b.c>")[0] == "x" * 64 + "@b.c"


async def test_a_narrow_dir_still_gives_aiosmtpd_every_command_and_hook():
    handler = RelayHandler.__new__(RelayHandler)
    ours = RelaySMTP(handler, hostname="relay.test", auth_require_tls=False)
    theirs = SMTP(Handler(), hostname="relay.test", auth_require_tls=False)
    assert ours._smtp_methods.keys() == theirs._smtp_methods.keys()
    assert set(ours._auth_methods) == {"PLAIN", "LOGIN"}
    assert not any(method.is_builtin for method in ours._auth_methods.values())
    assert set(ours._handle_hooks) == {"EHLO", "MAIL", "RCPT", "DATA"}
    assert ours._ehlo_hook_ver == "new"

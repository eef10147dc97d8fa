"""import-stunnel: stunnel.conf shapes seen in the wild turned into config.toml that loads."""
import tomllib
from pathlib import Path

import pytest

from daemon.config import Config, Pop3Security, Security, TunnelProtocol, parse
from daemon.tunnels.stunnel_import import (
    ImportResult,
    Notice,
    StunnelConfError,
    convert,
    parse_stunnel_conf,
)

GMAIL = """\
; stunnel for the 1C client: mail through Gmail
[gmail-smtp]
client = yes
accept = 127.0.0.1:25
connect = smtp.gmail.com:465
[gmail-pop3]
client = yes
accept = 127.0.0.1:110
connect = pop.gmail.com:995
"""

YANDEX_IMAP = """\
[yandex-imap]
client = yes
accept = 127.0.0.1:1143
connect = imap.yandex.ru:143
protocol = imap
verifyChain = yes
CAfile = ca-certs.pem
checkHost = imap.yandex.ru
"""


def load(result: ImportResult, base_dir: Path) -> Config:
    return parse(tomllib.loads(result.toml), base_dir / "config.toml")


def notices_for(result: ImportResult, service: str | None) -> dict[str, Notice]:
    return {notice.option: notice for notice in result.notices if notice.service == service}


def test_parse_keeps_order_repeats_and_ignores_comments_and_case():
    sections = parse_stunnel_conf(
        "\ufeff; comment\n# another\n  Foreground = yes\n\n[svc one]\n  CLIENT=yes\n"
        "connect = a.example:993\nConnect = b.example:993\n  ; indented comment\n"
    )
    assert sections == [
        (None, [("foreground", "yes")]),
        ("svc one", [("client", "yes"), ("connect", "a.example:993"), ("connect", "b.example:993")]),
    ]


def test_a_line_stunnel_would_refuse_is_an_error_naming_the_line():
    with pytest.raises(StunnelConfError, match="line 2"):
        parse_stunnel_conf("[svc]\nclient yes\n")


def test_gmail_snippet_becomes_the_smtp_and_pop3_relays(tmp_path):
    result = convert(GMAIL, tmp_path, source="/etc/stunnel/stunnel.conf")
    config = load(result, tmp_path)
    assert str(config.smtp.listen) == "127.0.0.1:25"
    assert (config.upstream_smtp.host, config.upstream_smtp.port) == ("smtp.gmail.com", 465)
    assert config.upstream_smtp.security is Security.TLS and config.upstream_smtp.ca_file is None
    assert str(config.pop3.listen) == "127.0.0.1:110"
    assert (config.upstream_pop3.host, config.upstream_pop3.port) == ("pop.gmail.com", 995)
    assert config.upstream_pop3.security is Pop3Security.TLS
    assert config.tunnels == ()
    assert result.toml.startswith("# Converted by `epd-relay import-stunnel` from /etc/stunnel/stunnel.conf.")
    assert "store-and-forward" in result.toml


def test_no_verification_in_stunnel_is_a_warning_per_service(tmp_path):
    result = convert(GMAIL, tmp_path)
    for service, host in (("gmail-smtp", "smtp.gmail.com"), ("gmail-pop3", "pop.gmail.com")):
        warning = notices_for(result, service)["verifyChain"]
        assert warning.severity == "warning"
        assert "did not verify" in warning.message and "system CA store" in warning.message
        assert host in warning.message
    assert result.toml.count("# warning: verifyChain: stunnel did not verify") == 2


def test_verified_imap_tunnel_with_ca_file_and_check_host(tmp_path):
    (tmp_path / "ca-certs.pem").write_text("CA")
    result = convert(YANDEX_IMAP, tmp_path)
    [tunnel] = load(result, tmp_path).tunnels
    assert tunnel.name == "yandex-imap" and str(tunnel.accept) == "127.0.0.1:1143"
    assert [str(target) for target in tunnel.connect] == ["imap.yandex.ru:143"]
    assert tunnel.protocol is TunnelProtocol.IMAP and tunnel.verify
    assert tunnel.ca_file == tmp_path / "ca-certs.pem"
    assert tunnel.verify_name(tunnel.connect[0]) == "imap.yandex.ru"
    assert result.notices == []


def test_check_host_other_than_the_connect_host_becomes_server_name(tmp_path):
    result = convert("[mail]\nclient = yes\naccept = 127.0.0.1:1993\nconnect = 203.0.113.5:993\n"
                     "verifyChain = yes\ncheckHost = imap.example.ru\n", tmp_path)
    [tunnel] = load(result, tmp_path).tunnels
    assert tunnel.server_name == "imap.example.ru" and tunnel.ca_file is None
    assert result.notices == []


def test_missing_ca_file_is_commented_out_and_warned(tmp_path):
    result = convert(YANDEX_IMAP, tmp_path)
    [tunnel] = load(result, tmp_path).tunnels
    assert tunnel.ca_file is None
    assert f'# ca_file = "{tmp_path / "ca-certs.pem"}"' in result.toml
    assert notices_for(result, "yandex-imap")["CAfile"].severity == "warning"


@pytest.mark.parametrize("verify, option, severity, words", [
    ("0", "verify", "warning", "verify = 0"),
    ("1", "checkHost", "warning", "not the host name"),
    ("2", "checkHost", "warning", "not the host name"),
    ("3", "verify", "unsupported", "pinned"),
    ("4", "verify", "unsupported", "pinned"),
])
def test_old_verify_levels(tmp_path, verify, option, severity, words):
    (tmp_path / "peer.pem").write_text("cert")
    result = convert(f"[pop]\nclient = yes\naccept = 127.0.0.1:1110\nconnect = pop.mail.ru:995\n"
                     f"verify = {verify}\nCAfile = peer.pem\n", tmp_path)
    config = load(result, tmp_path)
    assert config.upstream_pop3.ca_file == tmp_path / "peer.pem"
    [notice] = result.notices
    assert (notice.option, notice.severity) == (option, severity) and words in notice.message


def test_verify_peer_alone_asks_for_the_ca_not_the_server_certificate(tmp_path):
    (tmp_path / "server.pem").write_text("cert")
    result = convert("[imap]\nclient = yes\naccept = 127.0.0.1:1143\nconnect = imap.mail.ru:993\n"
                     "verifyPeer = yes\nCAfile = server.pem\n", tmp_path)
    notice = notices_for(result, "imap")["verifyPeer"]
    assert notice.severity == "unsupported" and "CA that issued it" in notice.message
    assert "verifyChain" not in notices_for(result, "imap")


def test_connect_by_ip_without_check_host_is_told_to_set_server_name(tmp_path):
    result = convert("[imap]\nclient = yes\naccept = 127.0.0.1:1143\nconnect = 94.100.180.70:993\n", tmp_path)
    warning = notices_for(result, "imap")["verifyChain"]
    assert "IP address" in warning.message and "server_name" in warning.message
    load(result, tmp_path)


def test_server_mode_service_is_not_converted_and_says_why(tmp_path):
    text = GMAIL + "[imaps-server]\naccept = 993\nconnect = 143\ncert = /etc/stunnel/stunnel.pem\n"
    result = convert(text, tmp_path)
    notices = notices_for(result, "imaps-server")
    assert list(notices) == ["client"]  # its cert is a server certificate, not worth a separate notice
    assert notices["client"].severity == "unsupported" and "never accepts TLS" in notices["client"].message
    config = load(result, tmp_path)
    assert config.tunnels == () and config.upstream_smtp.host == "smtp.gmail.com"
    assert "# stunnel service [imaps-server]: not converted." in result.toml


def test_options_epd_relay_cannot_honour_are_named_with_reasons(tmp_path):
    text = """\
[mailru-smtp]
client = yes
accept = 127.0.0.1:2526
connect = smtp.mail.ru:465
connect = smtp2.mail.ru:465
verifyChain = yes
checkHost = smtp.mail.ru
cert = client.pem
key = client.key
ciphers = HIGH:!aNULL
sslVersion = TLSv1
failover = rr
TIMEOUTidle = 300
TIMEOUTbusy = 60
CApath = /etc/ssl/certs
frobnicate = 1
"""
    result = convert(text, tmp_path)
    notices = notices_for(result, "mailru-smtp")
    assert set(notices) == {"cert", "key", "ciphers", "sslVersion", "failover", "TIMEOUTidle", "TIMEOUTbusy",
                            "CApath", "frobnicate", "connect"}
    assert all(notice.severity == "unsupported" for notice in notices.values())
    assert "client certificate" in notices["cert"].message
    assert "TLS 1.2" in notices["ciphers"].message
    assert "TLSv1 will be refused" in notices["sslVersion"].message
    assert "in the order written" in notices["failover"].message
    assert "ca_file" in notices["CApath"].message
    assert notices["frobnicate"].message.startswith("unknown stunnel option")
    assert "smtp2.mail.ru:465" in notices["connect"].message  # [upstream.smtp] takes one host
    for option in notices:
        assert f"# unsupported: {option}:" in result.toml
    config = load(result, tmp_path)
    assert config.upstream_smtp.host == "smtp.mail.ru" and str(config.smtp.listen) == "127.0.0.1:2526"


def test_failover_targets_stay_in_order_and_timeouts_convert(tmp_path):
    text = """\
[imap]
client = yes
accept = 127.0.0.1:1143
connect = imap.yandex.ru:993
connect = imap2.yandex.ru:993
TIMEOUTidle = 300
TIMEOUTconnect = 10
verifyChain = yes
checkHost = imap.yandex.ru
"""
    result = convert(text, tmp_path)
    [tunnel] = load(result, tmp_path).tunnels
    assert [target.host for target in tunnel.connect] == ["imap.yandex.ru", "imap2.yandex.ru"]
    assert tunnel.idle_timeout == 300 and tunnel.timeout == 10
    assert tunnel.server_name == "imap.yandex.ru"
    assert result.notices == []


def test_global_options_are_defaults_for_every_service(tmp_path):
    (tmp_path / "ca.pem").write_text("CA")
    text = """\
pid = /var/run/stunnel.pid
setuid = stunnel4
debug = 7
output = /var/log/stunnel4/stunnel.log
client = yes
verifyChain = yes
CAfile = ca.pem
ciphers = HIGH
[smtp]
accept = 127.0.0.1:2525
connect = smtp.yandex.ru:465
checkHost = smtp.yandex.ru
[pop3]
accept = 127.0.0.1:1110
connect = pop.yandex.ru:995
checkHost = pop.yandex.ru
"""
    result = convert(text, tmp_path)
    config = load(result, tmp_path)
    assert config.upstream_smtp.ca_file == tmp_path / "ca.pem" == config.upstream_pop3.ca_file
    assert set(notices_for(result, None)) == {"pid", "setuid", "debug", "output", "ciphers"}
    assert notices_for(result, "smtp") == {} and notices_for(result, "pop3") == {}
    assert "# stunnel's global options:" in result.toml


def test_a_service_overrides_a_global_default(tmp_path):
    result = convert("client = yes\nverifyChain = yes\n[imap]\naccept = 127.0.0.1:1143\n"
                     "connect = imap.example.ru:993\nverifyChain = no\n", tmp_path)
    assert notices_for(result, "imap")["verifyChain"].severity == "warning"


@pytest.mark.parametrize("accept, listen, warned", [
    ("127.0.0.1:1143", "127.0.0.1:1143", False),
    ("localhost:1143", "127.0.0.1:1143", False),
    ("::1:1143", "[::1]:1143", False),
    ("1143", "127.0.0.1:1143", True),
    (":::1143", "127.0.0.1:1143", True),
    ("0.0.0.0:1143", "127.0.0.1:1143", True),
    ("192.168.1.10:1143", "127.0.0.1:1143", True),
])
def test_accept_is_moved_to_loopback(tmp_path, accept, listen, warned):
    result = convert(f"[imap]\nclient = yes\naccept = {accept}\nconnect = imap.example.ru:993\n"
                     "verifyChain = yes\ncheckHost = imap.example.ru\n", tmp_path)
    [tunnel] = load(result, tmp_path).tunnels
    assert str(tunnel.accept) == listen
    notice = notices_for(result, "imap").get("accept")
    assert (notice is not None) == warned
    if warned:
        assert notice.severity == "warning" and "plaintext" in notice.message


def test_starttls_protocols_and_second_mail_services_become_tunnels(tmp_path):
    text = """\
[submission]
client = yes
accept = 127.0.0.1:2587
connect = smtp.yandex.ru:587
protocol = smtp
[pop-stls]
client = yes
accept = 127.0.0.1:2110
connect = pop.yandex.ru:110
protocol = pop3
[second-smtp]
client = yes
accept = 127.0.0.1:2465
connect = smtp.mail.ru:465
"""
    config = load(convert(text, tmp_path), tmp_path)
    assert config.upstream_smtp.security is Security.STARTTLS and config.upstream_smtp.port == 587
    assert config.upstream_pop3.security is Pop3Security.STLS and config.upstream_pop3.port == 110
    [tunnel] = config.tunnels
    assert tunnel.name == "second-smtp" and tunnel.protocol is TunnelProtocol.NONE
    assert [str(target) for target in tunnel.connect] == ["smtp.mail.ru:465"]


def test_unsupported_protocol_is_not_converted(tmp_path):
    result = convert("[proxy]\nclient = yes\naccept = 127.0.0.1:8443\nconnect = proxy.example:3128\n"
                     "protocol = connect\nprotocolHost = example.com:443\n", tmp_path)
    assert list(notices_for(result, "proxy")) == ["protocol"]
    assert load(result, tmp_path).tunnels == ()


def test_names_are_sanitized_unique_and_values_quoted(tmp_path):
    text = """\
[Mail.ru IMAP (old)]
client = yes
accept = 127.0.0.1:1143
connect = imap.mail.ru:993
verifyChain = yes
checkHost = odd"name\\x
[Mail.ru IMAP (old)]
client = yes
accept = 127.0.0.1:1144
connect = imap.mail.ru:993
"""
    tunnels = load(convert(text, tmp_path), tmp_path).tunnels
    assert [tunnel.name for tunnel in tunnels] == ["Mail.ru-IMAP-old", "Mail.ru-IMAP-old-2"]
    assert tunnels[0].server_name == 'odd"name\\x'


def test_two_services_on_one_loopback_port_keep_the_first(tmp_path):
    text = ("[pop-v4]\nclient = yes\naccept = 0.0.0.0:995\nconnect = pop.mail.ru:995\n"
            "[pop-v6]\nclient = yes\naccept = :::995\nconnect = pop.mail.ru:995\n")
    result = convert(text, tmp_path)
    config = load(result, tmp_path)
    assert str(config.pop3.listen) == "127.0.0.1:995" and config.tunnels == ()
    assert "already used by stunnel service [pop-v4]" in notices_for(result, "pop-v6")["accept"].message


def test_a_tunnel_on_a_default_listener_port_is_named(tmp_path):
    result = convert("[imap]\nclient = yes\naccept = 127.0.0.1:1110\nconnect = imap.mail.ru:993\n", tmp_path)
    assert "[pop3] listen" in notices_for(result, "imap")["accept"].message


def test_no_services_is_said(tmp_path):
    result = convert("exec = /usr/sbin/imapd\n", tmp_path)
    assert {notice.option for notice in result.notices} == {"exec", "[service]"}
    load(result, tmp_path)


async def test_cli_prints_toml_and_notices(tmp_path):
    import tomllib

    from daemon.config import parse
    from tests.relay_process import run_cli

    conf = tmp_path / "stunnel.conf"
    conf.write_text(
        "[gmail-smtp]\nclient = yes\naccept = 127.0.0.1:25\nconnect = smtp.gmail.com:465\n"
        "[imap]\nclient = yes\naccept = 1143\nconnect = imap.yandex.ru:993\nsslVersion = TLSv1\n"
    )
    code, output = await run_cli("import-stunnel", str(conf))
    assert code == 0
    toml_text = "\n".join(line for line in output.splitlines()
                          if not line.startswith(("warning:", "unsupported:")))
    config = parse(tomllib.loads(toml_text), tmp_path / "config.toml")
    assert config.upstream_smtp.host == "smtp.gmail.com" and config.tunnels[0].name == "imap"
    assert "warning: [gmail-smtp] verifyChain" in output
    assert "sslVersion" in output
    code, output = await run_cli("import-stunnel", str(tmp_path / "missing.conf"))
    assert code == 2 and "cannot read" in output

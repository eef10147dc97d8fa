"""The POP3 half of `check`: connect, TLS, STLS where used, login, STAT, against Dovecot."""
import pytest

from daemon.config import load
from daemon.provider.check import check_pop3
from daemon.provider.step_text import describe
from daemon.provider.steps import Reason, Step
from tests.conftest import write_config
from tests.mailservers.fixtures import PROVIDER_USERS, real_provider  # noqa: F401
from tests.relay_process import run_cli
from tests.scripted_pop3 import provider_with  # noqa: F401
from tls.inspect import CertificateProblem

pytestmark = pytest.mark.postfix

USER = "sender@example.test"
PASSWORD = PROVIDER_USERS[USER]


def config_for(tmp_path, provider, security: str, server_name: str = "localhost", smtp: bool = False):
    port = provider.pop3s_port if security == "tls" else provider.pop3_port
    sections = {
        "storage": {"dir": "state"},
        "upstream.pop3": {"host": "127.0.0.1", "port": port, "security": security,
                          "ca_file": str(provider.ca_file), "server_name": server_name},
        "upstream.smtp": {"username": USER},
    }
    if smtp:
        sections["upstream.smtp"].update(host="127.0.0.1", port=provider.smtps_port, security="tls",
                                         ca_file=str(provider.ca_file), server_name="localhost")
    return write_config(tmp_path, sections)


@pytest.mark.parametrize("security, steps", [
    ("tls", [Step.CONNECT, Step.TLS, Step.GREETING, Step.AUTH, Step.STAT]),
    ("stls", [Step.CONNECT, Step.STARTTLS, Step.TLS, Step.GREETING, Step.AUTH, Step.STAT]),
])
async def test_every_step_passes(tmp_path, real_provider, security, steps):  # noqa: F811
    config = load(config_for(tmp_path, real_provider, security))
    report = await check_pop3(config.upstream_pop3, USER, PASSWORD)
    assert report.ok, report.steps
    assert [s.step for s in report.steps] == steps


async def test_wrong_password_fails_at_auth(tmp_path, real_provider):  # noqa: F811
    config = load(config_for(tmp_path, real_provider, "tls"))
    report = await check_pop3(config.upstream_pop3, USER, "wrong")
    assert not report.ok
    assert report.steps[-1].step is Step.AUTH and "-ERR" in describe(report.steps[-1])
    assert report.steps[-1].reason is Reason.LOGIN_REFUSED


async def test_wrong_host_name_fails_at_tls(tmp_path, real_provider):  # noqa: F811
    config = load(config_for(tmp_path, real_provider, "tls", server_name="pop.other-provider.test"))
    report = await check_pop3(config.upstream_pop3, USER, PASSWORD)
    assert [(s.step, s.ok) for s in report.steps] == [(Step.CONNECT, True), (Step.TLS, False)]
    assert "Hostname mismatch" in describe(report.steps[-1])
    assert report.steps[-1].facts.certificate_problem is CertificateProblem.HOSTNAME_MISMATCH


async def test_cli_checks_smtp_and_pop3(tmp_path, real_provider):  # noqa: F811
    path = config_for(tmp_path, real_provider, "stls", smtp=True)
    code, output = await run_cli("check", "--config", str(path), stdin=PASSWORD + "\n")
    assert code == 0, output
    assert "SMTP: 127.0.0.1" in output and "POP3: 127.0.0.1" in output
    assert "ok   stat" in output and "FAIL" not in output


@pytest.mark.parametrize("refusal, reason", [
    (b"-ERR [IN-USE] Mailbox is locked by another POP3 session", Reason.LOGIN_TEMPORARILY_REFUSED),
    (b"-ERR [LOGIN-DELAY] Wait 15 minutes between logins", Reason.LOGIN_TEMPORARILY_REFUSED),
    (b"-ERR [SYS/TEMP] Storage unavailable", Reason.LOGIN_TEMPORARILY_REFUSED),
    (b"-ERR [AUTH] Authentication failed.", Reason.LOGIN_REFUSED),
    (b"-ERR Authentication failed.", Reason.LOGIN_REFUSED),
])
async def test_a_refusal_at_pass_that_is_not_about_the_password_is_not_called_a_wrong_one(
    tmp_path, tls_files, provider_with, refusal, reason  # noqa: F811
):
    async def refuse(reader, writer):
        writer.write(refusal + b"\r\n")

    server = await provider_with({b"PASS": refuse})
    config = load(write_config(tmp_path, {
        "storage": {"dir": "state"},
        "upstream.pop3": {"host": "127.0.0.1", "port": server.port, "ca_file": str(tls_files.ca_file),
                          "server_name": "localhost"},
    }))
    report = await check_pop3(config.upstream_pop3, USER, PASSWORD)
    assert not report.ok
    assert (report.steps[-1].step, report.steps[-1].reason) == (Step.AUTH, reason)

"""`epd-relay check`: every step on its own line, the failing one with its reason."""
import pytest

from daemon.provider.check import check_smtp
from daemon.provider.step_text import describe
from daemon.provider.steps import Reason, Step
from tests.conftest import PASSWORD, SENDER, relay_sections, write_config
from tests.fake_upstream import FakeUpstream
from tests.relay_process import run_cli


async def test_all_steps_pass_over_implicit_tls(upstream, make_config):
    config = make_config(upstream)
    report = await check_smtp(config.upstream_smtp, SENDER, PASSWORD)
    assert report.ok
    assert [s.step for s in report.steps] == [Step.CONNECT, Step.TLS, Step.GREETING, Step.EHLO, Step.AUTH]
    tls = report.steps[1]
    assert tls.reason is Reason.SECURED
    assert tls.facts.certificate.issuer == "epd-relay test CA" and "localhost" in tls.facts.certificate.names
    assert tls.facts.tls_version in ("TLSv1.2", "TLSv1.3")


async def test_starttls_steps(tls_files, make_config):
    provider = await FakeUpstream(server_context=tls_files.good, users={SENDER: PASSWORD}, implicit_tls=False).start()
    try:
        report = await check_smtp(make_config(provider).upstream_smtp, SENDER, PASSWORD)
    finally:
        await provider.stop()
    assert report.ok
    assert [s.step for s in report.steps] == [
        Step.CONNECT, Step.GREETING, Step.EHLO, Step.STARTTLS, Step.TLS, Step.EHLO, Step.AUTH
    ]


async def test_wrong_password_fails_at_auth_with_the_reply(upstream, make_config):
    report = await check_smtp(make_config(upstream).upstream_smtp, SENDER, "wrong")
    assert not report.ok
    last = report.steps[-1]
    assert last.step is Step.AUTH and not last.ok and last.reply_code == 535
    assert last.reason is Reason.LOGIN_REFUSED


async def test_refused_connection_fails_at_connect(upstream, make_config):
    config = make_config(upstream)
    await upstream.stop()
    report = await check_smtp(config.upstream_smtp, SENDER, PASSWORD)
    assert [(s.step, s.ok) for s in report.steps] == [(Step.CONNECT, False)]
    assert report.steps[0].reason is Reason.CONNECTION_REFUSED
    text = describe(report.steps[0]).lower()
    assert "refused" in text or "connect call failed" in text


@pytest.fixture
async def wrong_host_upstream(tls_files):
    provider = await FakeUpstream(server_context=tls_files.wrong, users={SENDER: PASSWORD}).start()
    yield provider
    await provider.stop()


async def test_cli_reports_each_step_and_exit_codes(tmp_path, tls_files, upstream, wrong_host_upstream):
    config_path = write_config(tmp_path, relay_sections(upstream, tls_files.ca_file, upstream__smtp={"username": SENDER}))
    code, output = await run_cli("check", "--config", str(config_path), stdin=PASSWORD + "\n")
    assert code == 0, output
    for step in ("connect", "tls", "greeting", "ehlo", "auth"):
        assert any(line.startswith("ok") and f" {step} " in line for line in output.splitlines()), output

    code, output = await run_cli("check", "--config", str(config_path), stdin="wrong\n")
    assert code == 1 and "FAIL auth" in output and "535" in output

    config_path = write_config(tmp_path, relay_sections(wrong_host_upstream, tls_files.ca_file, upstream__smtp={"username": SENDER}))
    code, output = await run_cli("check", "--config", str(config_path), stdin=PASSWORD + "\n")
    assert code == 1
    assert "FAIL tls" in output and "Hostname mismatch" in output
    assert wrong_host_upstream.auth_attempts == []

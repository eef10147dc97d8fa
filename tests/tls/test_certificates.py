"""Certificates the relay refuses, and what it says about them."""
import datetime as dt

import pytest

from daemon.provider.check import check_smtp
from daemon.provider.step_text import describe
from daemon.provider.steps import Reason, Step
from panel.check_report import explain
from tests.conftest import PASSWORD, SENDER
from tests.fake_upstream import FakeUpstream
from tls.certs import self_signed, sha256_fingerprint
from tls.contexts import server_context
from tls.inspect import CertificateProblem


async def provider_with(tmp_path, pair) -> FakeUpstream:
    (tmp_path / "cert.pem").write_bytes(pair.cert_pem)
    (tmp_path / "key.pem").write_bytes(pair.key_pem)
    context = server_context(tmp_path / "cert.pem", tmp_path / "key.pem")
    return await FakeUpstream(server_context=context, users={SENDER: PASSWORD}).start()


@pytest.fixture
async def provider_factory(tmp_path):
    started = []

    async def make(pair) -> FakeUpstream:
        provider = await provider_with(tmp_path, pair)
        started.append(provider)
        return provider

    yield make
    for provider in started:
        await provider.stop()


async def test_expired_certificate_is_refused_and_its_date_named(provider_factory, make_config, tls_files):
    now = dt.datetime.now(dt.timezone.utc)
    provider = await provider_factory(tls_files.ca.issue(["localhost"], not_before=now - dt.timedelta(days=400),
                                                         not_after=now - dt.timedelta(days=2)))
    report = await check_smtp(make_config(provider).upstream_smtp, SENDER, PASSWORD)
    failed = report.steps[-1]
    assert failed.step is Step.TLS and not failed.ok
    assert failed.reason is Reason.CERTIFICATE_UNTRUSTED
    assert failed.facts.certificate_problem is CertificateProblem.EXPIRED
    assert "certificate has expired" in describe(failed)
    assert f"expired {(now - dt.timedelta(days=2)):%Y-%m-%d}" in describe(failed)
    assert provider.auth_attempts == []


async def test_certificate_not_yet_valid_is_refused_and_its_start_named(provider_factory, make_config, tls_files):
    now = dt.datetime.now(dt.timezone.utc)
    starts = now + dt.timedelta(days=3)
    provider = await provider_factory(tls_files.ca.issue(["localhost"], not_before=starts,
                                                         not_after=now + dt.timedelta(days=400)))
    report = await check_smtp(make_config(provider).upstream_smtp, SENDER, PASSWORD)
    failed = report.steps[-1]
    assert failed.step is Step.TLS and failed.facts.certificate_problem is CertificateProblem.NOT_YET_VALID
    assert f"not valid before {starts:%Y-%m-%d}" in describe(failed)
    assert f"Сертификат сервера начнет действовать с {starts:%d.%m.%Y}" in explain(failed).text
    assert provider.auth_attempts == []


async def test_certificate_from_an_unknown_ca_is_refused(provider_factory, make_config):
    provider = await provider_factory(self_signed(["localhost", "127.0.0.1"]))
    report = await check_smtp(make_config(provider).upstream_smtp, SENDER, PASSWORD)
    failed = report.steps[-1]
    assert failed.step is Step.TLS and not failed.ok
    assert failed.facts.certificate_problem is CertificateProblem.UNKNOWN_ISSUER
    assert "self-signed certificate" in describe(failed) or "unable to get local issuer" in describe(failed)
    assert "issued by localhost" in describe(failed)
    assert provider.auth_attempts == []


def test_fingerprint_is_colon_separated_sha256():
    fingerprint = sha256_fingerprint(self_signed(["epd.local"]).cert_pem)
    assert len(fingerprint.split(":")) == 32

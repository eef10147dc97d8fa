"""pytest fixtures around the real Postfix + Dovecot provider.

Import the fixture into a test module (or a conftest.py) to use it:

    from tests.mailservers.fixtures import real_provider  # noqa: F401
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.certificate_authority import CertificateAuthority
from tests.mailservers.provider import RealProvider, is_available, start_provider

PROVIDER_USERS = {
    "sender@example.test": "s3cret-pass",
    "other@example.test": "other-pass",
}


def require_mail_servers() -> None:
    """Skip when Postfix/Dovecot are missing, but fail on CI: never skip silently there."""
    missing = not is_available()
    reason = "needs postfix and dovecot installed" if missing else "needs root to run postfix"
    if missing or os.geteuid() != 0:
        if os.environ.get("CI") == "true":
            pytest.fail(f"real mail server tests cannot run on CI: {reason}")
        pytest.skip(reason)


@contextmanager
def running_provider(ca: CertificateAuthority, ca_file: Path) -> Iterator[RealProvider]:
    """A Postfix + Dovecot of its own, with a certificate for localhost from ``ca`` (its certificate in ``ca_file``)."""
    require_mail_servers()
    server_cert = ca.issue(["localhost", "127.0.0.1"])

    # Not under tmp_path: pytest's base temp dir is 0700, and the daemons drop
    # privileges to users that must reach the Maildir and sockets. Also shorter
    # paths, which Unix socket names need.
    workdir = Path(tempfile.mkdtemp(prefix="epd-provider-"))
    provider = start_provider(
        workdir,
        cert_pem=server_cert.cert_pem,
        key_pem=server_cert.key_pem,
        users=PROVIDER_USERS,
        ca_file=ca_file,
    )
    try:
        yield provider
    finally:
        provider.stop()
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def real_provider(tls_files) -> Iterator[RealProvider]:
    with running_provider(tls_files.ca, tls_files.ca_file) as provider:
        yield provider

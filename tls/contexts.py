"""Every SSLContext the relay uses is built here: TLS 1.2+, chains and host names checked.

Two contexts do not verify, each for one narrow use: a tunnel a sysadmin configured with
``verify = false``, and reading the certificate a server presented after verification
failed (that connection carries nothing else).
"""
import ssl
from pathlib import Path


def client_context(ca_file: Path | None = None) -> ssl.SSLContext:
    """Context for connections to an upstream provider.

    With no ``ca_file`` the system CA store is used. Verification cannot be switched off
    here: no caller may send credentials or mail to an upstream it has not verified.
    """
    context = ssl.create_default_context(
        ssl.Purpose.SERVER_AUTH, cafile=str(ca_file) if ca_file else None
    )
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.check_hostname = True
    context.verify_mode = ssl.CERT_REQUIRED
    return context


def unverified_tunnel_context() -> ssl.SSLContext:
    """Only for a tunnel a sysadmin configured with verify = false, which is logged loudly."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def inspection_context() -> ssl.SSLContext:
    """Only to read the certificate a server presents; nothing is sent over it.

    No minimum version: an old server's certificate is worth naming too.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def server_context(cert_file: Path, key_file: Path) -> ssl.SSLContext:
    """Context for a TLS listener (the panel over HTTPS, test upstreams)."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(str(cert_file), str(key_file))
    return context

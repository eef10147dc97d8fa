"""Every SSLContext the relay uses is built here: TLS 1.2+, chains and host names checked."""
import ssl
from pathlib import Path


def client_context(ca_file: Path | None = None) -> ssl.SSLContext:
    """Context for connections to an upstream provider.

    With no ``ca_file`` the system CA store is used. Verification cannot be
    switched off here: no caller may talk to an upstream it has not verified.
    """
    context = ssl.create_default_context(
        ssl.Purpose.SERVER_AUTH, cafile=str(ca_file) if ca_file else None
    )
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.check_hostname = True
    context.verify_mode = ssl.CERT_REQUIRED
    return context


def server_context(cert_file: Path, key_file: Path) -> ssl.SSLContext:
    """Context for a TLS listener (the panel over HTTPS, test upstreams)."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(str(cert_file), str(key_file))
    return context

"""Reading the certificate a server presents, to explain why it was not trusted.

The connection made here is never used for anything but the handshake: no credentials,
no mail. It exists so a log line can say "certificate for mail.example.net issued by X,
expired 2024-01-01" instead of only "certificate verify failed".
"""
import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable

from cryptography import x509
from cryptography.x509.oid import NameOID

from tls.contexts import inspection_context

# Speaks the plaintext part of a protocol up to the point where TLS starts.
Negotiation = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[object]]


def describe_certificate(der: bytes, now: dt.datetime | None = None) -> str:
    cert = x509.load_der_x509_certificate(der)
    now = now or dt.datetime.now(dt.timezone.utc)

    def common_name(name: x509.Name) -> str:
        values = name.get_attributes_for_oid(NameOID.COMMON_NAME)
        return str(values[0].value) if values else name.rfc4514_string()

    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = [str(n) for n in san.get_values_for_type(x509.DNSName)]
        names += [str(ip) for ip in san.get_values_for_type(x509.IPAddress)]
    except x509.ExtensionNotFound:
        names = []
    expires = cert.not_valid_after_utc
    validity = (
        f"expired {expires:%Y-%m-%d}" if expires < now
        else f"not valid before {cert.not_valid_before_utc:%Y-%m-%d}" if cert.not_valid_before_utc > now
        else f"valid until {expires:%Y-%m-%d}"
    )
    return (
        f"the server presented a certificate for {', '.join(names) or common_name(cert.subject)}"
        f" issued by {common_name(cert.issuer)}, {validity}"
    )


async def presented_certificate(
    host: str, port: int, server_name: str, negotiate: Negotiation | None = None, timeout: float = 10
) -> str | None:
    """Describe the server's certificate, or None when it cannot be read."""
    writer = None
    try:
        async with asyncio.timeout(timeout):
            if negotiate is None:
                reader, writer = await asyncio.open_connection(
                    host, port, ssl=inspection_context(), server_hostname=server_name
                )
            else:
                reader, writer = await asyncio.open_connection(host, port)
                await negotiate(reader, writer)
                await writer.start_tls(inspection_context(), server_hostname=server_name)
            ssl_object = writer.get_extra_info("ssl_object")
            der = ssl_object.getpeercert(binary_form=True) if ssl_object else None
    except Exception:  # only an explanation is lost; the caller already has the failure
        return None
    finally:
        if writer is not None:
            writer.close()
    return describe_certificate(der) if der else None

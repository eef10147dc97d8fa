"""What a server's certificate says, and why verification refused it, as data.

The certificate of a verified connection is read here for `check` and the panel. When
verification fails, ``presented_certificate`` connects once more only to read what the
server presents (no credentials, no mail), so the failure can name the certificate's
host names, issuer and dates, not only "certificate verify failed".
"""
import asyncio
import datetime as dt
import enum
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from cryptography import x509
from cryptography.x509.oid import NameOID

from tls.contexts import inspection_context

# Speaks the plaintext part of a protocol up to the point where TLS starts.
Negotiation = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[object]]


class Validity(enum.StrEnum):
    """A certificate's dates against the clock, when it was read."""

    VALID = "valid"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"


@dataclass(frozen=True)
class Certificate:
    subject: str  # the common name, else the organisation, else the whole name
    issuer: str   # the same, of the issuer
    names: tuple[str, ...]  # host names and IP addresses, in the certificate's order
    not_before: dt.datetime
    not_after: dt.datetime
    validity: Validity


class CertificateProblem(enum.StrEnum):
    """Why verification refused a certificate, from OpenSSL's verify code."""

    HOSTNAME_MISMATCH = "hostname_mismatch"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    UNKNOWN_ISSUER = "unknown_issuer"
    OTHER = "other"  # OpenSSL's own words tell


# X509_V_ERR_* codes (openssl/x509_vfy.h); Python's ssl module does not name them.
_PROBLEMS = {
    2: CertificateProblem.UNKNOWN_ISSUER,   # unable to get issuer certificate
    9: CertificateProblem.NOT_YET_VALID,    # certificate is not yet valid
    10: CertificateProblem.EXPIRED,         # certificate has expired
    18: CertificateProblem.UNKNOWN_ISSUER,  # self-signed certificate
    19: CertificateProblem.UNKNOWN_ISSUER,  # self-signed certificate in certificate chain
    20: CertificateProblem.UNKNOWN_ISSUER,  # unable to get local issuer certificate
    21: CertificateProblem.UNKNOWN_ISSUER,  # unable to verify the first certificate
    62: CertificateProblem.HOSTNAME_MISMATCH,
    64: CertificateProblem.HOSTNAME_MISMATCH,  # IP address mismatch
}


def certificate_problem(error: ssl.SSLCertVerificationError) -> CertificateProblem:
    return _PROBLEMS.get(error.verify_code, CertificateProblem.OTHER)


def _shown_name(name: x509.Name) -> str:
    for oid in (NameOID.COMMON_NAME, NameOID.ORGANIZATION_NAME):
        values = name.get_attributes_for_oid(oid)
        if values:
            return str(values[0].value)
    return name.rfc4514_string()


def read_certificate(der: bytes, now: dt.datetime | None = None) -> Certificate:
    cert = x509.load_der_x509_certificate(der)
    now = now or dt.datetime.now(dt.timezone.utc)
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = tuple(str(entry.value) for entry in san if isinstance(entry, (x509.DNSName, x509.IPAddress)))
    except x509.ExtensionNotFound:
        names = ()
    not_before, not_after = cert.not_valid_before_utc, cert.not_valid_after_utc
    validity = (
        Validity.EXPIRED if not_after < now
        else Validity.NOT_YET_VALID if not_before > now
        else Validity.VALID
    )
    return Certificate(
        subject=_shown_name(cert.subject),
        issuer=_shown_name(cert.issuer),
        names=names,
        not_before=not_before,
        not_after=not_after,
        validity=validity,
    )


def peer_certificate(ssl_object: ssl.SSLObject) -> Certificate | None:
    """The certificate of an established TLS connection."""
    der = ssl_object.getpeercert(binary_form=True)
    return read_certificate(der) if der else None


async def presented_certificate(
    host: str, port: int, server_name: str, negotiate: Negotiation | None = None, timeout: float = 10
) -> Certificate | None:
    """The server's certificate, or None when it cannot be read."""
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
            await _closed(writer)
    return read_certificate(der) if der else None


async def _closed(writer: asyncio.StreamWriter, timeout: float = 2.0) -> None:
    """Closed, its TLS shutdown finished: the caller may be the last thing its loop runs, and
    a transport still closing then is one left open (uvloop refuses to close the loop: EBUSY)."""
    writer.close()
    try:
        async with asyncio.timeout(timeout):
            await writer.wait_closed()
    except (OSError, TimeoutError):
        pass

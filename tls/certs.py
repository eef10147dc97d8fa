"""Certificates made with cryptography: self-signed ones for the panel, and the one builder
of server certificates (the tests' CA signs with it too)."""
import datetime as dt
import ipaddress
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass(frozen=True)
class KeyPair:
    cert_pem: bytes
    key_pem: bytes


@dataclass(frozen=True)
class Issuer:
    """Who signs a certificate: a CA's name and key."""

    name: x509.Name
    key: ec.EllipticCurvePrivateKey


def common_name(name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])


def _san(names: list[str]) -> x509.SubjectAlternativeName:
    entries: list[x509.GeneralName] = []
    for name in names:
        try:
            entries.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            entries.append(x509.DNSName(name))
    return x509.SubjectAlternativeName(entries)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def server_certificate(
    names: list[str],
    *,
    not_before: dt.datetime,
    not_after: dt.datetime,
    issuer: Issuer | None = None,
) -> KeyPair:
    """A certificate for host names and IP addresses, signed by `issuer` or, without one, by its own key."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = common_name(names[0])
    signer = issuer or Issuer(subject, key)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(signer.name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(_san(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(signer.key, hashes.SHA256())
    )
    return KeyPair(cert.public_bytes(serialization.Encoding.PEM), _key_pem(key))


def self_signed(names: list[str], valid_days: int = 825) -> KeyPair:
    """A self-signed server certificate, for the panel served over HTTPS on a LAN."""
    now = dt.datetime.now(dt.timezone.utc)
    return server_certificate(
        names, not_before=now - dt.timedelta(minutes=5), not_after=now + dt.timedelta(days=valid_days)
    )


def sha256_fingerprint(cert_pem: bytes) -> str:
    digest = x509.load_pem_x509_certificate(cert_pem).fingerprint(hashes.SHA256())
    return ":".join(f"{byte:02X}" for byte in digest)

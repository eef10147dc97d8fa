"""The tests' CA: made once per test session (tests/conftest.py, fixture tls_files) and by
each benchmark run; the fake upstreams and the real Postfix and Dovecot all carry its
certificates. Expired, not yet valid and wrong-name certificates are issued by it too."""
import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tls.certs import Issuer, KeyPair, common_name, server_certificate


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class CertificateAuthority:
    """A throwaway CA that issues server certificates for chosen names."""

    def __init__(self, name: str = "epd-relay test CA") -> None:
        key = ec.generate_private_key(ec.SECP256R1())
        self._issuer = Issuer(common_name(name), key)
        now = _now()
        self.certificate = (
            x509.CertificateBuilder()
            .subject_name(self._issuer.name)
            .issuer_name(self._issuer.name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True, key_cert_sign=True, crl_sign=True,
                    content_commitment=False, key_encipherment=False,
                    data_encipherment=False, key_agreement=False,
                    encipher_only=False, decipher_only=False,
                ),
                critical=True,
            )
            .sign(key, hashes.SHA256())
        )

    @property
    def cert_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def issue(
        self,
        names: list[str],
        *,
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
    ) -> KeyPair:
        now = _now()
        return server_certificate(
            names,
            not_before=not_before or now - dt.timedelta(days=1),
            not_after=not_after or now + dt.timedelta(days=825),
            issuer=self._issuer,
        )

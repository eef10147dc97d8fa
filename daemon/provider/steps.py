"""The named steps of a session with a provider, as `check` and the panel report them."""
import datetime as dt
import enum
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field


class Step(enum.StrEnum):
    CONNECT = "connect"
    TLS = "tls"
    GREETING = "greeting"
    EHLO = "ehlo"
    STARTTLS = "starttls"  # STARTTLS in SMTP and IMAP, STLS in POP3
    AUTH = "auth"
    STAT = "stat"


@dataclass(frozen=True)
class StepResult:
    step: Step
    ok: bool
    detail: str
    reply_code: int | None = None
    facts: dict[str, str] = field(default_factory=dict)


Reporter = Callable[[StepResult], None]


def ignore(_: StepResult) -> None:
    pass


@dataclass(frozen=True)
class CertificateFacts:
    subject: str
    issuer: str
    names: tuple[str, ...]
    not_after: dt.datetime
    tls_version: str

    def describe(self) -> str:
        return (
            f"{self.tls_version}, certificate for {', '.join(self.names) or self.subject}"
            f" issued by {self.issuer}, valid until {self.not_after:%Y-%m-%d}"
        )

    def as_facts(self) -> dict[str, str]:
        return {
            "subject": self.subject,
            "issuer": self.issuer,
            "names": ", ".join(self.names),
            "not_after": self.not_after.date().isoformat(),
            "tls_version": self.tls_version,
        }


def certificate_facts(ssl_object: ssl.SSLObject) -> CertificateFacts:
    """What a verified peer certificate says (getpeercert is empty when not verified)."""
    cert = ssl_object.getpeercert() or {}

    def flat(rdns: tuple) -> str:
        parts = dict(pair for rdn in rdns for pair in rdn)
        return parts.get("commonName") or parts.get("organizationName") or "?"

    seconds = ssl.cert_time_to_seconds(cert["notAfter"]) if "notAfter" in cert else 0
    return CertificateFacts(
        subject=flat(cert.get("subject", ())),
        issuer=flat(cert.get("issuer", ())),
        names=tuple(value for _, value in cert.get("subjectAltName", ())),
        not_after=dt.datetime.fromtimestamp(seconds, dt.timezone.utc),
        tls_version=ssl_object.version() or "TLS",
    )


def tls_step(ssl_object: ssl.SSLObject) -> StepResult:
    facts = certificate_facts(ssl_object)
    return StepResult(Step.TLS, True, facts.describe(), facts=facts.as_facts())

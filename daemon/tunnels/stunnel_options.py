"""What epd-relay says about each stunnel option it does not convert, and why."""
from dataclasses import dataclass

WARNING = "warning"          # security: stunnel's config verified less than epd-relay will
UNSUPPORTED = "unsupported"  # an option epd-relay does not honour

Options = list[tuple[str, str]]


@dataclass(frozen=True)
class Notice:
    service: str | None  # None for global options
    option: str
    message: str         # plain English for a sysadmin: what happened and why
    severity: str        # WARNING or UNSUPPORTED


_PROCESS = ("not needed: epd-relay runs as a systemd service; systemd/epd-relay.service sets its user "
            "and sandbox")
_LOGGING = ("not needed: epd-relay logs to stderr, which systemd keeps in the journal "
            "(`epd-relay -v` for more)")
_WINDOWS = "not needed: a setting of stunnel's Windows GUI"
_CRYPTO = ("not configurable: epd-relay uses the system's OpenSSL as it is "
           "(no engines, providers, FIPS switch or random seed files)")
_TLS_TUNING = ("not configurable: epd-relay uses TLS 1.2 or newer with OpenSSL's default "
               "ciphers, curves and options")
_SESSIONS = "not configurable: TLS session caching is left to OpenSSL's defaults"
_REVOCATION = ("not supported: epd-relay does not check revocation (CRL, OCSP); "
               "it verifies the certificate chain and the host name")
_CA_STORE = ("not supported: epd-relay reads trusted CA certificates from one PEM file; put them into "
             "one file and set ca_file (empty ca_file: the system CA store)")
_CLIENT_CERT = ("not supported: epd-relay does not present a client certificate; it logs in to the "
                "provider with the mail account (AUTH). A server that demands a certificate cannot be "
                "reached this way")
_SERVER_ONLY = "not needed: only used by stunnel in server mode"
_LOGIN = ("not supported: stunnel logged in to the server itself; epd-relay passes on each client's own "
          "login. For programs that do not log in, set [upstream.smtp] username and [smtp] allowed_senders, "
          "and store the password with `epd-relay account set USER --store-password`")
_LOCAL_ONLY = ("not supported: epd-relay listens on loopback only, so only programs on this machine "
               "can connect at all")

_NOT_HONOURED = {
    "chroot": _PROCESS, "foreground": _PROCESS, "pid": _PROCESS, "setuid": _PROCESS, "setgid": _PROCESS,
    "service": _PROCESS, "setenv": _PROCESS,
    "stack": "not needed: epd-relay does not start a thread per connection",
    "output": _LOGGING, "log": _LOGGING, "syslog": _LOGGING, "debug": _LOGGING, "logid": _LOGGING,
    "taskbar": _WINDOWS, "iconactive": _WINDOWS, "iconerror": _WINDOWS, "iconidle": _WINDOWS,
    "fips": _CRYPTO, "engine": _CRYPTO, "enginectrl": _CRYPTO, "enginedefault": _CRYPTO,
    "engineid": _CRYPTO, "enginenum": _CRYPTO, "provider": _CRYPTO, "providerparameter": _CRYPTO,
    "egd": _CRYPTO, "rndbytes": _CRYPTO, "rndfile": _CRYPTO, "rndoverwrite": _CRYPTO,
    "ciphers": _TLS_TUNING, "ciphersuites": _TLS_TUNING, "curves": _TLS_TUNING, "curve": _TLS_TUNING,
    "options": _TLS_TUNING, "sslversion": _TLS_TUNING, "sslversionmin": _TLS_TUNING,
    "sslversionmax": _TLS_TUNING, "securitylevel": _TLS_TUNING, "config": _TLS_TUNING,
    "renegotiation": _TLS_TUNING,
    "compression": "not supported: TLS compression is unsafe (CRIME) and never used",
    "sessioncachesize": _SESSIONS, "sessioncachetimeout": _SESSIONS, "session": _SESSIONS,
    "sessionresume": _SESSIONS, "sessiond": _SESSIONS,
    "crlfile": _REVOCATION, "crlpath": _REVOCATION, "crlcheckchain": _REVOCATION, "ocsp": _REVOCATION,
    "ocspaia": _REVOCATION, "ocspflag": _REVOCATION, "ocspnonce": _REVOCATION,
    "ocsprequire": _REVOCATION, "timeoutocsp": _REVOCATION,
    "capath": _CA_STORE, "castore": _CA_STORE, "caengine": _CA_STORE,
    "cert": _CLIENT_CERT, "key": _CLIENT_CERT,
    "pskidentity": "not supported: epd-relay uses certificate-verified TLS, not pre-shared keys",
    "psksecrets": "not supported: epd-relay uses certificate-verified TLS, not pre-shared keys",
    "checkemail": "not supported: epd-relay checks the host name in the certificate, not an e-mail address",
    "requirecert": _SERVER_ONLY, "redirect": _SERVER_ONLY,
    "ticketkeysecret": _SERVER_ONLY, "ticketmacsecret": _SERVER_ONLY,
    "protocolusername": _LOGIN, "protocolpassword": _LOGIN, "protocolauthentication": _LOGIN,
    "protocoldomain": _LOGIN,
    "protocolhost": "not configurable: the EHLO name (smtp) or the proxy's target (connect)",
    "protocolheader": "not supported: HTTP CONNECT proxies are not supported",
    "timeoutbusy": "not needed: epd-relay has its own per-step timeouts",
    "timeoutclose": "not needed: epd-relay does not wait for the peer's TLS close_notify",
    "delay": "not needed: epd-relay looks host names up at every connection",
    "retry": "not needed: only used by stunnel for exec services",
    "reset": "not configurable: how a failed connection is closed",
    "local": "not configurable: the system's routing picks the source address of outgoing connections",
    "socket": "not configurable: socket options",
    "transparent": "not supported: transparent proxying",
    "exec": "not supported: epd-relay connects to network addresses; it does not start local programs",
    "execargs": "not supported: epd-relay connects to network addresses; it does not start local programs",
    "pty": "not supported: epd-relay connects to network addresses; it does not start local programs",
    "libwrap": _LOCAL_ONLY, "ident": _LOCAL_ONLY,
    "include": "not read: run `epd-relay import-stunnel` on each file of this directory as well",
    "transport": "not supported: DTLS over UDP; epd-relay relays TCP only",
}

# Options the conversion itself uses; in the global section they are defaults for every service.
CONVERTED = {"client", "accept", "connect", "protocol", "verify", "verifychain", "verifypeer", "cafile",
              "checkhost", "checkip", "sni", "timeoutidle", "timeoutconnect", "failover"}

_SPELLING = {name.lower(): name for name in (
    "CAfile", "CApath", "CAengine", "CAstore", "CRLfile", "CRLpath", "CRLcheckChain", "EGD", "OCSP",
    "OCSPaia", "OCSPflag", "OCSPnonce", "OCSPrequire", "PSKidentity", "PSKsecrets", "RNDbytes",
    "RNDfile", "RNDoverwrite", "TIMEOUTbusy", "TIMEOUTclose", "TIMEOUTconnect", "TIMEOUTidle",
    "TIMEOUTocsp", "checkEmail", "checkHost", "checkIP", "engineCtrl", "engineDefault", "engineId",
    "engineNum", "execArgs", "iconActive", "iconError", "iconIdle", "logId", "protocolAuthentication",
    "protocolDomain", "protocolHeader", "protocolHost", "protocolPassword", "protocolUsername",
    "providerParameter", "requireCert", "securityLevel", "sessionCacheSize", "sessionCacheTimeout",
    "sessionResume", "setEnv", "sslVersion", "sslVersionMax", "sslVersionMin", "ticketKeySecret",
    "ticketMacSecret", "verifyChain", "verifyPeer")}

_OLD_TLS = {"sslv2", "sslv3", "tlsv1", "tlsv1.1"}


def spell(option: str) -> str:
    return _SPELLING.get(option, option)


def option_notices(service: str | None, options: Options) -> list[Notice]:
    """One notice per option outside the conversion (a repeated option is named once)."""
    notices: dict[str, Notice] = {}
    for option, value in options:
        notice = _option_notice(service, option, value)
        if notice is not None:
            notices.setdefault(option, notice)
    return list(notices.values())


def _option_notice(service: str | None, option: str, value: str) -> Notice | None:
    """The notice for an option outside the conversion, or None when it needs none."""
    if option in CONVERTED or option == "transport" and value.lower() == "tcp":
        return None
    reason = _NOT_HONOURED.get(option)
    if reason is None:
        return Notice(service, spell(option), f"unknown stunnel option (value {value!r}); not converted",
                      UNSUPPORTED)
    if option in ("sslversion", "sslversionmax") and value.lower() in _OLD_TLS:
        reason += f"; a server that only speaks {value} will be refused"
    return Notice(service, spell(option), reason, UNSUPPORTED)

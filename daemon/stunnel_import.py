"""`epd-relay import-stunnel`: a stunnel.conf turned into config.toml sections.

Client-mode services become [smtp]/[upstream.smtp] (mail submission, through the
store-and-forward relay), [pop3]/[upstream.pop3], or [[tunnel]] tables. Every stunnel
option that epd-relay cannot honour is named in a Notice with the reason, and every
service where stunnel did not verify the server is named in a warning. Nothing is written
anywhere: the caller prints the TOML and the notices.

stunnel semantics followed (stunnel 5): whole-line comments start with ';' or '#',
option names are case-insensitive, options before the first [service] are defaults for
every service, `verify = 0..4` is the old spelling of verifyChain/verifyPeer, and with
neither of them on stunnel accepts any certificate (checkHost is then ignored).
"""
import ipaddress
import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from daemon.config import Address
from daemon.errors import RelayError

WARNING = "warning"          # security: stunnel's config verified less than epd-relay will
UNSUPPORTED = "unsupported"  # an option epd-relay does not honour


@dataclass(frozen=True)
class Notice:
    service: str | None  # None for global options
    option: str
    message: str         # plain English for a sysadmin: what happened and why
    severity: str        # WARNING or UNSUPPORTED


@dataclass(frozen=True)
class ImportResult:
    toml: str            # the config.toml text to print, with a header saying where it came from
    notices: list[Notice]


class StunnelConfError(RelayError):
    """The stunnel configuration cannot be read at all (stunnel itself would refuse it)."""


Options = list[tuple[str, str]]


def parse_stunnel_conf(text: str) -> list[tuple[str | None, Options]]:
    """[(section or None for the global options, [(option, value)])] in file order.

    Option names are lower-cased (stunnel ignores their case); repeated options are kept.
    """
    sections: list[tuple[str | None, Options]] = [(None, [])]
    for number, raw in enumerate(text.removeprefix("\ufeff").splitlines(), start=1):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            sections.append((line[1:-1], []))
            continue
        name, equals, value = line.partition("=")
        if not equals or not name.strip():
            raise StunnelConfError(f"line {number}: expected 'option = value' or '[service]', got {line!r}")
        sections[-1][1].append((name.strip().lower(), value.strip()))
    return sections


# ---------------------------------------------------------------- what is not honoured, and why

_PROCESS = "not needed: epd-relay runs as a systemd service; systemd/epd-relay.service sets its user and sandbox"
_LOGGING = "not needed: epd-relay logs to stderr, which systemd keeps in the journal (`epd-relay -v` for more)"
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
_CLIENT_CERT = ("not supported: epd-relay does not present a client certificate; it logs in to the provider "
                "with the mail account (AUTH). A server that demands a certificate cannot be reached this way")
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
}

# Options the conversion itself uses; in the global section they are defaults for every service.
_CONVERTED = {"client", "accept", "connect", "protocol", "verify", "verifychain", "verifypeer", "cafile",
              "checkhost", "checkip", "sni", "timeoutidle", "timeoutconnect", "failover", "transport"}

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

_PORT_NAMES = {"smtp": 25, "submission": 587, "smtps": 465, "submissions": 465, "pop3": 110,
               "pop3s": 995, "imap": 143, "imap2": 143, "imaps": 993}
_OLD_TLS = {"sslv2", "sslv3", "tlsv1", "tlsv1.1"}


def _spell(option: str) -> str:
    return _SPELLING.get(option, option)


def _option_notice(service: str | None, option: str, value: str) -> Notice | None:
    """The notice for an option outside the conversion, or None when it needs none."""
    if option == "transport" and value.lower() == "tcp" or option in _CONVERTED:
        return None
    reason = _NOT_HONOURED.get(option)
    if reason is None:
        return Notice(service, _spell(option), f"unknown stunnel option (value {value!r}); not converted",
                      UNSUPPORTED)
    if option in ("sslversion", "sslversionmax") and value.lower() in _OLD_TLS:
        reason += f"; a server that only speaks {value} will be refused"
    return Notice(service, _spell(option), reason, UNSUPPORTED)


# ---------------------------------------------------------------- one service

@dataclass
class _Converted:
    """A client-mode service as config.toml tables, before the listener clash check."""

    service: str
    kind: str                                   # "smtp", "pop3" or "tunnel"
    listen: Address
    tables: list[tuple[str, list[str]]]         # (table header, "key = value" lines)
    notices: list[Notice] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)


def _last(options: Options, name: str) -> str | None:
    values = [value for option, value in options if option == name]
    return values[-1] if values else None


def _all(options: Options, name: str) -> list[str]:
    return [value for option, value in options if option == name]


def _address(text: str, default_host: str) -> Address | None:
    """stunnel's [HOST:]PORT (the last colon splits, so ":::1110" is host "::")."""
    host, colon, port = text.strip().rpartition(":")
    if not colon:
        host = default_host
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    port_number = int(port) if port.isdigit() else _PORT_NAMES.get(port.lower(), 0)
    if not 0 < port_number <= 65535 or text.startswith("/"):
        return None
    return Address(host or default_host, port_number)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _quote(value: str) -> str:
    """A TOML basic string."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + re.sub(r"[\x00-\x08\x0a-\x1f\x7f]", lambda m: f"\\u{ord(m[0]):04x}", escaped) + '"'


def _seconds(value: str) -> str | None:
    return f"{int(value)}s" if value.isdigit() and int(value) > 0 else None


class _Service:
    """Converts one stunnel service (its own options after the global defaults)."""

    def __init__(self, name: str, defaults: Options, own: Options, base_dir: Path) -> None:
        self.name, self.options, self.base_dir = name, defaults + own, base_dir
        self.notices = [n for option, value in own if (n := _option_notice(name, option, value))]

    def notice(self, option: str, message: str, severity: str = UNSUPPORTED) -> None:
        self.notices.append(Notice(self.name, _spell(option), message, severity))

    def convert(self, taken: set[str]) -> _Converted | None:
        """None when the service cannot be converted (the reason is in self.notices)."""
        if not self._client_mode():
            return None
        protocol = (_last(self.options, "protocol") or "none").lower()
        if protocol not in ("none", "smtp", "pop3", "imap"):
            self.notice("protocol", f"protocol = {protocol} is not supported (epd-relay speaks none, smtp, "
                        "pop3 and imap before TLS); service not converted")
            return None
        listen = self._listen()
        targets = self._targets()
        if listen is None or not targets:
            return None
        ca_file, ca_text = self._ca_file()
        server_name = self._server_name(targets)
        self._verification(targets, server_name, ca_text)
        kind = self._kind(protocol, targets[0].port, taken)
        tls = [*([f"ca_file = {_quote(ca_file)}"] if ca_file else []),
               *([f"server_name = {_quote(server_name)}"] if server_name else [])]
        if ca_file and ca_file.startswith("# "):
            tls[0] = f"# ca_file = {_quote(ca_file[2:])}"
        if kind == "tunnel":
            return self._tunnel(listen, targets, protocol, tls)
        return self._upstream(kind, listen, targets, protocol, tls)

    def _client_mode(self) -> bool:
        client = (_last(self.options, "client") or "no").lower()
        if client == "yes":
            return True
        what = "client = no" if client == "no" else f"client = {client}"
        if _last(self.options, "client") is None:
            what = "no client = yes, so stunnel's default server mode"
        self.notice("client", f"{what}: stunnel accepted TLS from the clients here. epd-relay never accepts "
                    "TLS from local clients; it takes plaintext on loopback and relays it to the provider "
                    "over verified TLS. Service not converted")
        return False

    def _listen(self) -> Address | None:
        text = _last(self.options, "accept")
        accept = _address(text, "0.0.0.0") if text else None
        if accept is None:
            self.notice("accept", "no accept address that epd-relay can listen on "
                        f"({'missing' if text is None else repr(text)}); service not converted")
            return None
        if accept.is_loopback:
            return Address("127.0.0.1" if accept.host == "localhost" else accept.host, accept.port)
        listen = Address("127.0.0.1", accept.port)
        where = "all addresses" if accept.host in ("0.0.0.0", "::") else accept.host
        self.notice("accept", f"stunnel listened on {where} (accept = {text}), so other machines could "
                    f"connect; epd-relay listens on {listen} only, because clients send their passwords "
                    "to it in plaintext. Programs on other machines can no longer use this port", WARNING)
        return listen

    def _targets(self) -> list[Address]:
        targets = []
        for text in _all(self.options, "connect"):
            target = _address(text, "localhost")
            if target is None:
                self.notice("connect", f"{text!r} is not a host:port epd-relay can connect to; left out")
            else:
                targets.append(target)
        if not targets:
            extra = " (exec: local programs are not supported)" if _last(self.options, "exec") else ""
            self.notice("connect", f"no connect target{extra}; service not converted")
        elif len(targets) > 1 and (_last(self.options, "failover") or "").lower() == "rr":
            self.notice("failover", "failover = rr is not supported: epd-relay tries the connect targets "
                        "in the order written and uses the first that answers")
        return targets

    def _ca_file(self) -> tuple[str | None, str]:
        """(ca_file for the TOML, "# path" when the file is missing here; the CA in words)."""
        text = _last(self.options, "cafile")
        if not text:
            return None, "the system CA store"
        path = Path(text) if Path(text).is_absolute() else (self.base_dir / text).absolute()
        if not path.is_file():
            self.notice("CAfile", f"{path} does not exist on this machine: ca_file is left commented out, so "
                        "the system CA store is used until you copy the file there and uncomment it", WARNING)
            return f"# {path}", "the system CA store"
        return str(path), f"the CA file {path}"

    def _server_name(self, targets: list[Address]) -> str:
        """The name to verify: checkHost, else checkIP, else sni; empty when it is the connect host."""
        hosts, ips, sni = _all(self.options, "checkhost"), _all(self.options, "checkip"), _last(self.options, "sni")
        names = hosts + ips
        for extra in names[1:]:
            self.notice("checkHost" if extra in hosts else "checkIP",
                        f"epd-relay checks one name per service: {names[0]} is checked, {extra} is not")
        if sni is not None and (not sni or ":" in sni):
            why = ("an empty sni (no SNI sent) cannot be had: epd-relay always sends the name it verifies"
                   if not sni else f"sni = {sni} is stunnel's server-side virtual hosting; not supported")
            self.notice("sni", why)
            sni = None
        name = names[0] if names else sni or ""
        if sni and names and sni != names[0]:
            self.notice("sni", f"epd-relay sends the name it verifies ({names[0]}) as SNI; sni = {sni} is not used")
        return "" if all(target.host == name for target in targets) else name

    def _verification(self, targets: list[Address], server_name: str, ca_text: str) -> None:
        chain = peer = False
        chain_option = peer_option = "verifyChain"
        for option, value in self.options:
            if option == "verify":
                level = int(value) if value in ("0", "1", "2", "3", "4") else 0
                chain, peer, chain_option, peer_option = 1 <= level <= 3, level >= 3, option, option
            elif option in ("verifychain", "verifypeer"):
                on = value.lower() == "yes"
                if option == "verifychain":
                    chain, chain_option = on, option
                else:
                    peer, peer_option = on, option
        name = server_name or targets[0].host
        hint = (f" {name} is an IP address, which certificates rarely name: set server_name to the host name "
                "in the provider's certificate" if _is_ip(name) else "")
        verifies = f"epd-relay verifies the certificate chain against {ca_text} and that it is issued to {name}"
        if peer:
            self.notice(peer_option, "stunnel pinned the server's own certificate (verifyPeer); epd-relay does "
                        f"not pin certificates: {verifies}. If CAfile holds the server's certificate rather "
                        "than the CA that issued it, set ca_file to that CA's certificate (or leave it empty "
                        f"for the system CA store).{hint}")
        elif not chain:
            self.notice(chain_option, "stunnel did not verify the server's certificate here (verifyChain was "
                        "off, which is stunnel's default), so anyone on the network path could read the mail "
                        f"and the passwords. {verifies}; a server that fails this is refused.{hint}", WARNING)
        elif not (_all(self.options, "checkhost") or _all(self.options, "checkip")):
            self.notice("checkHost", "stunnel verified the certificate chain but not the host name, so any "
                        f"certificate from a trusted CA was accepted; {verifies}.{hint}", WARNING)

    def _kind(self, protocol: str, port: int, taken: set[str]) -> str:
        if protocol == "smtp" or protocol == "none" and port in (465, 587):
            kind = "smtp"
        elif protocol == "pop3" or protocol == "none" and port in (995, 110):
            kind = "pop3"
        else:
            return "tunnel"
        if kind in taken:
            return "tunnel"
        taken.add(kind)
        return kind

    def _tunnel(self, listen: Address, targets: list[Address], protocol: str, tls: list[str]) -> _Converted:
        lines = [f"name = {_quote(self.name)}", f'accept = "{listen}"',
                 f"connect = [{', '.join(_quote(str(t)) for t in targets)}]", f'protocol = "{protocol}"', *tls]
        for option, key in (("timeoutidle", "idle_timeout"), ("timeoutconnect", "timeout")):
            value = _last(self.options, option)
            if value is not None and (seconds := _seconds(value)):
                lines.append(f'{key} = "{seconds}"')
            elif value is not None:
                self.notice(option, f"{value!r} is not a number of seconds above zero; the default is kept")
        return _Converted(self.name, "tunnel", listen, [("[[tunnel]]", lines)], self.notices)

    def _upstream(self, kind: str, listen: Address, targets: list[Address], protocol: str,
                  tls: list[str]) -> _Converted:
        target = targets[0]
        if kind == "smtp":
            security = "starttls" if protocol == "smtp" else "tls"
            comments = ["Mail submission: relayed by epd-relay's store-and-forward SMTP path rather than a raw",
                        "tunnel: each message is stored, then delivered with retries, so a slow or unreachable",
                        "provider no longer loses mail or keeps the 1C client waiting."]
            if security == "tls" and target.port == 587:
                comments.append('Port 587 usually expects STARTTLS: if sending fails, set security = "starttls".')
        else:
            security = "stls" if protocol == "pop3" else "tls"
            comments = ["POP3: relayed by epd-relay's POP3 relay to the provider over verified TLS."]
        if len(targets) > 1:
            self.notice("connect", f"[upstream.{kind}] takes one server: {target} is used, "
                        f"{', '.join(str(t) for t in targets[1:])} not"
                        + ("; while it is down, mail waits in the queue and is retried" if kind == "smtp" else ""))
        local = [f'listen = "{listen}"']
        idle = _last(self.options, "timeoutidle")
        if idle is not None:
            if kind == "pop3" and (seconds := _seconds(idle)):
                local.append(f'idle_timeout = "{seconds}"')
            else:
                self.notice("timeoutidle", "not converted: the SMTP relay's idle limits are not configurable"
                            if kind == "smtp" else f"{idle!r} is not a number of seconds above zero")
        if _last(self.options, "timeoutconnect") is not None:
            default = "30s" if kind == "smtp" else "60s"
            self.notice("timeoutconnect", f"not converted: [upstream.{kind}] timeout (default {default}) "
                        "limits each step with the provider, connecting included")
        upstream = [f"host = {_quote(target.host)}", f"port = {target.port}", f'security = "{security}"', *tls]
        tables = [(f"[{kind}]", local), (f"[upstream.{kind}]", upstream)]
        return _Converted(self.name, kind, listen, tables, self.notices, comments)


# ---------------------------------------------------------------- the whole file

_DEFAULT_LISTENERS = {"smtp": ("[smtp] listen", Address("127.0.0.1", 2525)),
                      "pop3": ("[pop3] listen", Address("127.0.0.1", 1110)),
                      "panel": ("[panel] listen", Address("127.0.0.1", 8080))}


def convert(text: str, base_dir: Path, source: str | None = None) -> ImportResult:
    """config.toml sections equivalent to a stunnel.conf, and every notice about it.

    base_dir: where relative paths of the stunnel config (CAfile) are resolved, normally
    the directory of stunnel.conf. source: the file name, for the header comment.
    """
    sections = parse_stunnel_conf(text)
    global_options = sections[0][1]
    notices = [n for option, value in global_options if (n := _option_notice(None, option, value))]
    defaults = [(option, value) for option, value in global_options if option in _CONVERTED]
    if len(sections) == 1:
        notices.append(Notice(None, "[service]", "no [service] sections (stunnel's inetd mode): nothing to "
                              "convert", UNSUPPORTED))

    taken: set[str] = set()
    names: set[str] = set()
    listeners: dict[Address, str] = {}
    blocks: list[str] = []
    for section_name, own in sections[1:]:
        service = _Service(section_name or "", defaults, own, base_dir)
        converted = service.convert(taken)
        if converted is not None and converted.kind == "tunnel":
            converted.tables[0][1][0] = f"name = {_quote(_tunnel_name(section_name or '', names))}"
        if converted is not None:
            clash = listeners.get(converted.listen)
            if clash is not None:
                service.notice("accept", f"{converted.listen} is already taken by stunnel service [{clash}]; "
                               "service not converted")
                converted = None
            else:
                listeners[converted.listen] = section_name or ""
        notices += service.notices
        blocks.append(_render_service(section_name or "", converted, service.notices))

    for kind, (key, address) in _DEFAULT_LISTENERS.items():
        if kind not in taken and address in listeners:
            notices.append(Notice(listeners[address], "accept", f"{address} is also the default of {key}: "
                                  f"change {key} in config.toml, or this port", UNSUPPORTED))
    header = _header(source or f"a stunnel configuration in {base_dir}", notices)
    return ImportResult("\n".join([header, *blocks]).rstrip("\n") + "\n", notices)


def _tunnel_name(section: str, names: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9_.-]+", "-", section).strip("-") or "tunnel"
    name, number = base, 1
    while name in names:
        number += 1
        name = f"{base}-{number}"
    names.add(name)
    return name


def _comment(text: str, first: str = "# ", rest: str = "#   ") -> list[str]:
    clean = re.sub(r"[\x00-\x08\x0a-\x1f\x7f]", " ", text)
    return textwrap.wrap(clean, width=100, initial_indent=first, subsequent_indent=rest,
                         break_long_words=False, break_on_hyphens=False)


def _notice_comments(notices: list[Notice]) -> list[str]:
    lines = []
    for notice in notices:
        lines += _comment(f"{notice.severity}: {notice.option}: {notice.message}")
    return lines


def _header(source: str, notices: list[Notice]) -> str:
    warnings = sum(n.severity == WARNING for n in notices)
    lines = _comment(f"Converted by `epd-relay import-stunnel` from {source}.")
    lines += _comment("Merge these sections into config.toml; sections not shown keep their defaults. "
                      f"{warnings} warning(s) and {len(notices) - warnings} option(s) not honoured are "
                      "written as comments next to what they concern.")
    global_notices = [n for n in notices if n.service is None]
    if global_notices:
        lines += ["#", "# stunnel's global options:", *_notice_comments(global_notices)]
    return "\n".join(lines) + "\n"


def _render_service(name: str, converted: _Converted | None, notices: list[Notice]) -> str:
    if converted is None:
        lines = _comment(f"stunnel service [{name}]: not converted.")
        return "\n".join(lines + _notice_comments(notices)) + "\n"
    target = {"smtp": "[smtp] and [upstream.smtp]", "pop3": "[pop3] and [upstream.pop3]",
              "tunnel": "a [[tunnel]]"}[converted.kind]
    lines = _comment(f"stunnel service [{name}] -> {target}.")
    for comment in converted.comments:
        lines += _comment(comment)
    lines += _notice_comments(notices)
    for header, body in converted.tables:
        lines += [header, *body, ""]
    return "\n".join(lines)

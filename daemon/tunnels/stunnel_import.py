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
from daemon.tunnels.stunnel_options import (
    CONVERTED,
    UNSUPPORTED,
    WARNING,
    Notice,
    Options,
    option_notices,
    spell,
)


@dataclass(frozen=True)
class ImportResult:
    toml: str            # the config.toml text to print, with a header saying where it came from
    notices: list[Notice]


class StunnelConfError(RelayError):
    """The stunnel configuration cannot be read at all (stunnel itself would refuse it)."""


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


_PORT_NAMES = {"smtp": 25, "submission": 587, "smtps": 465, "submissions": 465, "pop3": 110,
               "pop3s": 995, "imap": 143, "imap2": 143, "imaps": 993}


# ---------------------------------------------------------------- one service

@dataclass
class _Taken:
    """What the services converted so far use: the relay kinds, tunnel names, listen addresses."""

    kinds: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)
    listeners: dict[Address, "_Service"] = field(default_factory=dict)


@dataclass
class _Converted:
    kind: str                            # "smtp", "pop3" or "tunnel"
    tables: list[tuple[str, list[str]]]  # (table header, "key = value" lines)
    comments: list[str]


def _last(options: Options, name: str) -> str | None:
    values = _all(options, name)
    return values[-1] if values else None


def _all(options: Options, name: str) -> list[str]:
    return [value for option, value in options if option == name]


def _address(text: str, default_host: str) -> Address | None:
    """stunnel's [HOST:]PORT; the last colon splits, so ":::1110" is host "::"."""
    host, colon, port = text.strip().rpartition(":")
    if not colon:
        host = default_host
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    number = int(port) if port.isdigit() else _PORT_NAMES.get(port.lower(), 0)
    return Address(host or default_host, number) if 0 < number <= 65535 else None


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
    """One stunnel service: its options after the global defaults, and what it becomes."""

    def __init__(self, name: str, defaults: Options, own: Options, base_dir: Path) -> None:
        self.name, self.options, self.base_dir = name, defaults + own, base_dir
        self.option_notices = option_notices(name, own)
        self.notices: list[Notice] = []
        self.converted: _Converted | None = None

    def notice(self, option: str, message: str, severity: str = UNSUPPORTED) -> None:
        self.notices.append(Notice(self.name, spell(option), message, severity))

    def all_notices(self) -> list[Notice]:
        """Security warnings first; the other options only matter when the service was converted."""
        notices = self.notices + (self.option_notices if self.converted else [])
        return sorted(notices, key=lambda notice: notice.severity != WARNING)

    def convert(self, taken: _Taken) -> None:
        """Sets self.converted, or leaves it None with the reason in self.notices."""
        if not self._client_mode():
            return
        protocol = (_last(self.options, "protocol") or "none").lower()
        if protocol not in ("none", "smtp", "pop3", "imap"):
            self.notice("protocol", f"protocol = {protocol} is not supported (epd-relay speaks none, smtp, "
                        "pop3 or imap before TLS); service not converted")
            return
        listen, targets = self._listen(), self._targets()
        if listen is None or not targets:
            return
        if listen in taken.listeners:
            other = taken.listeners[listen].name
            self.notice("accept", f"{listen} is already used by stunnel service [{other}]; "
                        "service not converted")
            return
        taken.listeners[listen] = self
        ca_file, ca_found = self._ca_file()
        server_name = self._server_name(targets)
        self._verification(targets, server_name, ca_file if ca_found else None)
        tls = []
        if ca_file:
            tls.append(f"{'' if ca_found else '# '}ca_file = {_quote(ca_file)}")
        if server_name:
            tls.append(f"server_name = {_quote(server_name)}")
        kind = self._kind(protocol, targets[0].port, taken.kinds)
        if kind == "tunnel":
            name = _tunnel_name(self.name, taken.names)
            self.converted = self._tunnel(name, listen, targets, protocol, tls)
        else:
            self.converted = self._upstream(kind, listen, targets, protocol, tls)

    def _client_mode(self) -> bool:
        client = _last(self.options, "client")
        if (client or "").lower() == "yes":
            return True
        what = f"client = {client}" if client else "no client = yes, so stunnel's default server mode"
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
            extra = " (exec: starting local programs is not supported)" if _last(self.options, "exec") else ""
            self.notice("connect", f"no connect target{extra}; service not converted")
        elif len(targets) > 1 and (_last(self.options, "failover") or "").lower() == "rr":
            self.notice("failover", "failover = rr is not supported: epd-relay tries the connect targets "
                        "in the order written and uses the first that answers")
        return targets

    def _ca_file(self) -> tuple[str | None, bool]:
        """(CAfile resolved against base_dir, whether it exists here)."""
        text = _last(self.options, "cafile")
        if not text:
            return None, False
        path = Path(text) if Path(text).is_absolute() else (self.base_dir / text).absolute()
        if not path.is_file():
            self.notice("CAfile", f"{path} does not exist on this machine: ca_file is left commented out, so "
                        "the system CA store is used until you copy the file there and uncomment it", WARNING)
            return str(path), False
        return str(path), True

    def _server_name(self, targets: list[Address]) -> str:
        """The name to verify: checkHost, else checkIP, else sni; empty when it is the connect host."""
        names = _all(self.options, "checkhost") + _all(self.options, "checkip")
        for extra in names[1:]:
            self.notice("checkHost" if extra in _all(self.options, "checkhost") else "checkIP",
                        f"epd-relay checks one name per service: {names[0]} is checked, {extra} is not")
        sni = _last(self.options, "sni")
        if sni is not None and (not sni or ":" in sni):
            self.notice("sni", "an empty sni (no SNI sent) is not supported: epd-relay always sends the name "
                        "it verifies" if not sni else
                        f"sni = {sni} is stunnel's server-side virtual hosting; not supported")
            sni = None
        if sni and names and sni != names[0]:
            self.notice("sni", f"epd-relay sends the name it verifies ({names[0]}) as SNI; "
                        f"sni = {sni} is not used")
        name = names[0] if names else sni or ""
        return "" if all(target.host == name for target in targets) else name

    def _verification(self, targets: list[Address], server_name: str, ca_file: str | None) -> None:
        chain = peer = False
        chain_set = peer_set = None  # (option, value) that decided it, as stunnel reads them in order
        for option, value in self.options:
            if option == "verify":
                if value not in ("0", "1", "2", "3", "4"):
                    self.notice("verify", f"verify = {value} is not a level from 0 to 4; read as 0")
                level = int(value) if value in ("0", "1", "2", "3", "4") else 0
                chain, peer = 1 <= level <= 3, level >= 3
                chain_set = peer_set = (option, value)
            elif option == "verifychain":
                chain, chain_set = value.lower() == "yes", (option, value)
            elif option == "verifypeer":
                peer, peer_set = value.lower() == "yes", (option, value)
        name = server_name or targets[0].host
        ca = f"the CA file {ca_file}" if ca_file else "the system CA store"
        verifies = f"epd-relay verifies the certificate chain against {ca} and that it is issued to {name}"
        hint = "" if server_name or not _is_ip(name) else (
            f". {name} is an IP address, which certificates rarely name: set server_name to the host name "
            "in the provider's certificate")
        if peer:
            option, value = peer_set or ("verifypeer", "yes")
            self.notice(option, f"stunnel pinned the server's own certificate ({spell(option)} = {value}); "
                        f"epd-relay does not pin certificates: {verifies}. If CAfile holds the server's "
                        "certificate rather than the CA that issued it, set ca_file to that CA's certificate "
                        f"(or leave it empty for the system CA store){hint}")
        elif not chain:
            option, value = chain_set or ("verifychain", "")
            why = (f"{spell(option)} = {value}" if chain_set
                   else "no verifyChain, and stunnel verifies nothing by default")
            self.notice(option, f"stunnel did not verify the server's certificate here ({why}), so anyone on "
                        f"the network path could read the mail and the passwords. {verifies}; a server that "
                        f"fails this is refused{hint}", WARNING)
        elif not _all(self.options, "checkhost") + _all(self.options, "checkip"):
            self.notice("checkHost", "stunnel verified the certificate chain but not the host name, so any "
                        f"certificate from a trusted CA was accepted; {verifies}{hint}", WARNING)

    @staticmethod
    def _kind(protocol: str, port: int, kinds: set[str]) -> str:
        """The first mail submission service goes to the SMTP relay, the first POP3 one to the POP3 relay."""
        if protocol == "smtp" or protocol == "none" and port in (465, 587):
            kind = "smtp"
        elif protocol == "pop3" or protocol == "none" and port in (995, 110):
            kind = "pop3"
        else:
            return "tunnel"
        if kind in kinds:
            return "tunnel"
        kinds.add(kind)
        return kind

    def _tunnel(self, name: str, listen: Address, targets: list[Address], protocol: str,
                tls: list[str]) -> _Converted:
        connect = ", ".join(_quote(str(target)) for target in targets)
        lines = [f"name = {_quote(name)}", f"accept = {_quote(str(listen))}", f"connect = [{connect}]",
                 f'protocol = "{protocol}"', *tls]
        for option, key in (("timeoutidle", "idle_timeout"), ("timeoutconnect", "timeout")):
            value = _last(self.options, option)
            if value is not None and (seconds := _seconds(value)):
                lines.append(f'{key} = "{seconds}"')
            elif value is not None:
                self.notice(option, f"{value!r} is not a number of seconds above zero; the default is kept")
        return _Converted("tunnel", [("[[tunnel]]", lines)], [])

    def _upstream(self, kind: str, listen: Address, targets: list[Address], protocol: str,
                  tls: list[str]) -> _Converted:
        target = targets[0]
        if kind == "smtp":
            security = "starttls" if protocol == "smtp" else "tls"
            comments = ["Mail submission: relayed by epd-relay's store-and-forward SMTP path rather than "
                        "a raw tunnel: each message is stored, then delivered with retries, so a slow or "
                        "unreachable provider no longer loses mail or keeps the 1C client waiting. Clients "
                        "log in as before; their login is passed on to the provider."]
            if security == "tls" and target.port == 587:
                comments.append('Port 587 usually expects STARTTLS: if sending fails, set '
                                'security = "starttls".')
        else:
            security = "stls" if protocol == "pop3" else "tls"
            comments = ["POP3: relayed by epd-relay's POP3 relay to the provider over verified TLS."]
        if len(targets) > 1:
            unused = ", ".join(str(other) for other in targets[1:])
            queued = "; while it is down, mail waits in the queue and is retried" if kind == "smtp" else ""
            self.notice("connect", f"[upstream.{kind}] takes one server: {target} is used, "
                        f"{unused} not{queued}")
        local = [f"listen = {_quote(str(listen))}"]
        idle = _last(self.options, "timeoutidle")
        if idle is not None and kind == "pop3" and (seconds := _seconds(idle)):
            local.append(f'idle_timeout = "{seconds}"')
        elif idle is not None:
            self.notice("timeoutidle", "not converted: the SMTP relay's idle limits are not configurable"
                        if kind == "smtp" else f"{idle!r} is not a number of seconds above zero")
        if _last(self.options, "timeoutconnect") is not None:
            self.notice("timeoutconnect", f"not converted: [upstream.{kind}] timeout (default "
                        f"{'30s' if kind == 'smtp' else '60s'}) limits each step with the provider, "
                        "connecting included")
        upstream = [f"host = {_quote(target.host)}", f"port = {target.port}", f'security = "{security}"',
                    *tls]
        return _Converted(kind, [(f"[{kind}]", local), (f"[upstream.{kind}]", upstream)], comments)


def _tunnel_name(section: str, names: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9_.-]+", "-", section).strip("-") or "tunnel"
    name, number = base, 1
    while name in names:
        number += 1
        name = f"{base}-{number}"
    names.add(name)
    return name


# ---------------------------------------------------------------- the whole file

# config.toml's listeners that stay at their defaults unless a service takes their place
_DEFAULT_LISTENERS = {"smtp": ("[smtp] listen", Address("127.0.0.1", 2525)),
                      "pop3": ("[pop3] listen", Address("127.0.0.1", 1110)),
                      "panel": ("[panel] listen", Address("127.0.0.1", 8080))}


def convert(text: str, base_dir: Path, source: str | None = None) -> ImportResult:
    """config.toml sections equivalent to a stunnel.conf, and every notice about it.

    base_dir: where relative paths in the stunnel config (CAfile) are resolved, normally
    the directory of stunnel.conf. source: the file's name, for the header comment.
    """
    sections = parse_stunnel_conf(text)
    global_options = sections[0][1]
    global_notices = option_notices(None, global_options)
    if len(sections) == 1:
        global_notices.append(Notice(None, "[service]", "no [service] sections (stunnel's inetd mode): "
                                     "nothing to convert", UNSUPPORTED))
    defaults = [(option, value) for option, value in global_options if option in CONVERTED]
    taken = _Taken()
    services = [_Service(name, defaults, own, base_dir) for name, own in sections[1:]]
    for service in services:
        service.convert(taken)
    for kind, (key, address) in _DEFAULT_LISTENERS.items():
        if kind not in taken.kinds and address in taken.listeners:
            taken.listeners[address].notice("accept", f"{address} is also the default of {key}: change "
                                             f"{key} in config.toml, or this port")

    notices = global_notices + [n for service in services for n in service.all_notices()]
    lines = _comment(f"Converted by `epd-relay import-stunnel` from "
                     f"{source or f'a stunnel configuration in {base_dir}'}.")
    warnings = sum(notice.severity == WARNING for notice in notices)
    lines += _comment("Merge these sections into config.toml; sections not shown keep their defaults. "
                      f"{warnings} warning(s) and {len(notices) - warnings} note(s) on what epd-relay "
                      "does not honour are written as comments next to what they concern.")
    if global_notices:
        lines += ["#", "# stunnel's global options:", *_notice_comments(global_notices)]
    for service in services:
        lines += ["", *_render(service)]
    return ImportResult("\n".join(lines) + "\n", notices)


def _comment(text: str) -> list[str]:
    clean = re.sub(r"[\x00-\x08\x0a-\x1f\x7f]", " ", text)
    return textwrap.wrap(clean, width=100, initial_indent="# ", subsequent_indent="#   ",
                         break_long_words=False, break_on_hyphens=False)


def _notice_comments(notices: list[Notice]) -> list[str]:
    return [line for notice in notices
            for line in _comment(f"{notice.severity}: {notice.option}: {notice.message}")]


def _render(service: _Service) -> list[str]:
    converted = service.converted
    if converted is None:
        lines = _comment(f"stunnel service [{service.name}]: not converted.")
        return lines + _notice_comments(service.all_notices())
    target = {"smtp": "[smtp] and [upstream.smtp]", "pop3": "[pop3] and [upstream.pop3]",
              "tunnel": "a [[tunnel]]"}[converted.kind]
    lines = _comment(f"stunnel service [{service.name}] -> {target}.")
    for comment in converted.comments:
        lines += _comment(comment)
    lines += _notice_comments(service.all_notices())
    for header, body in converted.tables:
        lines += [header, *body, ""]
    return lines[:-1]

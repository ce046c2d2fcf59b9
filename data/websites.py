"""Web address (URL) check for a customer's website: http or https, and a real host name.

No library of the project checks URLs (``email_validator`` is for addresses),
and a website needs little: the scheme, a host a browser can reach, an optional
port, then any path. The standard library splits the address and turns a
Unicode host name into its ASCII form (IDNA), so ``https://bücher.example`` is
accepted and ``https://exa mple.com``, ``example.com`` or ``javascript:...``
are not.
"""
import ipaddress
import re
from urllib.parse import urlsplit

SCHEMES = ("http", "https")
# One label of an ASCII host name: letters, digits and inner hyphens, 1-63 characters.
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?", re.ASCII)


def _host_problem(host, bracketed):
    if bracketed:  # [2001:db8::1]
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            return f"“{host}” is not an IPv6 address"
        return None
    try:
        ipaddress.IPv4Address(host)
        return None
    except ValueError:
        pass
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return f"“{host}” is not a host name"
    labels = ascii_host.removesuffix(".").split(".")
    if len(labels) < 2:
        return "the host name needs a domain, as in example.com"
    if len(ascii_host) > 253 or not all(_LABEL.fullmatch(label) for label in labels) or labels[-1].isdigit():
        return f"“{host}” is not a host name"
    return None


def website_problem(address):
    """``None`` if ``address`` is an http(s) address with a host name, else why not (a short clause)."""
    if any(c.isspace() for c in address):
        return "spaces are not allowed; write them as %20"
    scheme, separator, _ = address.partition(":")
    if not separator or scheme.lower() not in SCHEMES:
        return "start it with http:// or https://"
    try:
        parts = urlsplit(address)
    except ValueError:  # an unclosed [ of an IPv6 address
        return "the host cannot be read"
    try:
        port = parts.port
    except ValueError:
        port = 0
    if not parts.netloc or not address[len(scheme) + 1:].startswith("//"):
        return f"a host name must follow {scheme.lower()}://"
    if "@" in parts.netloc:
        return "a user name or password does not belong in it"
    if port == 0:
        return "the port must be a number from 1 to 65535"
    if not parts.hostname:
        return f"a host name must follow {scheme.lower()}://"
    return _host_problem(parts.hostname, parts.netloc.startswith("["))

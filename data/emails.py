"""E-mail syntax check with a fast path for plain addresses.

``email_validator`` takes about 33 µs an address (Unicode and IDNA rules), which
was a third of an import's time at a million lines. Most addresses are plain
ASCII (``jane.doe+x@mail.example.com``): those that match the strict pattern
below are accepted at once; anything else (Unicode, quotes, odd lengths,
special-use domains) goes to ``email_validator``, which decides. The pattern
only ever accepts what ``email_validator`` accepts (tests/test_import_fast.py
checks that on generated addresses).
"""
import re

from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email

# Local part: dot-separated atoms of common characters. Domain: two or more
# labels of letters and digits with single inner hyphens, ending in a letters-only
# top-level domain. Total length ≤ 64 keeps every length limit (local 64, label
# 63, domain 253, address 254) out of the question.
_PLAIN = re.compile(r"[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*"
                    r"@(?:[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*\.)+([A-Za-z]{2,24})")
_SPECIAL = frozenset(SPECIAL_USE_DOMAIN_NAMES)


def email_problem(address):
    """``None`` if ``address`` is a deliverable-looking e-mail address, else why not."""
    match = _PLAIN.fullmatch(address) if len(address) <= 64 else None
    if match and match.group(1).lower() not in _SPECIAL and "--" not in address.partition("@")[2]:
        return None
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError as error:
        return str(error)
    return None

"""How text is normalised for storage and folded for case-insensitive search."""
import unicodedata

# Characters nobody types on purpose; stripping them keeps search keys and
# stored values clean (and keeps the search field separator unambiguous).
_CONTROL = dict.fromkeys(c for c in range(32) if c not in (9, 10))


def clean(value):
    """Trimmed text with control characters removed; ``None`` becomes ``""``.

    Every text column stores "no value" as the empty string, never NULL, so
    "is empty" has one meaning.
    """
    if value is None:
        return ""
    if type(value) is not str:
        value = str(value)
    if value.isprintable():
        # Most text of a bulk load is printable ASCII, which NFC leaves as it is.
        return value.strip() if value.isascii() else unicodedata.normalize("NFC", value).strip()
    value = value.translate(_CONTROL)  # rare: only then look for control characters
    return unicodedata.normalize("NFC", value).strip()


def fold(value):
    """Case-fold for comparison, the same in Python for every backend.

    ``casefold`` covers all of Unicode (MÜLLER -> müller, ÉRIC -> éric), which
    neither SQLite's LIKE/NOCASE (ASCII only) nor PostgreSQL's lower() (locale
    dependent) guarantee.
    """
    return clean(value).casefold()


def like_escape(value):
    """Escape LIKE wildcards so user input matches literally (ESCAPE '\\')."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")

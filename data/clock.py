"""Current time in UTC, in one place so tests can move it."""
from datetime import UTC, datetime

_frozen = None


def utcnow():
    """Naive UTC datetime (the database stores UTC without a zone)."""
    if _frozen is not None:
        return _frozen
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def today():
    """Today's date in UTC."""
    return utcnow().date()


def freeze(moment):
    """Pin the clock to ``moment`` (naive UTC datetime); ``None`` releases it."""
    global _frozen
    _frozen = moment

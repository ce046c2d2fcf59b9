"""Errors the data layer raises for the views to turn into 4xx answers."""


class NotFound(LookupError):
    """The record does not exist (or is not visible to the caller)."""


class Conflict(Exception):
    """The change is refused by a business rule; ``reasons`` says why."""

    def __init__(self, message, reasons=()):
        super().__init__(message)
        self.message = message
        self.reasons = list(reasons)


class InvalidCondition(ValueError):
    """A search condition (field, operator, value) that cannot be searched for; ``message`` says why."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class Stale(Conflict):
    """Someone else changed the record since it was read (optimistic locking)."""

    def __init__(self, message):
        super().__init__(message, [])


class Invalid(ValueError):
    """Input that fails validation; ``errors`` maps each field to its message."""

    def __init__(self, errors):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = dict(errors)


class Terminated(Conflict):
    """The customer is permanently terminated: kept as it is, no further changes."""

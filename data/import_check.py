"""The failure path of ``import-customers``: every problem of a file, with line numbers.

Runs only after the import's transaction was rolled back, so the database holds
what it held before. One more read of the file finds what the single writing
pass does not keep: on which line a duplicate name first appears, which names
the database already has, and what an unknown owner name is (a retail customer
of the file, or nothing at all).
"""
from .import_lines import Problem, lines
from .models import Customer
from .records import Account
from .text import clean

CHUNK = 500


def _chunks(items, size=CHUNK):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start:start + size]


def explain(path, encoding, problems, deferred, conflict):
    """Every problem (``Problem``) sorted by line; ``problems`` are those already found."""
    problems = list(problems)
    names, kinds, accounts = {}, {}, {}
    wanted = {name for _, _, name, _ in deferred}
    for line, raw in lines(path, encoding, None, []):
        name = clean(raw.get("name", ""))
        if not name:
            continue
        if name in names:
            problems.append(Problem(line, f"name: “{name}” is already on line {names[name]}"))
        else:
            names[name] = line
            if name in wanted:
                kinds[name] = clean(raw.get("customer_type", "")).lower() or "retail"
        for number in (raw.get("accounts") or "").split():
            accounts.setdefault(number, line)
    for _, kind, name, line in deferred:
        found = kinds.get(name)
        if found is None:
            problems.append(Problem(line, f"{kind}: there is no customer “{name}” in the database or the file"))
        elif found != kind:
            problems.append(Problem(line, f"{kind}: “{name}” is a {found}, not a {kind}"))
    for chunk in _chunks(names):
        for (name,) in Customer.select(Customer.name).where(Customer.name.in_(chunk)).tuples():
            problems.append(Problem(names[name], f"name: a customer “{name}” already exists"))
    for chunk in _chunks(accounts):
        for (number,) in Account.select(Account.number).where(Account.number.in_(chunk)).tuples():
            problems.append(Problem(accounts[number], f"accounts: an account “{number}” already exists"))
    if not problems and conflict is not None:
        # Another session added the same name or account number meanwhile (PostgreSQL).
        problems.append(Problem(0, f"the database refused a row ({conflict}); nothing was imported, try again"))
    return sorted(set(problems), key=lambda p: (p.line, p.message))

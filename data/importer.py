"""``import-customers``: load customers from CSV, all or nothing.

The file is read twice. The first pass checks every line (values, unique names,
references to resellers and distributors, which may be in the database or
anywhere in the file) and collects every problem with its line number. Only a
clean file gets the second pass, which inserts everything in one transaction:
owners first, so their subcustomers can point at them.
"""
import csv
from dataclasses import dataclass

from .bulk import insert_rows
from .db import refresh_statistics, write_transaction
from .export import INSTALLATION_COLUMNS as COLUMNS
from .models import Customer, CustomerClass, CustomerSearch
from .records import Account
from .validation import customer_values

BATCH = 2000


@dataclass(frozen=True)
class Problem:
    line: int
    message: str

    def __str__(self):
        return f"line {self.line}: {self.message}"


class ImportFailed(Exception):
    """The file has problems; nothing was written."""

    def __init__(self, problems):
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


def _records(path, progress):
    """``(line number, row dict)`` for each record; ``progress(bytes)`` as it reads."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        def lines():
            for line in handle:
                if progress:
                    progress(len(line.encode("utf-8")))
                yield line

        reader = csv.reader(lines())
        header = next(reader, None)
        if header is None:
            raise ImportFailed([Problem(1, "the file is empty; the first line must name the columns")])
        header = [name.strip() for name in header]
        problems = [Problem(1, f"unknown column “{name}” (columns: {', '.join(COLUMNS)})")
                    for name in header if name not in COLUMNS]
        problems += [Problem(1, f"column “{name}” appears twice") for name in set(header)
                     if header.count(name) > 1]
        problems += [Problem(1, f"required column “{name}” is missing") for name in ("name", "currency")
                     if name not in header]
        if problems:
            raise ImportFailed(problems)
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                yield reader.line_num, None, f"has {len(row)} fields, the header has {len(header)}"
                continue
            yield reader.line_num, dict(zip(header, row, strict=True)), None


@dataclass
class _Checked:
    problems: list
    count: int
    classes: set
    referenced: set


def _account_numbers(raw):
    return (raw.get("accounts") or "").split()


def _check(path, progress):
    """First pass: every problem in the file, and what the second pass needs."""
    problems, names, kinds, references, classes, accounts = [], {}, {}, [], set(), {}
    count = 0
    for line, raw, shape_error in _records(path, progress):
        count += 1
        if shape_error:
            problems.append(Problem(line, shape_error))
            continue
        values, errors = customer_values(raw)
        problems += [Problem(line, f"{field}: {message}") for field, message in errors.items()]
        name = values.get("name")
        if name:
            if name in names:
                problems.append(Problem(line, f"name: “{name}” is already on line {names[name]}"))
            names.setdefault(name, line)
            kinds.setdefault(name, values["customer_type"])
        if values.get("customer_class"):
            classes.add(values["customer_class"])
        for number in _account_numbers(raw):
            if len(number) > 50:
                problems.append(Problem(line, f"accounts: “{number[:20]}…” is longer than 50 characters"))
            elif number in accounts:
                problems.append(Problem(line, f"accounts: “{number}” is already on line {accounts[number]}"))
            accounts.setdefault(number, line)
        for kind in ("reseller", "distributor"):
            if values.get(kind):
                references.append((line, kind, values[kind]))
    referenced = {name for _, _, name in references}
    known = _owner_types_in_database(referenced - set(kinds))
    for line, kind, name in references:
        found = kinds.get(name) or known.get(name)
        if found is None:
            problems.append(Problem(line, f"{kind}: there is no customer “{name}” in the database or the file"))
        elif found != kind:
            problems.append(Problem(line, f"{kind}: “{name}” is a {found}, not a {kind}"))
    taken = _names_in_database(list(names))
    problems += [Problem(names[name], f"name: a customer “{name}” already exists") for name in taken]
    for chunk in _chunks(accounts, 500):
        for (number,) in Account.select(Account.number).where(Account.number.in_(chunk)).tuples():
            problems.append(Problem(accounts[number], f"accounts: an account “{number}” already exists"))
    return _Checked(sorted(problems, key=lambda p: p.line), count, classes, referenced - set(kinds))


def _chunks(items, size):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _owner_types_in_database(names):
    found = {}
    for chunk in _chunks(names, 500):
        query = Customer.select(Customer.name, Customer.customer_type).where(Customer.name.in_(chunk))
        found.update(dict(query.tuples()))
    return found


def _names_in_database(names):
    taken = []
    for chunk in _chunks(names, 500):
        taken += [n for (n,) in Customer.select(Customer.name).where(Customer.name.in_(chunk)).tuples()]
    return taken


def _class_ids(names):
    """Ids of the named customer classes, creating the ones that do not exist yet."""
    ids = dict(CustomerClass.select(CustomerClass.name, CustomerClass.id)
               .where(CustomerClass.name.in_(list(names))).tuples()) if names else {}
    for name in sorted(set(names) - set(ids)):
        ids[name] = CustomerClass.create(name=name).id
    return ids


def _insert(batch, owner_ids, class_ids):
    customers, numbers = [], {}
    for values in batch:
        values = dict(values)
        numbers[values["name"]] = values.pop("accounts", [])
        values["reseller"] = owner_ids.get(values.pop("reseller", "")) if values.get("reseller") else None
        values["distributor"] = owner_ids.get(values.pop("distributor", "")) if values.get("distributor") else None
        class_name = values.pop("customer_class", "")
        values["customer_class"] = class_ids.get(class_name) if class_name else None
        customer = Customer(**values)
        customer.prepare()
        customers.append(customer)
    insert_rows(Customer, [c.__data__ for c in customers])
    ids = dict(Customer.select(Customer.name, Customer.id)
               .where(Customer.name.in_([c.name for c in customers])).tuples())
    for customer in customers:
        customer.id = ids[customer.name]
    insert_rows(CustomerSearch, [CustomerSearch.row_for(c) for c in customers])
    insert_rows(Account, [{"number": number, "customer": ids[name]}
                          for name, owned in numbers.items() for number in owned])
    return ids


def _values(path, progress, owners):
    """Second pass: the checked values of the owners (or of everyone else), in file order."""
    for _, raw, _ in _records(path, progress):
        values = customer_values(raw)[0]
        if (values["customer_type"] != "retail") == owners:
            values["accounts"] = _account_numbers(raw)
            yield values


def import_customers(path, progress=None):
    """Import the CSV file at ``path``; return how many customers were added.

    Raises ``ImportFailed`` with every problem (and writes nothing) if any line is bad.
    ``progress(n_bytes)`` is called as the file is read: once to check it, then
    twice to write it (resellers and distributors first, then the rest).
    """
    checked = _check(path, progress)
    if checked.problems:
        raise ImportFailed(checked.problems)
    with write_transaction():
        class_ids = _class_ids(checked.classes)
        owner_ids = _ids_of(checked.referenced)
        for owners in (True, False):
            for batch in _chunks_of(_values(path, progress, owners), BATCH):
                added = _insert(batch, owner_ids, class_ids)
                if owners:
                    owner_ids.update(added)
    refresh_statistics()
    return checked.count


def _chunks_of(iterable, size):
    batch = []
    for item in iterable:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _ids_of(names):
    ids = {}
    for chunk in _chunks(names, 500):
        ids.update(dict(Customer.select(Customer.name, Customer.id).where(Customer.name.in_(chunk)).tuples()))
    return ids

"""The customer's own fields, described once.

Everything that lists a customer's fields is derived from ``FIELDS``: the text
columns of the ``Customer`` model and their folded copies in ``CustomerSearch``
(data/models.py), the simple search (data/search_sql.py), the advanced-search
fields (data/conditions.py), the CSV columns of the export and the import
(data/export.py), the checks of every value (data/validation.py), the edit form's
values (data/editing.py) and the search box's placeholder.

Adding a searchable text field is one entry here, one migration that adds the
column to ``customer`` and ``customer_search`` with its indexes (see
data/migrations/m0012_website.py and data/migrations/searchable.py), and one
line in templates/customers/_customer_fields.html (a test checks the form has
an input for every text field, and that the database has the indexes).

The order is the CSV order, a public interface: a new field goes at the end.
"""
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import pycountry

from .emails import email_problem
from .websites import website_problem

TEXT_OPS = ("is", "is_not", "begins_with", "contains", "not_contains", "ends_with", "is_empty", "is_not_empty")
ENUM_OPS = ("is", "is_not")
MONEY_OPS = ("eq", "gt", "lt")
# "Is any of": several values, ORed (the status chips of the list toggle it).
MULTI_OPS = ("in",)


@dataclass(frozen=True)
class CustomerField:
    name: str
    label: str                   # how the advanced search names it
    kind: str                    # text | enum | owner | money | flag
    ops: tuple = ()              # advanced-search operators; () = not a search condition
    max_length: int = 0          # text: the column's length
    simple: bool = False         # text: the simple search (q) looks in it
    hint: str = ""               # text: its word in the simple search box's placeholder
    auxiliary: bool = False      # rarely searched; the spec warns such searches scan
    csv: bool = True             # a column of the CSV export and import
    unique: bool = False         # text: no two customers share a value
    capitals: bool = False       # text: stored in capital letters (codes)
    check: Callable = None       # text: message for a bad non-empty value, or None when it is fine


def text(name, label, max_length, simple=False, hint="", **options):
    """A text field: a searchable column with a case-folded copy in ``customer_search``."""
    return CustomerField(name, label, "text", TEXT_OPS, max_length, simple, hint or label.lower(), **options)


@lru_cache(maxsize=1024)  # a few hundred codes, asked for on every line of an import
def _country(code):
    if pycountry.countries.get(alpha_2=code) is None:
        return f"“{code}” is not an ISO 3166-1 alpha-2 country code"
    return None


def _email(address):
    problem = email_problem(address)
    return f"“{address}” is not an e-mail address ({problem})" if problem else None


def _website(address):
    problem = website_problem(address)
    return f"“{address}” is not a web address ({problem})" if problem else None


FIELDS = (
    text("name", "ID (name)", 100, simple=True, hint="name", unique=True),
    CustomerField("customer_type", "Customer type", "enum", ENUM_OPS),
    CustomerField("reseller", "Reseller", "owner", TEXT_OPS),
    CustomerField("distributor", "Distributor", "owner", TEXT_OPS),
    CustomerField("customer_class", "Customer class", "enum", ENUM_OPS + ("is_empty", "is_not_empty")),
    text("company_name", "Company name", 200, simple=True, hint="company"),
    text("first_name", "First name", 100, simple=True),
    text("last_name", "Last name", 100, simple=True),
    text("address", "Address", 300, auxiliary=True),
    text("city", "City", 100, simple=True),
    text("state", "State", 100, simple=True),
    text("zip", "ZIP", 20, simple=True, hint="ZIP"),
    text("country", "Country (ISO code)", 2, simple=True, hint="country", capitals=True, check=_country),
    text("phone", "Phone", 50, simple=True),
    text("fax", "Fax", 50, auxiliary=True),
    text("email", "Email", 254, simple=True, hint="e-mail", check=_email),
    text("login", "Login", 100, simple=True),
    CustomerField("currency", "Currency", "enum", ENUM_OPS),
    CustomerField("balance_control", "Balance control", "enum", ENUM_OPS),
    CustomerField("balance", "Balance", "money", MONEY_OPS),
    CustomerField("available_funds", "Available funds", "money", MONEY_OPS),
    CustomerField("credit_limit", "Credit limit", "money", MONEY_OPS + ("is_empty",)),
    CustomerField("blocked", "Blocked", "flag"),
    CustomerField("status", "Status", "enum", ENUM_OPS + MULTI_OPS),
    CustomerField("daily_spending_limit", "Daily spending limit", "money", MONEY_OPS + ("is_empty",), csv=False),
    text("website", "Website", 255, simple=True, check=_website),
)

BY_NAME = {f.name: f for f in FIELDS}
TEXT = tuple(f for f in FIELDS if f.kind == "text")
TEXT_FIELDS = tuple(f.name for f in TEXT)
SIMPLE_SEARCH_FIELDS = tuple(f.name for f in TEXT if f.simple)
CSV_COLUMNS = tuple(f.name for f in FIELDS if f.csv)
CSV_AMOUNTS = tuple(f.name for f in FIELDS if f.csv and f.kind == "money")
# The search box's placeholder: the fields the simple search looks in.
_hint = ", ".join(f.hint for f in TEXT if f.simple)
SIMPLE_SEARCH_HINT = _hint[:1].upper() + _hint[1:]

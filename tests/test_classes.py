"""Customer classes in data/ (issue 14): creating, editing, retiring and deleting a class,
its per-currency maintenance fee and its history; who may; and the previews of what
maintenance charges, which count the very queries maintenance charges by."""
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from data import classes, clock, editing, maintenance, periodic
from data.access import Forbidden, Viewer
from data.errors import Conflict, Invalid, Stale
from data.models import CustomerClass
from data.records import ClassFee, ClassHistory, PeriodicCharge
from tests import factories
from tests.conftest import fresh

NOW = datetime(2026, 11, 20, 9, 0)


@pytest.fixture
def at(database):
    clock.freeze(NOW)
    yield
    clock.freeze(None)


def form(name="Gold", grace="5", reactivation="30", fees=()):
    raw = {"name": name, "grace_days": grace, "reactivation_days": reactivation}
    for n, (currency, amount) in enumerate(fees):
        raw[f"fee_currency_{n}"], raw[f"fee_amount_{n}"] = currency, amount
    return raw


def test_a_class_is_created_with_fees_per_currency_and_history(database, at):
    cls = classes.create_class(form(fees=[("eur", "4.00"), ("USD", "4.5"), ("", "")]), "alice")
    assert (cls.name, cls.grace_days, cls.reactivation_days, cls.retired_at) == ("Gold", 5, 30, None)
    assert classes.fees(cls.id) == {"EUR": Decimal("4"), "USD": Decimal("4.5")}
    rows = {(h.actor, h.action, h.field, h.new_value) for h in classes.history(cls.id)}
    assert ("alice", "create", "maintenance_fee EUR", "4 EUR") in rows
    assert ("alice", "create", "grace_days", "5") in rows


def test_defaults_are_no_grace_and_the_usual_30_day_reactivation(database):
    cls = classes.create_class({"name": "Plain"}, "alice")
    assert (cls.grace_days, cls.reactivation_days) == (0, 30) and classes.fees(cls.id) == {}


@pytest.mark.parametrize("raw,field,message", [
    (form(name=""), "name", "is required"),
    (form(name="x" * 101), "name", "longer than 100"),
    (form(grace="-1"), "grace_days", "not a whole number"),
    (form(grace="2.5"), "grace_days", "not a whole number"),
    (form(grace="٣"), "grace_days", "not a whole number"),
    (form(reactivation="366"), "reactivation_days", "at most 365"),
    (form(fees=[("XXY", "1")]), "fee_currency_0", "not an ISO 4217"),
    (form(fees=[("", "1")]), "fee_currency_0", "choose the currency"),
    (form(fees=[("EUR", "1,5")]), "fee_amount_0", "plain decimal"),
    (form(fees=[("EUR", "-1")]), "fee_amount_0", "cannot be negative"),
    (form(fees=[("JPY", "1.5")]), "fee_amount_0", "JPY has no decimal places"),
    (form(fees=[("EUR", "1.001")]), "fee_amount_0", "EUR has 2 decimal places"),
    (form(fees=[("EUR", "1"), ("EUR", "2")]), "fee_currency_1", "one fee per currency"),
])
def test_bad_values_are_refused_with_a_message_per_field(database, raw, field, message):
    with pytest.raises(Invalid) as refused:
        classes.create_class(raw, "alice")
    assert message in refused.value.errors[field]
    assert not CustomerClass.select().exists()


def test_duplicate_names_are_refused_whatever_the_case(database):
    classes.create_class(form(name="Gold"), "alice")
    with pytest.raises(Invalid) as refused:
        classes.create_class(form(name=" gold "), "alice")
    assert refused.value.errors["name"] == "a class “Gold” already exists"


def test_an_edit_records_each_change_and_checks_the_version(database, at):
    cls = classes.create_class(form(fees=[("EUR", "4"), ("USD", "5")]), "alice")
    changed = classes.update_class(cls.id, form(name="Gold+", grace="7", fees=[("EUR", "4.50"), ("GBP", "3")]),
                                   "bob", expected_version=cls.version)
    assert (changed.name, changed.grace_days, changed.version) == ("Gold+", 7, 2)
    assert classes.fees(cls.id) == {"EUR": Decimal("4.5"), "GBP": Decimal("3")}
    edits = {(h.field, h.old_value, h.new_value) for h in classes.history(cls.id) if h.action == "edit"}
    assert edits == {("name", "Gold", "Gold+"), ("grace_days", "5", "7"), ("maintenance_fee EUR", "4 EUR", "4.5 EUR"),
                     ("maintenance_fee GBP", "", "3 GBP"), ("maintenance_fee USD", "5 USD", "")}
    with pytest.raises(Stale):
        classes.update_class(cls.id, form(name="Late"), "carol", expected_version=1)
    assert fresh(cls).name == "Gold+"
    same = classes.update_class(cls.id, form(name="Gold+", grace="7", fees=[("EUR", "4.5"), ("GBP", "3")]), "bob")
    assert same.version == 2  # nothing changed: nothing written


def test_retired_classes_are_kept_by_their_customers_and_not_offered(database):
    cls = classes.create_class(form(name="Old"), "alice")
    other = classes.create_class(form(name="New"), "alice")
    kept = factories.customer("Keeper", customer_class=cls)
    classes.retire(cls.id, "alice", cls.version)
    assert editing.class_names() == ["New"] and editing.class_names(kept) == ["New", "Old"]
    with pytest.raises(Conflict):
        classes.retire(cls.id, "alice")
    # The customer keeps it through an edit; a new customer cannot be put in it.
    editing.update_customer(kept.id, {"name": "Keeper", "currency": "USD", "customer_class": "Old"}, "alice", None)
    assert fresh(kept).customer_class_id == cls.id
    with pytest.raises(Invalid) as refused:
        editing.create_customer({"name": "Newcomer", "currency": "USD", "customer_class": "Old"}, "alice")
    assert "retired" in refused.value.errors["customer_class"]
    classes.reinstate(cls.id, "alice")
    assert editing.class_names() == ["New", "Old"]
    assert [h.action for h in classes.history(cls.id)][:2] == ["reinstate", "retire"]
    assert other.retired_at is None


def test_a_class_in_use_cannot_be_deleted_an_unused_one_can(database):
    used = classes.create_class(form(name="Used", fees=[("USD", "1")]), "alice")
    factories.customer(customer_class=used)
    with pytest.raises(Conflict) as refused:
        classes.delete_class(used.id, "alice")
    assert "1 customer use it" in refused.value.reasons[0]
    unused = classes.create_class(form(name="Unused", fees=[("USD", "1")]), "alice")
    classes.delete_class(unused.id, "alice")
    assert CustomerClass.get_or_none(CustomerClass.id == unused.id) is None
    assert not ClassFee.select().where(ClassFee.customer_class == unused.id).exists()
    assert classes.history(unused.id)[0].action == "delete"  # the history outlives the class


@pytest.mark.parametrize("role", ["operator_viewer", "billing_clerk", "reseller_staff", "distributor_staff"])
def test_only_operator_administrators_manage_classes(database, role):
    cls = classes.create_class(form(name="Theirs"), "alice")
    viewer = Viewer("someone", role, owner_id=1)
    for attempt in (lambda: classes.create_class(form(name="Mine"), viewer),
                    lambda: classes.update_class(cls.id, form(name="Mine"), viewer),
                    lambda: classes.retire(cls.id, viewer), lambda: classes.delete_class(cls.id, viewer)):
        with pytest.raises(Forbidden):
            attempt()
    assert fresh(cls).name == "Theirs" and fresh(cls).retired_at is None
    assert ClassHistory.select().count() == 3  # the creation's rows only (name and the two periods)


def test_counts_stay_in_the_viewers_reach(database):
    cls = classes.create_class(form(), "alice")
    reseller = factories.reseller()
    factories.customer(customer_class=cls, reseller=reseller)
    factories.customer(customer_class=cls)
    factories.customer(customer_class=cls)
    assert classes.customer_counts("alice") == {cls.id: 3}
    assert classes.customer_counts(Viewer("staff", "reseller_staff", reseller.id)) == {cls.id: 1}
    assert [c.customers for c in classes.overview(Viewer("d", "distributor_staff", reseller.id))] == [0]


def test_maintenance_charges_the_fee_in_the_customers_currency_only(database, at):
    cls = factories.customer_class(fees={"EUR": "4", "USD": "4.50"})
    euro = factories.customer("euro", currency="EUR", customer_class=cls)
    dollar = factories.customer("dollar", currency="USD", customer_class=cls)
    pound = factories.customer("pound", currency="GBP", customer_class=cls)
    assert maintenance.run().counts == {"maintenance_fee": 2}
    assert (fresh(euro).balance, fresh(dollar).balance, fresh(pound).balance) == (Decimal(4), Decimal("4.5"), 0)


def test_the_class_preview_counts_what_the_next_run_charges(database, at):
    cls = factories.customer_class(fees={"EUR": "4", "USD": "1"})
    for n in range(3):
        factories.customer(f"e{n}", currency="EUR", customer_class=cls)
    factories.customer("blocked", currency="EUR", customer_class=cls, blocked=True)
    factories.customer("gone", currency="EUR", customer_class=cls, terminated_at=NOW - timedelta(days=1))
    factories.customer("d", currency="USD", customer_class=cls)
    runs = {r.currency: r for r in periodic.class_preview(cls.id, "alice", NOW)}
    assert (runs["EUR"].next_run, runs["EUR"].this_month, runs["EUR"].amount) == (3, 3, Decimal(4))
    assert runs["USD"].next_run == 1
    report = maintenance.run()
    assert report.counts["maintenance_fee"] == sum(r.next_run for r in runs.values())
    after = {r.currency: r for r in periodic.class_preview(cls.id, "alice", NOW)}
    assert (after["EUR"].next_run, after["EUR"].charged, after["EUR"].this_month) == (0, 3, 3)


def test_the_customer_preview_lists_the_next_charges(database, at):
    from data.records import Subscription
    cls = factories.customer_class("Biz", fees={"USD": "2"})
    c = factories.customer(customer_class=cls)
    Subscription.create(customer=c.id, name="Plan", fee=Decimal("10"), started_on=date(2026, 1, 1))
    Subscription.create(customer=c.id, name="Later", fee=Decimal("3"), started_on=date(2027, 1, 1))
    charges, note = periodic.customer_preview(c, NOW)
    assert [(u.what, u.amount, u.charged) for u in charges] == [
        ("Subscription: Plan", Decimal(10), False), ("Maintenance fee: Biz", Decimal(2), False)]
    maintenance.run()
    assert all(u.charged for u in periodic.customer_preview(c, NOW)[0])
    assert PeriodicCharge.select().count() == 2
    blocked = factories.customer("blocked", customer_class=cls, blocked=True)
    assert periodic.customer_preview(fresh(blocked), NOW) == ([], "No maintenance fee while blocked.")
    euro = factories.customer("euro", currency="EUR", customer_class=cls)
    assert periodic.customer_preview(fresh(euro), NOW)[1] == "Class “Biz” has no maintenance fee in EUR."
    assert periodic.next_period_start(NOW) == date(2026, 12, 1)


def test_an_import_records_the_classes_it_makes_and_refuses_retired_ones(database, tmp_path):
    from data.importer import ImportFailed, import_customers
    old = classes.create_class(form(name="Old"), "alice")
    classes.retire(old.id, "alice")
    path = tmp_path / "in.csv"
    path.write_text("name,currency,customer_class\r\nA,USD,Fresh\r\nB,USD,Old\r\n", encoding="utf-8")
    with pytest.raises(ImportFailed) as refused:
        import_customers(str(path), actor="bob")
    [(line, message)] = [(p.line, p.message) for p in refused.value.problems]
    assert line == 3 and "“Old” is retired" in message
    assert not CustomerClass.select().where(CustomerClass.name == "Fresh").exists()  # all or nothing
    path.write_text("name,currency,customer_class\r\nA,USD,Fresh\r\n", encoding="utf-8")
    import_customers(str(path), actor="bob")
    fresh_class = CustomerClass.get(CustomerClass.name == "Fresh")
    assert [(h.actor, h.action, h.new_value) for h in classes.history(fresh_class.id)] == [("bob", "import", "Fresh")]

"""data/user_admin.py: who may manage whom, and nobody gives more power than their own."""
import pytest

from data import access, sessions, user_admin, users
from data.access import Forbidden, Role, Viewer
from data.errors import Invalid, NotFound
from data.records import User
from tests import factories
from tests.conftest import TEST_PASSWORD, fresh, make_user

ADMIN = Viewer("admin", "operator_admin")


@pytest.fixture
def admin(database):
    return make_user("admin")


def test_an_administrator_may_give_every_role(admin):
    assert list(user_admin.assignable_roles(ADMIN)) == list(access.ROLES)
    assert user_admin.assignable_roles(Viewer("v", "operator_viewer")) == {}


def test_only_those_who_may_manage_users_list_them(admin):
    for role in ("operator_viewer", "reseller_staff", "distributor_staff", "billing_clerk"):
        with pytest.raises(Forbidden):
            user_admin.listing(Viewer("x", role, 1, "R"))


def test_creating_a_user_with_a_made_up_password(admin):
    acme = factories.reseller("Acme")
    user, password = user_admin.create(ADMIN, " rosa ", "reseller_staff", "Acme")
    assert (user.name, user.owner_id, user.must_change_password) == ("rosa", acme.id, True)
    assert len(password) >= users.MIN_PASSWORD
    assert users.authenticate("rosa", password, "192.0.2.1").name == "rosa"
    typed, shown = user_admin.create(ADMIN, "typed", "billing_clerk", password="a password I chose")
    assert shown is None and typed.must_change_password


def test_creating_refuses_bad_input_with_every_reason(admin):
    with pytest.raises(Invalid) as refused:
        user_admin.create(ADMIN, "admin", "reseller_staff", "No Such Reseller", password="short")
    assert set(refused.value.errors) == {"name", "reseller", "password"}
    with pytest.raises(Invalid) as unknown:
        user_admin.create(ADMIN, "new", "emperor")
    assert unknown.value.errors["role"] == "choose a role from the list"


def test_nobody_disables_or_demotes_themselves(admin):
    with pytest.raises(Forbidden):
        user_admin.disable(ADMIN, admin)
    with pytest.raises(Forbidden):
        user_admin.change_role(ADMIN, admin, "operator_viewer")
    assert fresh(admin).disabled_at is None and fresh(admin).role == "operator_admin"


def test_disabling_ends_every_session_at_once_and_enabling_lets_them_back(admin):
    user = make_user("viv", "operator_viewer")
    token = sessions.start(user.id)
    user_admin.disable(ADMIN, user)
    assert sessions.resume(token) is None
    with pytest.raises(users.SignInRefused, match="disabled"):
        users.authenticate("viv", TEST_PASSWORD, "192.0.2.1")
    user_admin.enable(ADMIN, user)
    assert users.authenticate("viv", TEST_PASSWORD, "192.0.2.1").name == "viv"


def test_a_reset_password_works_once_given_and_must_be_changed(admin):
    user = make_user("rex", "billing_clerk")
    token = sessions.start(user.id)
    password = user_admin.reset_password(ADMIN, user)
    assert sessions.resume(token) is None and fresh(user).must_change_password
    with pytest.raises(users.SignInRefused):
        users.authenticate("rex", TEST_PASSWORD, "192.0.2.1")
    assert users.authenticate("rex", password, "192.0.2.1").name == "rex"


def test_changing_a_role_checks_the_owner(admin):
    user = make_user("sam", "operator_viewer")
    with pytest.raises(Invalid) as refused:
        user_admin.change_role(ADMIN, user, "distributor_staff", "")
    assert "distributor" in refused.value.errors
    dist = factories.distributor("Dist One")
    changed = user_admin.change_role(ADMIN, user, "distributor_staff", "Dist One")
    assert (changed.role, changed.owner_id) == ("distributor_staff", dist.id)
    back = user_admin.change_role(ADMIN, changed, "billing_clerk", "")
    assert back.owner_id is None


@pytest.fixture
def staff_may_manage(monkeypatch, admin):
    """Reseller staff allowed to manage users (not so in the shipped table): the reach rules still hold."""
    table = dict(access.PERMISSIONS)
    table["reseller_staff"] = Role("Reseller staff", table["reseller_staff"].may | {"manage_users"}, "reseller")
    monkeypatch.setattr(access, "PERMISSIONS", table)
    monkeypatch.setattr(user_admin, "PERMISSIONS", table)
    own, other = factories.reseller("Own"), factories.reseller("Other")
    return Viewer("boss", "reseller_staff", own.id, "Own"), own, other


def test_staff_manage_only_their_owners_users_and_never_give_more(staff_may_manage):
    boss, own, other = staff_may_manage
    assert list(user_admin.assignable_roles(boss)) == ["reseller_staff"]
    colleague = make_user("colleague", "reseller_staff", own)
    stranger = make_user("stranger", "reseller_staff", other)
    assert {u.name for u in user_admin.listing(boss)} == {"colleague"}
    with pytest.raises(NotFound):
        user_admin.find(boss, stranger.id)
    with pytest.raises(NotFound):
        user_admin.find(boss, User.get(User.name == "admin").id)
    with pytest.raises(Invalid) as refused:
        user_admin.create(boss, "new admin", "operator_admin")
    assert refused.value.errors["role"] == "you cannot give this role"
    made, _ = user_admin.create(boss, "helper", "reseller_staff", "Other")  # the owner is always theirs
    assert made.owner_id == own.id
    with pytest.raises(Invalid):
        user_admin.change_role(boss, colleague, "operator_admin")
    assert user_admin.may_change(boss, colleague) and not user_admin.may_change(boss, stranger)


def test_the_command_turns_off_two_factor_sign_in(runner, admin):
    admin.totp_secret = "A" * 32
    admin.save()
    token = sessions.start(admin.id)
    result = runner.invoke(args=["turn-off-two-factor", "admin"])
    assert result.exit_code == 0 and "is off" in result.output
    assert not fresh(admin).two_factor and sessions.resume(token) is None
    assert "nothing changed" in runner.invoke(args=["turn-off-two-factor", "admin"]).output
    missing = runner.invoke(args=["turn-off-two-factor", "nobody"])
    assert missing.exit_code != 0 and "There is no user “nobody”" in missing.output

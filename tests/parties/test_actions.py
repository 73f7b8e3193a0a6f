"""parties.actions, the only writers of people and organisations (issue 8 item 2): who may, what is
refused with which message, and the listeners told inside the transaction."""

import re

import pytest
from django.contrib.auth.models import AnonymousUser, Group, Permission

from parties import actions
from parties.actions import (
    InvalidInput,
    NotAllowed,
    add_organisation,
    add_person,
    change_organisation,
    change_person,
)
from parties.models import Organisation, User

pytestmark = pytest.mark.django_db
PASSWORD = "escrow-demo-2026"


@pytest.fixture
def firm():
    return Organisation.objects.create(name="Lixin CPA", kind="accounting_firm", jurisdiction="PRC")


@pytest.fixture
def other_firm():
    return Organisation.objects.create(name="Other Audit Firm", kind="accounting_firm", jurisdiction="HK")


def staff_with(*codenames, username="clerk"):
    """A staff member holding exactly these parties permissions (not a superuser)."""
    clerk = User.objects.create_user(username, password=PASSWORD, is_staff=True)
    clerk.user_permissions.set(Permission.objects.filter(content_type__app_label="parties", codename__in=codenames))
    return User.objects.get(pk=clerk.pk)  # a fresh instance: permissions are cached per instance


def inactive(person):
    person.is_active = False
    person.save()
    return person


@pytest.fixture
def told():
    """The changes the listeners are told, in order."""
    seen = []
    actions.register_listener(seen.append)
    yield seen
    actions.unregister_listener(seen.append)


# --- who may -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "not staff", "staff without the permission", "inactive staff"])
def test_only_staff_with_the_permission_add_people(who, firm):
    actor = {
        "anonymous": lambda: AnonymousUser(),
        "not staff": lambda: User.objects.create_user("someone", password=PASSWORD, organisation=firm),
        "staff without the permission": lambda: staff_with("change_user"),
        "inactive staff": lambda: inactive(staff_with("add_user")),
    }[who]()
    with pytest.raises(NotAllowed, match=r"Only platform staff with the permission parties\.add_user may do this"):
        add_person(actor, username="newcomer", organisation=firm)
    assert not User.objects.filter(username="newcomer").exists()


def test_staff_with_the_permission_adds_a_person(firm, told):
    clerk = staff_with("add_user")
    person = add_person(
        clerk,
        username="  lin.wei ",
        organisation=firm,
        email="lin@lixin.invalid",
        first_name=" Wei ",
        last_name="Lin",
        title="Partner",
        language="zh_Hans",
        password=PASSWORD,
    )
    person.refresh_from_db()
    assert (person.username, person.first_name, person.organisation, person.language) == (
        "lin.wei",
        "Wei",
        firm,
        "zh-hans",
    )
    assert person.check_password(PASSWORD)
    (change,) = told
    assert (change.kind, change.actor, change.person, change.before) == ("person_added", clerk, person, {})
    assert change.after["organisation"] == {"id": firm.pk, "name": "Lixin CPA"}
    assert change.after["usable_password"] is True and change.membership_changed


def test_without_a_password_the_account_cannot_sign_in_with_one(firm, admin_user):
    person = add_person(admin_user, username="no-password", organisation=firm)
    assert not person.has_usable_password()


def test_changing_and_organisations_need_their_own_permissions(firm):
    clerk = staff_with("add_user", "add_organisation")
    with pytest.raises(NotAllowed, match=r"parties\.change_user"):
        change_person(clerk, User.objects.create_user("x", organisation=firm), title="Partner")
    with pytest.raises(NotAllowed, match=r"parties\.change_organisation"):
        change_organisation(clerk, firm, name="Renamed")
    assert add_organisation(clerk, name="New Firm", jurisdiction="HK").pk


def test_only_a_superuser_grants_privileges(firm, admin_user):
    clerk = staff_with("change_user")
    person = User.objects.create_user("x", organisation=firm)
    for privilege in (
        {"is_staff": True},
        {"is_superuser": True},
        {"groups": [Group.objects.create(name="ops")]},
        {"user_permissions": list(Permission.objects.filter(codename="add_user"))},
    ):
        with pytest.raises(NotAllowed, match="Only a superuser may change staff status"):
            change_person(clerk, person, **privilege)
    with pytest.raises(NotAllowed):
        change_person(clerk, clerk, is_superuser=True)
    assert not User.objects.filter(is_superuser=True).exclude(pk=admin_user.pk).exists()
    # Privileges passed unchanged (a whole form, say) are no grant: the rest of the change goes through.
    assert change_person(clerk, person, is_staff=False, groups=[], title="Clerk").title == "Clerk"
    person = change_person(admin_user, person, is_staff=True, groups=[Group.objects.get(name="ops")])
    assert person.is_staff and list(person.groups.values_list("name", flat=True)) == ["ops"]


def test_nobody_deactivates_themselves(admin_user):
    with pytest.raises(InvalidInput, match="You cannot deactivate yourself"):
        change_person(admin_user, admin_user, is_active=False)
    admin_user.refresh_from_db()
    assert admin_user.is_active


# --- what is refused, and how it is said ---------------------------------------------------------------


@pytest.mark.parametrize(
    "fields, message, field",
    [
        ({"username": ""}, "Enter a username.", "username"),
        ({"username": "has space"}, "Enter a valid username", "username"),
        ({"username": "TAKEN"}, "The username TAKEN is taken; choose another.", "username"),
        ({"username": "x" * 151}, "username is longer than 150 characters.", "username"),
        ({"email": "not-an-address"}, "not-an-address is not an email address.", "email"),
        ({"language": "fr"}, "The portal speaks en, zh-hans; fr is not one of them.", "language"),
        ({"organisation": "Lixin CPA"}, "Choose an organisation the portal knows.", "organisation"),
        ({"password": "123"}, "This password is too short.", "password"),
    ],
)
def test_bad_input_for_a_person_is_refused_with_a_message(fields, message, field, firm, admin_user, told):
    User.objects.create_user("taken")
    values = {"username": "newcomer", "organisation": firm, **fields}
    with pytest.raises(InvalidInput, match=re.escape(message)) as refused:
        add_person(admin_user, **values)
    assert refused.value.field == field and refused.value.status == 400
    assert not User.objects.filter(username__in=["newcomer", values["username"]]).exclude(username="taken").exists()
    assert told == []


def test_what_cannot_be_changed_is_named(firm, admin_user):
    person = User.objects.create_user("x", organisation=firm)
    with pytest.raises(InvalidInput, match=r"These cannot be changed here: last_login, password\."):
        change_person(admin_user, person, password="new-secret-2026", last_login=None)
    with pytest.raises(InvalidInput, match=r"These cannot be changed here: id\."):
        change_organisation(admin_user, firm, id=99)


@pytest.mark.parametrize(
    "fields, message, field",
    [
        ({"name": "  "}, "Enter the organisation's legal name.", "name"),
        ({"name": "lixin   cpa"}, "An organisation named lixin cpa already exists.", "name"),
        ({"jurisdiction": ""}, "Enter the organisation's jurisdiction.", "jurisdiction"),
        ({"kind": "bank"}, "Choose a kind: Company, Natural person, Accounting firm, Platform operator.", "kind"),
        ({"name_zh": "字" * 201}, "Chinese name is longer than 200 characters.", "name_zh"),
    ],
)
def test_bad_input_for_an_organisation_is_refused_with_a_message(fields, message, field, firm, admin_user, told):
    values = {"name": "New Firm", "jurisdiction": "HK", **fields}
    with pytest.raises(InvalidInput, match=re.escape(message)) as refused:
        add_organisation(admin_user, **values)
    assert refused.value.field == field
    assert list(Organisation.objects.all()) == [firm] and told == []


def test_renaming_to_another_organisations_name_is_refused(firm, other_firm, admin_user):
    with pytest.raises(InvalidInput, match=r"An organisation named LIXIN CPA already exists\."):
        change_organisation(admin_user, other_firm, name="LIXIN CPA")
    other_firm.refresh_from_db()
    assert other_firm.name == "Other Audit Firm"


# --- the listeners ------------------------------------------------------------------------------------


def test_listeners_are_told_what_changed_before_and_after(firm, other_firm, admin_user, told):
    person = add_person(admin_user, username="mover", organisation=firm, title="Manager")
    told.clear()
    change_person(admin_user, person, organisation=other_firm, title="Manager", email="m@x.invalid")
    (change,) = told
    assert change.kind == "person_changed" and change.actor == admin_user and change.membership_changed
    assert change.before == {"organisation": {"id": firm.pk, "name": "Lixin CPA"}, "email": ""}
    assert change.after == {"organisation": {"id": other_firm.pk, "name": "Other Audit Firm"}, "email": "m@x.invalid"}


def test_nothing_changed_means_nothing_written_or_told(firm, admin_user, told):
    person = User.objects.create_user("still", organisation=firm, title="Manager")
    change_person(admin_user, person, organisation=firm, title=" Manager ")
    change_organisation(admin_user, firm, name="Lixin  CPA", jurisdiction="PRC")
    assert told == []


def test_an_organisation_renamed_is_told_with_its_old_name(firm, admin_user, told):
    firm = change_organisation(admin_user, firm, name="Lixin Certified Public Accountants LLP")
    (change,) = told
    assert (change.kind, change.organisation, change.actor) == ("organisation_changed", firm, admin_user)
    assert change.before == {"name": "Lixin CPA"} and change.after == {"name": "Lixin Certified Public Accountants LLP"}


def test_a_listener_registered_twice_is_told_once(firm, admin_user, told):
    actions.register_listener(told.append)
    add_organisation(admin_user, name="Once", jurisdiction="HK")
    assert len(told) == 1


def test_a_failing_listener_leaves_nothing_written(firm, admin_user):
    def refuse(change):
        raise RuntimeError("the history is unavailable")

    actions.register_listener(refuse)
    try:
        with pytest.raises(RuntimeError):
            add_person(admin_user, username="half-done", organisation=firm)
        with pytest.raises(RuntimeError):
            change_organisation(admin_user, firm, name="Half Renamed")
    finally:
        actions.unregister_listener(refuse)
    assert not User.objects.filter(username="half-done").exists()
    firm.refresh_from_db()
    assert firm.name == "Lixin CPA"


def test_a_bare_save_tells_nobody(firm, other_firm, told):
    """No signal: only the actions tell the listeners (a save() such as a sign-in's last_login stamp)."""
    person = User.objects.create_user("saved", organisation=firm)
    person.organisation = other_firm
    person.save()
    assert told == []

"""The admin's people and organisations pages, used as an administrator would (issue 8 item 2): they call
parties.actions, so the history names the acting administrator and deal visibility follows (SPA 9)."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from escrow.history.chain import verify_chain
from escrow.models import HistoryChain
from escrow.queries.deals import deals_visible_to
from parties.models import Organisation, User
from tests.conftest import PASSWORD
from tests.factories import make_deal

pytestmark = pytest.mark.django_db


@pytest.fixture
def since(kaixin, people):
    """Chain lengths once the Kaixin world is loaded: load_kaixin adds its people and organisations
    through the same actions, so each test reads only the entries written after that."""
    return {chain.key: chain.length for chain in HistoryChain.objects.all()}


def accounts(since):
    return HistoryChain.objects.get(key="accounts").entries.filter(seq__gt=since.get("accounts", 0))


def reference(since):
    return HistoryChain.objects.get(key="reference").entries.filter(seq__gt=since.get("reference", 0))


def person_form(person, **changes):
    """The change page's fields as the browser posts them (a checkbox left unticked is absent)."""
    data = {
        "username": person.username,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "email": person.email,
        "is_active": person.is_active,
        "is_staff": person.is_staff,
        "is_superuser": person.is_superuser,
        "organisation": person.organisation_id or "",
        "title": person.title,
        "language": person.language,
        **changes,
    }
    return {key: ("on" if value is True else value) for key, value in data.items() if value is not False}


def organisation_form(org, **changes):
    return {
        "name": org.name,
        "name_zh": org.name_zh,
        "kind": org.kind,
        "jurisdiction": org.jurisdiction,
        "registration_number": org.registration_number,
        "address": org.address,
        **changes,
    }


def change_url(obj):
    return reverse(f"admin:parties_{obj._meta.model_name}_change", args=[obj.pk])


def test_an_admin_adds_a_person_who_sees_their_organisations_deal(kaixin, people, admin_client, admin_user, since):
    firm = people["auditor"].organisation
    page = admin_client.get(reverse("admin:parties_user_add")).content.decode()
    assert 'name="organisation"' in page and 'name="password1"' in page and 'value="zh-hans"' in page
    response = admin_client.post(
        reverse("admin:parties_user_add"),
        {
            "username": "partner",
            "usable_password": "true",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "first_name": "Min",
            "last_name": "Zhou",
            "email": "zhou@lixin.invalid",
            "organisation": firm.pk,
            "title": "Audit partner",
            "language": "zh-hans",
        },
    )
    partner = User.objects.get(username="partner")
    assert response.status_code == 302 and response["Location"] == change_url(partner)
    assert (partner.organisation, partner.title, partner.language) == (firm, "Audit partner", "zh-hans")
    assert list(deals_visible_to(partner)) == [kaixin]
    entry = accounts(since).get(action="person_added")
    assert entry.actor == admin_user and entry.details["person"] == "partner"
    assert entry.details["after"]["organisation"] == {"id": firm.pk, "name": firm.name}
    assert entry.details["deals_added"] == ["kaixin-2025"] and "partner added, acting for" in entry.summary
    assert Client().login(username="partner", password=PASSWORD)  # the password set on the add page works
    assert verify_chain(HistoryChain.objects.get(key="accounts")).ok


def test_moving_a_person_swaps_their_deals_and_records_before_and_after(
    kaixin, people, admin_client, admin_user, since
):
    other, other_people = make_deal("other", deposit=False)
    auditor = people["auditor"]
    old_firm, new_org = auditor.organisation, other_people["issuer"].organisation
    response = admin_client.post(change_url(auditor), person_form(auditor, organisation=new_org.pk))
    assert response.status_code == 302, response.content.decode()[:3000]
    auditor.refresh_from_db()
    assert auditor.organisation == new_org and list(deals_visible_to(auditor)) == [other]
    entry = accounts(since).get(action="membership_changed")
    assert entry.actor == admin_user
    assert entry.details["before"] == {"organisation": {"id": old_firm.pk, "name": old_firm.name}}
    assert entry.details["after"] == {"organisation": {"id": new_org.pk, "name": new_org.name}}
    assert (entry.details["deals_added"], entry.details["deals_removed"]) == (["deal-other"], ["kaixin-2025"])
    assert entry.summary == f"auditor moved from {old_firm.name} to {new_org.name}"


def test_deactivating_a_person_removes_what_they_see(kaixin, people, admin_client, admin_user, since):
    seller = people["seller"]
    assert list(deals_visible_to(seller)) == [kaixin]
    response = admin_client.post(change_url(seller), person_form(seller, is_active=False))
    assert response.status_code == 302
    seller.refresh_from_db()
    assert not seller.is_active and not deals_visible_to(seller).exists()
    entry = accounts(since).get(action="membership_changed")
    assert entry.actor == admin_user and entry.summary == "seller deactivated"
    assert (entry.details["before"], entry.details["after"]) == ({"is_active": True}, {"is_active": False})
    assert entry.details["deals_removed"] == ["kaixin-2025"]
    assert not Client().login(username="seller", password=PASSWORD)


def test_other_changes_of_a_person_are_history_too(kaixin, people, admin_client, admin_user, since):
    issuer = people["issuer"]
    response = admin_client.post(change_url(issuer), person_form(issuer, email="cfo@kaixin.invalid", title="CFO"))
    assert response.status_code == 302
    entry = accounts(since).get(action="person_changed")
    assert entry.actor == admin_user and entry.details["after"] == {"email": "cfo@kaixin.invalid", "title": "CFO"}
    assert list(deals_visible_to(issuer)) == [kaixin]


def test_renaming_an_organisation_is_in_the_reference_history(kaixin, people, admin_client, admin_user, since):
    org = people["purchaser"].organisation
    old_name = org.name
    response = admin_client.post(change_url(org), organisation_form(org, name="Renamed Purchaser Ltd"))
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.name == "Renamed Purchaser Ltd"
    entry = reference(since).get(action="organisation_changed")
    assert entry.actor == admin_user and entry.summary == f"Organisation {old_name} renamed to Renamed Purchaser Ltd"
    assert entry.details["before"] == {"name": old_name} and entry.details["after"] == {"name": "Renamed Purchaser Ltd"}
    assert verify_chain(HistoryChain.objects.get(key="reference")).ok


def test_adding_an_organisation_is_in_the_reference_history(db, admin_client, admin_user, since):
    response = admin_client.post(
        reverse("admin:parties_organisation_add"),
        {
            "name": "Zhonghui Escrow Services",
            "name_zh": "",
            "kind": "company",
            "jurisdiction": "HK",
            "registration_number": "",
            "address": "",
        },
    )
    assert response.status_code == 302
    org = Organisation.objects.get(name="Zhonghui Escrow Services")
    entry = reference(since).get(action="organisation_added")
    assert entry.actor == admin_user and entry.details["organisation_id"] == org.pk


def test_the_actions_messages_show_next_to_the_field(kaixin, people, admin_client, since):
    """A name that differs only in case from another organisation's: the form says so, nothing is written."""
    org = people["purchaser"].organisation
    taken = people["issuer"].organisation.name.upper()
    response = admin_client.post(change_url(org), organisation_form(org, name=taken))
    assert response.status_code == 200
    assert f"An organisation named {taken} already exists." in response.context["adminform"].form.errors["name"]
    assert not reference(since).exists()


def test_a_refusal_the_form_did_not_foresee_is_shown_and_nothing_is_written(
    kaixin, people, admin_client, monkeypatch, since
):
    """Say another administrator took the name a moment ago: the action refuses, the page says why."""
    from django import forms

    from parties.admin import OrganisationForm

    monkeypatch.setattr(OrganisationForm, "clean", forms.ModelForm.clean)  # the form no longer checks
    org = people["purchaser"].organisation
    taken = people["issuer"].organisation.name.upper()
    response = admin_client.post(change_url(org), organisation_form(org, name=taken), follow=True)
    assert response.redirect_chain == [(change_url(org), 302)]
    assert f"An organisation named {taken} already exists." in response.content.decode()
    org.refresh_from_db()
    assert org.name != taken and not reference(since).exists()


def test_a_person_who_is_not_staff_is_refused(kaixin, people, since):
    client = Client()
    client.force_login(people["issuer"])
    response = client.post(
        reverse("admin:parties_user_add"), {"username": "intruder", "usable_password": "false"}, follow=True
    )
    assert "You are authenticated as issuer, but are not authorized to access this page." in response.content.decode()
    response = client.post(change_url(people["seller"]), person_form(people["seller"], is_active=False), follow=True)
    assert "not authorized to access this page" in response.content.decode()
    assert not User.objects.filter(username="intruder").exists() and User.objects.get(username="seller").is_active
    assert set(accounts(since).values_list("action", flat=True)) == {"login"}  # force_login's sign-in only


def test_staff_without_the_permission_are_refused(kaixin, people):
    clerk = User.objects.create_user("clerk", password=PASSWORD, is_staff=True)
    clerk.user_permissions.set(Permission.objects.filter(codename__in=["view_user", "view_organisation"]))
    client = Client()
    client.force_login(clerk)
    assert client.get(reverse("admin:parties_user_add")).status_code == 403
    org = people["purchaser"].organisation
    assert client.post(change_url(org), organisation_form(org, name="Hijacked")).status_code == 403
    org.refresh_from_db()
    assert org.name != "Hijacked"


def test_staff_who_are_not_superusers_cannot_grant_privileges(kaixin, people):
    clerk = User.objects.create_user("clerk", password=PASSWORD, is_staff=True)
    clerk.user_permissions.set(Permission.objects.filter(codename__in=["view_user", "change_user"]))
    client = Client()
    client.force_login(clerk)
    form = client.get(change_url(people["seller"])).context["adminform"].form
    assert not {"is_staff", "is_superuser", "groups", "user_permissions"} & set(form.fields)
    response = client.post(
        change_url(people["seller"]), person_form(people["seller"], is_superuser=True, title="Director")
    )
    assert response.status_code == 302
    seller = User.objects.get(username="seller")
    assert not seller.is_superuser and seller.title == "Director"


def test_people_and_organisations_are_not_deleted(kaixin, people, admin_client):
    for obj in (people["seller"], people["seller"].organisation):
        url = reverse(f"admin:parties_{obj._meta.model_name}_delete", args=[obj.pk])
        assert admin_client.post(url, {"post": "yes"}).status_code == 403
    assert User.objects.filter(username="seller").exists()


def test_the_password_page_still_sets_a_password(kaixin, people, admin_client):
    seller = people["seller"]
    url = reverse("admin:auth_user_password_change", args=[seller.pk])
    response = admin_client.post(
        url, {"password1": "a-new-long-secret-7", "password2": "a-new-long-secret-7", "set_usable_password": "true"}
    )
    assert response.status_code == 302
    assert Client().login(username="seller", password="a-new-long-secret-7")

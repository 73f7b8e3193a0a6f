"""escrow's part when a person or an organisation changes (escrow/actions/people.py): the parties action
tells it, inside the action's transaction, and it writes the account or reference history and keeps
deal visibility in step with membership (SPA 9). No signal: a bare save() changes neither."""

import pytest

from escrow.actions import people as escrow_people
from escrow.history.chain import verify_chain
from escrow.models import HistoryChain, HistoryEntry
from escrow.queries.deals import deals_visible_to
from parties import actions as parties
from parties.actions import add_organisation, add_person, change_organisation, change_person
from parties.models import Organisation
from tests.factories import make_deal

pytestmark = pytest.mark.django_db


@pytest.fixture
def since(kaixin, people):
    """Chain lengths once the Kaixin world is loaded: load_kaixin adds its people and organisations
    through the same actions, so each test reads only the entries written after that."""
    return {chain.key: chain.length for chain in HistoryChain.objects.all()}


def entries(chain, since):
    return HistoryChain.objects.get(key=chain).entries.filter(seq__gt=since.get(chain, 0)).order_by("seq")


def test_a_person_added_sees_the_deals_of_their_organisation(kaixin, people, admin_user, since):
    person = add_person(
        admin_user, username="second-agent", organisation=people["agent1"].organisation, email="ops@agent.invalid"
    )
    assert list(deals_visible_to(person)) == [kaixin]
    entry = entries("accounts", since).get(action="person_added")
    assert (entry.actor, entry.clause, entry.deal) == (admin_user, "", None)
    assert entry.details["person_id"] == person.pk and entry.details["deals_added"] == ["kaixin-2025"]
    assert entry.details["before"] == {} and entry.details["after"]["email"] == "ops@agent.invalid"


def test_a_person_added_by_a_command_is_recorded_without_an_actor(kaixin, people, since):
    add_person(None, username="loaded", organisation=people["seller"].organisation)
    entry = entries("accounts", since).get(action="person_added")
    assert entry.actor is None and entry.actor_name == "" and entry.summary.startswith("loaded added")


def test_a_person_without_an_organisation_sees_nothing(kaixin, admin_user, since):
    person = add_person(admin_user, username="platform-ops", organisation=None)
    assert not deals_visible_to(person).exists()
    entry = entries("accounts", since).get(action="person_added")
    assert entry.summary == "platform-ops added, acting for no organisation" and entry.details["deals_added"] == []


def test_moved_deactivated_and_reactivated(kaixin, people, admin_user, since):
    other, other_people = make_deal("moved", deposit=False)
    person = change_person(admin_user, people["compliance"], organisation=other_people["seller"].organisation)
    assert list(deals_visible_to(person)) == [other]
    person = change_person(admin_user, person, is_active=False)
    assert not deals_visible_to(person).exists()
    person = change_person(admin_user, person, is_active=True)
    assert list(deals_visible_to(person)) == [other]
    moved, deactivated, reactivated = entries("accounts", since).filter(action="membership_changed")
    assert (moved.details["deals_added"], moved.details["deals_removed"]) == (["deal-moved"], ["kaixin-2025"])
    assert deactivated.summary == "compliance deactivated" and deactivated.details["deals_removed"] == ["deal-moved"]
    assert reactivated.summary == "compliance reactivated" and reactivated.details["deals_added"] == ["deal-moved"]
    assert all(e.actor == admin_user for e in (moved, deactivated, reactivated))
    assert verify_chain(HistoryChain.objects.get(key="accounts")).ok


def test_a_change_that_is_not_a_move_leaves_visibility_alone(kaixin, people, admin_user, since):
    change_person(admin_user, people["issuer"], first_name="Jia", title="Chief Financial Officer")
    entry = entries("accounts", since).get(action="person_changed")
    assert entry.summary == "issuer changed first_name, title" and "deals_added" not in entry.details
    assert entry.details["before"]["title"] != "Chief Financial Officer"
    assert list(deals_visible_to(people["issuer"])) == [kaixin]


def test_organisations_are_in_the_reference_history(kaixin, people, admin_user, since):
    org = add_organisation(admin_user, name="Zhonghui CPA", jurisdiction="PRC", kind="accounting_firm")
    change_organisation(admin_user, org, name="Zhonghui Certified Public Accountants", registration_number="9131")
    change_organisation(admin_user, org, address="Shanghai")
    added, renamed, changed = entries("reference", since).filter(action__startswith="organisation_")
    assert (added.action, added.summary) == ("organisation_added", "Organisation Zhonghui CPA added")
    assert added.details["after"]["kind"] == "accounting_firm"
    assert renamed.summary == "Organisation Zhonghui CPA renamed to Zhonghui Certified Public Accountants"
    assert renamed.details["before"] == {"name": "Zhonghui CPA", "registration_number": ""}
    assert changed.summary == "Organisation Zhonghui Certified Public Accountants changed address"
    assert {e.actor for e in (added, renamed, changed)} == {admin_user}


def test_an_organisation_added_under_another_actions_authority(kaixin, people, since):
    """escrow's approve_new_auditor has checked the issuer under SPA 4.2; the clause is recorded."""
    add_organisation(
        people["issuer"],
        name="Firm approved by the issuer",
        jurisdiction="PRC",
        kind="accounting_firm",
        authority="SPA 4.2",
    )
    entry = entries("reference", since).get(action="organisation_added")
    assert entry.actor == people["issuer"] and entry.details["authority"] == "SPA 4.2"


def test_if_the_history_or_visibility_fails_nothing_is_written(kaixin, people, admin_user, monkeypatch, since):
    def broken(person):
        raise RuntimeError("guardian is unavailable")

    monkeypatch.setattr(escrow_people, "sync_person_permissions", broken)
    with pytest.raises(RuntimeError):
        change_person(admin_user, people["seller"], is_active=False)
    with pytest.raises(RuntimeError):
        add_person(admin_user, username="half-added", organisation=people["seller"].organisation)
    people["seller"].refresh_from_db()
    assert people["seller"].is_active and list(deals_visible_to(people["seller"])) == [kaixin]
    assert HistoryChain.objects.get(key="accounts").length == since["accounts"]
    assert not type(people["seller"]).objects.filter(username="half-added").exists()


def test_a_change_escrow_has_no_history_for_is_refused(admin_user):
    with pytest.raises(LookupError, match="no history for the parties change 'person_merged'"):
        escrow_people.record_parties_change(parties.Change("person_merged", admin_user))


def test_saving_a_person_directly_writes_no_history_and_grants_nothing(kaixin, people, since):
    """The old post_save receiver is gone: only the actions write history and visibility."""
    stranger = Organisation.objects.create(name="Not On Any Deal", jurisdiction="HK")
    seller = people["seller"]
    seller.organisation = stranger
    seller.save()
    assert HistoryChain.objects.get(key="accounts").length == since["accounts"]
    assert list(deals_visible_to(seller)) == [kaixin]  # stale until an action moves them: use change_person


def test_escrow_is_registered_as_a_listener():
    assert escrow_people.record_parties_change in parties._listeners


def test_an_authenticator_confirmed_is_in_the_account_history(people, since):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.parties.conftest import code_for

    seller = people["seller"]
    device = TOTPDevice.objects.create(user=seller, name="Authenticator app", confirmed=False)
    with pytest.raises(parties.InvalidInput, match="That code did not match"):
        parties.confirm_two_factor(seller, device, "000000", ip="203.0.113.7")
    device.refresh_from_db()
    assert not device.confirmed and device.throttling_failure_count == 1  # the wrong code still counts
    assert not HistoryEntry.objects.filter(action="two_factor_enrolled").exists()
    device.throttle_reset()
    parties.confirm_two_factor(seller, device, code_for(device), ip="203.0.113.7")
    entry = entries("accounts", since).get(action="two_factor_enrolled")
    assert entry.actor == seller and entry.details == {"device": device.persistent_id, "ip": "203.0.113.7"}
    with pytest.raises(parties.NotAllowed):
        parties.confirm_two_factor(people["issuer"], device, code_for(device, later=30))

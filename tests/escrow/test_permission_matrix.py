"""The permission matrix over the actions layer: every persona x every ROLE_ACTIONS entry x their own
deal and a stranger's deal.

Allowed roles get past the role check (and, in this world, mostly succeed); other roles get
NotAllowed citing the table's clause; people with no role on the deal get NotFound (SPA 9). A
superuser with no organisation is nobody on any deal (DESIGN.md: authority comes from membership).
"""

import pytest
from django.contrib.auth.models import Permission

from escrow import actions
from escrow.contract.errors import DomainError, NotFound
from escrow.documents.storage import document_bytes
from escrow.models import Role
from escrow.queries.deals import deals_visible_to, get_deal_for
from escrow.usecases.permissions import ROLE_ACTIONS, require
from tests.conftest import PASSWORD, make_pdf
from tests.escrow.api.world import PERSONAS, expected, world  # noqa: F401  (module-scoped fixture)
from tests.escrow.holdings_matrix import CALLS as HOLDINGS_CALLS
from tests.escrow.register_matrix import CALLS as REGISTER_CALLS


def _sign(kind):
    def call(user, w):
        instrument = w.instruments[kind]
        return actions.sign_instrument(
            user,
            instrument.pk,
            expected_sha256=instrument.document.sha256,
            password=PASSWORD,
            ip="127.0.0.1",
            user_agent="pytest",
        )

    return call


def _lift(user, w):
    actions.suspend_release(w.people["issuer"], w.tranche(2).pk, reason="Seller breached SPA 8.1")
    return actions.lift_suspension(user, w.tranche(2).pk, reason="Breach cured")


def _record_fee_payment(user, w):
    (invoice,) = actions.issue_fee_invoices(w.people["agent1"], w.deal)
    return actions.record_fee_payment(
        user, w.deal, invoice.pk, paid_on=invoice.issued_on.isoformat(), reference="SWIFT-FEE-1"
    )


CALLS = {
    "view_deal": lambda u, w: require(u, get_deal_for(u, w.deal.pk), "view_deal"),
    "download_document": lambda u, w: (require(u, w.deal, "download_document"), document_bytes(w.report)),
    "download_evidence_pack": lambda u, w: require(u, w.deal, "download_evidence_pack"),  # issue 11 item 5
    "export_history": lambda u, w: require(u, w.deal, "export_history"),
    # Issue 12 item 8: the seller's release statement; the overview of the deals a person oversees.
    "download_release_statement": lambda u, w: require(u, w.deal, "download_release_statement"),
    "oversee_deals": lambda u, w: require(u, w.deal, "oversee_deals"),
    "download_statement": lambda u, w: require(u, w.deal, "download_statement"),  # issue 14 item 6
    "enter_share_prices": lambda u, w: require(u, w.deal, "enter_share_prices"),
    "confirm_deposit": lambda u, w: actions.confirm_deposit(u, w.deal, reference="DRS-2"),
    "approve_auditor": lambda u, w: actions.approve_auditor(u, w.deal, w.new_firm),
    "file_report": lambda u, w: actions.file_report(
        u, w.tranche(5).pk, audited_revenue="974000000", pdf=make_pdf("year 5"), original_name="y5.pdf"
    ),
    # Issue 12 item 8: year 1 awaits its joint instruction, nobody signed; year 4's settlement is open to all four.
    "correct_report": lambda u, w: actions.correct_report(
        u, w.tranche(1).pk, audited_revenue="660000000", pdf=make_pdf("corrected"), reason="Typing error"
    ),
    "decline_to_sign": lambda u, w: actions.decline_to_sign(
        u, w.instruments["settlement"].pk, reason="The settlement figure is not what we agreed."
    ),
    "sign_joint_instruction": _sign("joint_instruction"),
    "sign_settlement": _sign("settlement"),
    "sign_adjustment": _sign("adjustment"),
    "prepare_release": lambda u, w: actions.prepare_release(
        u, w.tranche(2).pk, expected_sha256=w.instruction_sha(2), password=PASSWORD
    ),
    "approve_release": lambda u, w: actions.approve_release(
        u, w.tranche(3).pk, expected_sha256=w.instruction_sha(3), transfer_reference="TA-3", password=PASSWORD
    ),
    "withdraw_preparation": lambda u, w: actions.withdraw_preparation(u, w.tranche(3).pk, reason="Wrong account"),
    "record_call_back": lambda u, w: actions.record_call_back(
        u, w.tranche(2).pk, signatory_id=w.call_back_signatory().pk, outcome="confirmed", note="Confirmed"
    ),
    "raise_dispute": lambda u, w: actions.raise_dispute(u, w.tranche(1).pk, reason="Quantity disputed"),
    "propose_settlement": lambda u, w: actions.propose_settlement(
        u, w.tranche(4).pk, quantity=2_950_000, reason="Agreed 2,950,000"
    ),
    "file_award": lambda u, w: actions.file_award(
        u,
        w.tranche(4).pk,
        quantity=2_800_000,
        pdf_bytes=make_pdf("award"),
        reference="CIETAC-2027-01",
        original_name="award.pdf",
    ),
    "suspend_release": lambda u, w: actions.suspend_release(u, w.tranche(2).pk, reason="Seller breached SPA 8.1"),
    "lift_suspension": _lift,
    "propose_adjustment": lambda u, w: actions.propose_adjustment(
        u, w.tranche(1).pk, quantity=2_000_000, reason="Exceptional circumstances"
    ),
    "return_for_cancellation": lambda u, w: actions.return_for_cancellation(u, w.deal, reference="RET"),
    # Issue 14 item 5 (EA 4.4): the deal's own agent issues year 1's invoice; the persona records its payment.
    "view_fees": lambda u, w: require(u, w.deal, "view_fees"),
    "issue_fee_invoices": lambda u, w: actions.issue_fee_invoices(u, w.deal),
    "record_fee_payment": _record_fee_payment,
    # Issue 14 item 4: the issuer proposes a split or consolidation; the agent confirms (none is proposed here).
    "view_corporate_actions": lambda u, w: require(u, w.deal, "view_corporate_actions"),
    "propose_corporate_action": lambda u, w: actions.propose_corporate_action(
        u, w.deal, ratio_new=1, ratio_old=30, effective_date=w.deal.effective_date, fraction_policy="round-up"
    ),
    "confirm_corporate_action": lambda u, w: actions.confirm_corporate_action(u, w.deal),
}


CALLS.update(REGISTER_CALLS)  # issue 10 item 1: the signatory register (tests/escrow/register_matrix.py)
CALLS.update(HOLDINGS_CALLS)  # issue 14 items 2, 3: dividends and votes (tests/escrow/holdings_matrix.py)


def outcome(call, user, w):
    """("ok", "") or (error class, clause), with the message for the assertion report."""
    try:
        call(user, w)
    except DomainError as exc:
        return (type(exc).__name__, exc.clause), exc.message
    return ("ok", ""), ""


def test_the_world_is_as_described(world, db):  # noqa: F811
    """Each action has a tranche ready for it in both deals (tests/escrow/api/world.py)."""
    for w in (world.own, world.other):
        states = list(w.deal.tranches.order_by("year").values_list("state", flat=True))
        assert states == ["awaiting_instruction", "instructed", "release_prepared", "disputed", "awaiting_report"]
        assert {k: i.status for k, i in w.instruments.items()} == {
            "settlement": "open",
            "adjustment": "open",
            "joint_instruction": "open",
        }
    assert set(world.own.people) >= set(PERSONAS) and set(world.other.people) >= set(PERSONAS)
    assert not set(world.own.people.values()) & set(world.other.people.values())


def test_every_table_entry_has_a_call():
    assert set(CALLS) == set(ROLE_ACTIONS)


@pytest.mark.parametrize("which", ["own", "other"])
@pytest.mark.parametrize("persona", [*PERSONAS, "admin", "outsider"])
@pytest.mark.parametrize("action", sorted(ROLE_ACTIONS))
def test_actions_layer(world, db, action, persona, which):  # noqa: F811
    got, message = outcome(CALLS[action], world.person(persona), world.target(which))
    assert got == expected(action, persona, which), message


def test_superuser_sees_no_deal(world, db):  # noqa: F811
    """guardian with_superuser=False: is_superuser grants no deal (SPA 9)."""
    assert world.admin.is_superuser and world.admin.is_staff
    assert not deals_visible_to(world.admin).exists()
    for w in (world.own, world.other):
        with pytest.raises(NotFound):
            get_deal_for(world.admin, w.deal.slug)


def test_global_view_permission_grants_no_deal(world, db):  # noqa: F811
    """A model-wide escrow.view_deal permission is ignored: visibility is per deal, from membership."""
    outsider = world.outsider
    outsider.user_permissions.add(Permission.objects.get(codename="view_deal", content_type__app_label="escrow"))
    assert not deals_visible_to(type(outsider).objects.get(pk=outsider.pk)).exists()


def test_superuser_signs_and_approves_nothing(world, db):  # noqa: F811
    """No signature, no approval, no release by an admin: each attempt is NotFound and writes nothing."""
    for which in ("own", "other"):
        w = world.target(which)
        for action in (
            "sign_joint_instruction",
            "sign_settlement",
            "sign_adjustment",
            "prepare_release",
            "approve_release",
            "approve_auditor",
            "confirm_deposit",
        ):
            with pytest.raises(NotFound):
                CALLS[action](world.admin, w)
    assert not world.admin.signatures.exists()


def test_the_table_names_roles_and_clauses(world, db):  # noqa: F811
    """Sanity of the table itself: each action has at least one role, view actions have every role."""
    for action, (roles, clause) in ROLE_ACTIONS.items():
        assert roles and clause, action
    assert all(ROLE_ACTIONS[a][0] == frozenset(Role) for a in ("view_deal", "download_document", "export_history"))


@pytest.mark.django_db
def test_people_moved_between_organisations_see_only_their_new_deals(kaixin, people, admin_user):
    """SPA 9: visibility follows membership when people are added, moved or deactivated (parties.actions)."""
    from escrow.models import HistoryChain
    from parties.actions import add_person, change_person

    auditor_firm = people["auditor"].organisation
    newcomer = add_person(admin_user, username="new-auditor", organisation=auditor_firm)
    assert list(deals_visible_to(newcomer)) == [kaixin]
    newcomer = change_person(admin_user, newcomer, organisation=None)
    assert not deals_visible_to(newcomer).exists()
    seller = change_person(admin_user, people["seller"], is_active=False)
    assert not deals_visible_to(seller).exists()
    changes = HistoryChain.objects.get(key="accounts").entries.filter(
        action__in=["person_added", "membership_changed"], actor__isnull=False
    )  # load_kaixin's own people are added by the platform (no actor)
    assert {e.details["person"] for e in changes} >= {"new-auditor", "seller"}
    assert {e.actor for e in changes} == {admin_user}

"""Build deals other than Kaixin through the real actions (no fixtures bypass the services)."""

from datetime import date
from decimal import Decimal

from escrow import actions
from escrow.actions.register import record_agreement_register
from escrow.models import Deal, Role
from parties.actions import add_organisation, add_person
from parties.models import Organisation

PASSWORD = "escrow-demo-2026"
ROLES = {
    "issuer": Role.ISSUER,
    "purchaser": Role.PURCHASER,
    "seller": Role.SELLER,
    "agent1": Role.ESCROW_AGENT,
    "agent2": Role.ESCROW_AGENT,
    "auditor": Role.AUDITOR,
    "compliance": Role.COMPLIANCE,
}

# The personas who sign or approve: on the register of their party (issue 10 item 1).
SIGNERS = ("issuer", "purchaser", "seller", "agent1", "agent2")


def make_deal(suffix, *, total=15_000_000, targets=(665, 732, 805, 885, 974), deposit=True, **policies):
    """A deal with one organisation per role and people named '<role>-<suffix>', created by the same
    action as the admin, the API and the staff page (its history starts with its terms)."""
    deal = actions.create_deal(
        None,
        slug=f"deal-{suffix}",
        name=f"Deal {suffix}",
        target_company=f"Target {suffix}",
        total_shares=total,
        effective_date=date(2025, 12, 2),
        tranches=[
            (year, date(2024 + year, 12, 1), date(2025 + year, 11, 30), Decimal(target) * 1_000_000)
            for year, target in enumerate(targets, 1)
        ],
        policies=policies,
    )
    people = _people(suffix)
    for username, role in ROLES.items():
        org = people[username].organisation
        if not deal.parties.filter(organisation=org).exists() and role != Role.AUDITOR:
            actions.add_party(deal, org, role)
    # Issue 10 item 1: signing power comes from the register, recorded from the signed agreement (2 Dec 2025)
    # by officer 1 and confirmed by officer 2, as load_kaixin does; its cooling-off period has passed.
    record_agreement_register(
        people["agent1"],
        people["agent2"],
        deal,
        [
            dict(person=people[who], title=f"{who} signatory", phone=f"+86 21 5555 01{i:02d}")
            for i, who in enumerate(SIGNERS)
        ],
    )
    actions.approve_auditor(people["issuer"], deal, people["auditor"].organisation)
    if deposit:
        actions.confirm_deposit(people["agent1"], deal)
    return Deal.objects.get(pk=deal.pk), people


def _people(suffix):
    """One organisation per role and one person each, through parties' own actions (account history)."""
    orgs, people = {}, {}
    for username, role in ROLES.items():
        org_name = f"{role} org {suffix}"
        if org_name not in orgs:
            kind = Organisation.Kind.ACCOUNTING_FIRM if role == Role.AUDITOR else Organisation.Kind.COMPANY
            orgs[org_name] = add_organisation(None, name=org_name, jurisdiction="PRC", kind=kind)
        people[username] = add_person(
            None,
            username=f"{username}-{suffix}",
            password=PASSWORD,
            organisation=orgs[org_name],
            email=f"{username}-{suffix}@x.invalid",
        )
    return people

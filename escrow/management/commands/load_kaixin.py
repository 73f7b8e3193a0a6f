"""Load the Kaixin earn-out (Form 6-K of 2 Dec 2025, SPA + EA) and one demo login per role.

Idempotent: running it again changes nothing that is already there. Everything Kaixin-specific
lives here; the rest of the portal reads it from the database. The deal is created by the same
action as in the admin, the API and the staff page (`create_deal`), so its history starts with its
terms; its parties join through `add_party`.

The signatory register (issue 10 item 1) starts from the signed agreement: officer 1 (agent1) records each
demo person who signs or approves (issuer, purchaser, seller, both escrow officers) as proposed on the
agreement's date, 2 Dec 2025, and officer 2 (agent2) confirms; the cooling-off period ran from that date, so
the entries are in effect at once (`escrow.actions.register.record_agreement_register`, in the history).

`--demo` (bin/demo; issue 12 item 9) loads the demo's starting state as well: a demo admin (superuser `admin`)
through parties' own actions and, when the deal is created by this run, officer 1's confirmation of the deposit
through `confirm_deposit`, dated inside the EA 1.1 window (shares issued 19 Dec 2025, confirmed 22 Dec 2025,
due 23 Dec 2025) with the transfer agent's facts, so nothing is overdue on day one. With the demo clock on
(config.settings.local) the clock starts on DEMO_START, the last day of assessment year 1, whatever today's
date is. Without `--demo` (the tests' world) the deal awaits its deposit.
"""

import io
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from escrow.actions.deals import create_deal
from escrow.actions.democlock import start_demo_clock
from escrow.actions.deposit import confirm_deposit
from escrow.actions.parties import add_party, approve_auditor
from escrow.actions.register import record_agreement_register
from escrow.contract.errors import DomainError
from escrow.management.commands._by import person
from escrow.models import Deal, DealParty, Role
from parties.actions import PartiesError, add_organisation, add_person, change_person
from parties.models import Organisation

SLUG = "kaixin-2025"
DEMO_PASSWORD = "escrow-demo-2026"  # noqa: S105 (the demo logins' published password, README)

# SPA 1.4, 4.1: five assessment years and their operating revenue targets (RMB).
YEARS = [
    (date(2025, 12, 1), date(2026, 11, 30), Decimal("665000000")),
    (date(2026, 12, 1), date(2027, 11, 30), Decimal("732000000")),
    (date(2027, 12, 1), date(2028, 11, 30), Decimal("805000000")),
    (date(2028, 12, 1), date(2029, 11, 30), Decimal("885000000")),
    (date(2029, 12, 1), date(2030, 11, 30), Decimal("974000000")),
]

# The contract parties' Chinese names stay empty: the filing (../shared/contract/kaixin-6k-spa-escrow.txt) is in
# English only and gives none, so none is invented; each organisation's people enter theirs on
# /accounts/organisation/ (parties.actions.set_chinese_name) and a Chinese reader then sees it (org_name).
# The demo's own auditor and compliance desk are not in the filing and carry demo names in both languages.
ORGANISATIONS = {
    Role.ISSUER: dict(
        name="Kaixin Holdings", name_zh="", kind="company", jurisdiction="Cayman Islands", contract_name="Party A"
    ),
    Role.PURCHASER: dict(
        name="Zhejiang Kaixin Auto Co., Ltd.",
        name_zh="",
        kind="company",
        jurisdiction="PRC (Taishun, Wenzhou)",
        contract_name="Party B",
    ),
    Role.SELLER: dict(
        name="Fangle Lai", name_zh="", kind="natural_person", jurisdiction="PRC", contract_name="Party C"
    ),
    Role.ESCROW_AGENT: dict(
        name="AUTOA2A, LTD.", name_zh="", kind="company", jurisdiction="British Virgin Islands", contract_name="Party D"
    ),
    Role.AUDITOR: dict(
        name="Demo Approved Accounting Firm",
        name_zh="演示会计师事务所",
        kind="accounting_firm",
        jurisdiction="PRC",
        contract_name="Firm approved by Party A (SPA 4.2)",
    ),
    Role.COMPLIANCE: dict(
        name="Escrow Portal Compliance", name_zh="托管平台合规部", kind="platform", jurisdiction="—", contract_name=""
    ),
}

# username, role, first name, last name, title
PEOPLE = [
    ("issuer", Role.ISSUER, "Mingjie", "Zhao", "Authorised representative, Kaixin Holdings"),
    ("purchaser", Role.PURCHASER, "Wei", "Chen", "Legal representative, Zhejiang Kaixin Auto"),
    ("seller", Role.SELLER, "Fangle", "Lai", "Seller"),
    ("agent1", Role.ESCROW_AGENT, "Olivia", "Hart", "Escrow officer"),
    ("agent2", Role.ESCROW_AGENT, "Daniel", "Ng", "Senior escrow officer"),
    ("auditor", Role.AUDITOR, "Lin", "Xu", "Audit partner"),
    ("compliance", Role.COMPLIANCE, "Sara", "Wang", "Compliance officer"),
]

# The register from the signed agreement (issue 10 item 1): who signs or approves, and the number the escrow
# agent calls back (demo numbers, not real ones).
SIGNATORIES = {
    "issuer": "+86 21 5555 0101",
    "purchaser": "+86 577 5555 0102",
    "seller": "+86 577 5555 0103",
    "agent1": "+1 284 555 0104",
    "agent2": "+1 284 555 0105",
}

# The demo's platform administrator (superuser: the admin site, people, prices; never signs for a party).
ADMIN = ("admin", "Demo", "Administrator", "Platform administrator (demo)")

# EA 1.1: the shares are issued in the agent's name within 15 business days of 2 Dec 2025 (due 23 Dec 2025).
# Demo facts, not Kaixin's real transfer agent or account (issue 11 item 4: the transfer agent's record).
DEPOSIT = dict(
    reference="DRS-KXIN-2025-1219",
    issue_date=date(2025, 12, 19),
    transfer_agent="Demo Stock Transfer Co. (demo)",
    recipient_account="Book-entry (DRS) account of AUTOA2A, LTD. as escrow agent, no. ESC-KXIN-0001 (demo)",
    confirmation_name="transfer-agent-confirmation-DRS-KXIN-2025-1219.pdf",
    today=date(2025, 12, 22),  # the day officer 1 confirmed it (EA 1.1)
)
# The demo clock's first day: the last day of assessment year 1 (SPA 1.4); the next day opens year 1.
DEMO_START = date(2026, 11, 30)

NOTES = (
    "Consideration: 15,000,000 Class A ordinary shares (SPA recital 3, 1.1, 2.2, 3.1; EA recital 1). "
    "The 6-K cover text says 'up to an aggregate of $15 million' of shares: a discrepancy. The SPA governs; "
    "the deal is denominated in shares.\n"
    "The 6-K summary says excess revenue offsets earlier shortfalls only when the target is beaten by more "
    "than 50%; SPA 5.2(2) says 50% of the excess offsets. Default policy P1 follows the SPA text."
)


class Command(BaseCommand):
    help = "Load the Kaixin deal (slug kaixin-2025) and demo logins for each role. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--no-demo-users", action="store_true", help="load the deal only")
        parser.add_argument(
            "--demo",
            action="store_true",
            help="bin/demo's start: deposit confirmed in the EA 1.1 window, the admin login, the demo clock",
        )
        parser.add_argument(
            "--by",
            metavar="USERNAME",
            default=None,
            help="the staff member recorded as creating the deal (default: the platform itself)",
        )

    def handle(self, *args, **options):
        by = person(options["by"]) if options["by"] else None
        try:
            self._load(by, options)
        except (DomainError, PartiesError) as exc:  # e.g. --by someone without the permissions: nothing loaded
            raise CommandError(exc.message) from exc

    @transaction.atomic
    def _load(self, by, options):
        deal = Deal.objects.filter(slug=SLUG).first()
        created = deal is None
        if created:
            deal = create_deal(by, **self._deal_terms())
        organisations = {role: self._organisation(fields, by) for role, fields in ORGANISATIONS.items()}
        for role, org in organisations.items():
            if role != Role.AUDITOR and not DealParty.objects.filter(deal=deal, organisation=org).exists():
                add_party(deal, org, role, by=by, contract_name=ORGANISATIONS[role]["contract_name"])
        people = {} if options["no_demo_users"] else self._people(organisations, by)
        self._register(deal, people)
        self._approve_auditor(deal, organisations[Role.AUDITOR], people.get("issuer"), by)
        if options["demo"] and people:
            self._admin(by)
        if options["demo"] and created and people:
            self._deposit(deal, people["agent1"])
            if settings.DEMO_CLOCK:
                start_demo_clock(DEMO_START)
        self.stdout.write(
            f"{'Loaded' if created else 'Already loaded'}: {deal.name} ({deal.slug}), "
            f"{deal.total_shares:,} shares in {deal.tranche_count} tranches."
        )

    def _deal_terms(self):
        """SPA recitals, 1.1, 1.4, 4.1; EA 4.4. Every policy P1-P8 at its default (RULES.md), China calendar."""
        return dict(
            slug=SLUG,
            name="Kaixin Holdings — Zhejiang Ordinary Smile earn-out",
            name_zh="开心控股收购对价股份托管（五年业绩考核）",
            target_company="Zhejiang Ordinary Smile Auto Sales Co., Ltd.",
            total_shares=15_000_000,
            tranche_count=5,
            share_class="Class A ordinary shares",
            ticker="KXIN",
            target_currency="CNY",
            price_currency="USD",
            effective_date=date(2025, 12, 2),
            escrow_fee_per_year=Decimal("5000"),
            notes=NOTES,
            calendar="CN",
            policies={},
            tranches=[(year, start, end, target) for year, (start, end, target) in enumerate(YEARS, 1)],
        )

    def _organisation(self, fields, by):
        """Through parties' own action, so the reference history records each organisation."""
        values = {k: v for k, v in fields.items() if k != "contract_name"}
        return Organisation.objects.filter(name=values["name"]).first() or add_organisation(by, **values)

    def _people(self, organisations, by):
        """Through parties' own action: the account history records each demo person, and deal
        visibility follows their organisation's role (SPA 9)."""
        existing = {u.username: u for u in get_user_model().objects.filter(username__in=[p[0] for p in PEOPLE])}
        return {
            username: existing.get(username)
            or add_person(
                by,
                username=username,
                organisation=organisations[role],
                email=f"{username}@demo.invalid",
                first_name=first,
                last_name=last,
                title=title,
                password=DEMO_PASSWORD,
            )
            for username, role, first, last, title in PEOPLE
        }

    def _register(self, deal, people):
        """The initial signatory register from the signed agreement: officer 1 proposes, officer 2 confirms."""
        if not people or deal.signatories.exists():
            return
        titles = {username: title for username, _role, _first, _last, title in PEOPLE}
        entries = [
            dict(person=people[username], title=titles[username], phone=phone)
            for username, phone in SIGNATORIES.items()
        ]
        record_agreement_register(people["agent1"], people["agent2"], deal, entries)

    def _approve_auditor(self, deal, firm, issuer_user, by):
        party = DealParty.objects.filter(deal=deal, organisation=firm).first()
        if party and party.approved_at:
            return
        if issuer_user is None:
            if party is None:
                add_party(deal, firm, Role.AUDITOR, by=by, contract_name=ORGANISATIONS[Role.AUDITOR]["contract_name"])
            return
        approve_auditor(issuer_user, deal, firm)  # SPA 4.2, recorded in the deal's history

    def _admin(self, by):
        """The demo admin login, a superuser, through parties' own actions (the account history records it)."""
        username, first, last, title = ADMIN
        if get_user_model().objects.filter(username=username).exists():
            return
        admin = add_person(
            by,
            username=username,
            organisation=None,
            email=f"{username}@demo.invalid",
            first_name=first,
            last_name=last,
            title=title,
            password=DEMO_PASSWORD,
        )
        change_person(by, admin, is_staff=True, is_superuser=True)

    def _deposit(self, deal, officer):
        """EA 1.1: officer 1 confirms the deposit on its contract date, with the transfer agent's facts."""
        confirm_deposit(officer, deal, confirmation=_demo_confirmation(), **DEPOSIT)


def _demo_confirmation() -> bytes:
    """A one-page PDF standing for the transfer agent's confirmation; it says it is a demo document."""
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, invariant=1)
    lines = [
        "DEMO DOCUMENT - not issued by any transfer agent",
        f"{DEPOSIT['transfer_agent']}: confirmation of issue, reference {DEPOSIT['reference']}",
        "15,000,000 Class A ordinary shares of Kaixin Holdings (KXIN) issued on 2025-12-19",
        f"in the name of AUTOA2A, LTD. as escrow agent: {DEPOSIT['recipient_account']}",
    ]
    for i, line in enumerate(lines):
        pdf.drawString(56, 760 - 18 * i, line)
    pdf.save()
    return buffer.getvalue()

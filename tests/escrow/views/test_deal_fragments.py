"""The deal page's fragments kept per process (issue 13 item 1): the rows of years (deal_years), the parties
(deal_parties) and the as-of picker (as_of_picker). Each must be byte for byte what the template it replaced
drew (the old text is kept here), in English and Chinese, for each role, and never stale: a change to anything
it reads changes its key."""

import dataclasses
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.template import engines
from django.test import Client
from django.urls import reverse
from django.utils import translation

from escrow.queries.clock import ProvisionalDeadline
from tests.conftest import open_and_file

pytestmark = pytest.mark.django_db
LANGUAGES = ("en", "zh-hans")
PERSONAS = ("issuer", "purchaser", "seller", "agent1", "auditor", "compliance")

# deal.html's loops and include as they were before the tags (main, 2026-12-01)
OLD_YEARS = """{% load i18n portal %}{% for row in rows %}
      <tr data-testid="year-row" data-year="{{ row.tranche.year }}" class="{% if row.my_turn %}mine{% endif %}">
        <td class="nowrap"><a href="{% url 'escrow:tranche' deal.slug row.tranche.year %}" data-testid="year-link">{% blocktranslate with n=row.tranche.year %}Year {{ n }}{% endblocktranslate %}</a></td>
        <td class="nowrap small">{{ row.tranche.period_start|day }} –<br>{{ row.tranche.period_end|day }}</td>
        <td class="num">{{ row.tranche.target_revenue|money:deal.target_currency }}</td>
        <td class="num">{{ row.tranche.audited_revenue|money:deal.target_currency }}</td>
        <td class="num" data-testid="year-released">{{ row.released|shares }}</td>
        <td class="num">{{ row.tranche.deducted|shares }}</td>
        <td class="num">{{ row.offset_shares|shares }}</td>
        <td class="num">{{ row.in_escrow|shares }}</td>
        <td><span class="state state-{{ row.tranche.state }}" data-testid="state">{{ row.tranche.state|state_label }}</span>
</td>
        <td class="nowrap">{% if row.tranche.state == "released" %}<span class="muted">{% translate "released" %}</span> {{ row.tranche.released_on|day }}{% elif row.step.due %}{{ row.step.due|day }}<br><span class="clause">{{ row.step.clause }}</span>{% include "includes/provisional.html" with provisional=row.step.provisional %}{% else %}—{% endif %}</td>
        <td class="who-cell">{% if row.step.roles %}{% role_list row.step.roles %}{% else %}<span class="muted">—</span>{% endif %}
          {% if row.my_turn and row.step_url %}<div><a class="button small" href="{{ row.step_url }}" data-testid="year-action">{{ row.step.action|action_label }}</a></div>{% endif %}</td>
      </tr>
    {% endfor %}"""  # noqa: E501

OLD_PARTIES = """{% load i18n portal %}{% for party in parties %}
        <li>
          <strong>{{ party|org_name }}</strong>{% if party.organisation.name_zh %} <span class="muted">{% if party|org_name == party.organisation.name %}{{ party.organisation.name_zh }}{% else %}{{ party.organisation.name }}{% endif %}</span>{% endif %}
          {% if party.organisation_id == user.organisation_id %} <a class="small" href="{% url 'organisation_name' %}" data-testid="edit-chinese-name">{% if party.organisation.name_zh %}{% translate "Change the Chinese name" %}{% else %}{% translate "Enter your organisation's Chinese name" %}{% endif %}</a>{% endif %}
          <div class="small">{{ party.role|role_label }}{% if party.contract_name %} · {{ party.contract_name|translated }}{% endif %}{% if party.role == "auditor" %} · {% if party.approved_at %}{% blocktranslate with d=party.approved_at|day %}approved by the issuer on {{ d }}{% endblocktranslate %}{% else %}<span class="warn-text">{% translate "not yet approved by the issuer" %}</span>{% endif %}{% endif %}</div>
          <div class="small muted">{% for person in party.people %}{{ person }}{% if person.title %} ({{ person.title }}){% endif %}{% if not forloop.last %}; {% endif %}{% empty %}{% translate "no portal users" %}{% endfor %}</div>
        </li>
      {% endfor %}"""  # noqa: E501

OLD_PICKER = '{% include "escrow/as_of_picker.html" %}'


def render(text, **context):
    return engines["django"].from_string("{% load portal %}" + text).render(context)


def years_tag(context):
    return render("{% deal_years %}", **context)


def parties_tag(context):
    return render("{% deal_parties %}", **context)


def picker_tag(context):
    return render("{% as_of_picker %}", **context)


def deal_page(people, username, deal, language, **params):
    client = Client()
    client.force_login(people[username])
    client.cookies["django_language"] = language
    response = client.get(reverse("escrow:deal", args=[deal.slug]), params)
    assert response.status_code in (200, 400)
    return response


@pytest.fixture
def filed(deposited, people):
    """Year 1 filed (the joint instruction is open: the issuer and the purchaser have a button), year 2 running."""
    open_and_file(deposited, people, 1, "598500000")
    return deposited


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_fragment_is_what_the_template_drew(kaixin, filed, people, language):
    for username in PERSONAS:
        for params in ({}, {"as_of": "nonsense"}):
            response = deal_page(people, username, filed, language, **params)
            page, context = response.content.decode(), response.context
            with translation.override(language):
                years = {"deal": context["deal"], "rows": context["rows"]}
                parties = {"parties": context["parties"], "user": context["user"]}
                picker = {key: context.get(key) for key in ("request", "as_of_form", "as_of_refused", "snapshot")}
                for tag, old, fragment in (
                    (years_tag, OLD_YEARS, years),
                    (parties_tag, OLD_PARTIES, parties),
                    (picker_tag, OLD_PICKER, picker),
                ):
                    kept = tag(fragment)
                    assert kept == render(old, **fragment)
                    assert kept in page
                    assert tag(fragment) == kept  # the kept copy the second time


def test_the_as_of_page_keeps_its_picker(filed, people):
    for language in LANGUAGES:
        for day in ("2026-12-01", "2025-03-01"):
            response = deal_page(people, "compliance", filed, language, as_of=day)
            context = response.context
            picker = {key: context.get(key) for key in ("request", "as_of_form", "as_of_refused", "snapshot")}
            with translation.override(language):
                assert picker_tag(picker) == render(OLD_PICKER, **picker)
                assert picker_tag(picker) in response.content.decode()


def changed_rows(rows):
    """Each input of the rows changed in turn (a copy of the rows for each)."""
    first = rows[0]
    step = first.step
    provisional = ProvisionalDeadline("transfer_due_date", "EA 3.2", date(2027, 5, 1), "CN", (2027,))
    tranche = SimpleNamespace(**{f: getattr(first.tranche, f) for f in TRANCHE_FIELDS})
    for change in (
        {"my_turn": not first.my_turn},
        {"step_url": "/somewhere/else/"},
        {"my_turn": True, "step_url": "/sign/"},
        {"released": first.released + 1},
        {"offset_shares": 7},
        {"in_escrow": first.in_escrow - 1},
        {"step": dataclasses.replace(step, due=(step.due or date(2027, 1, 1)) + timedelta(days=1))},
        {"step": dataclasses.replace(step, due=date(2027, 1, 1), clause="SPA 4.2")},
        {"step": dataclasses.replace(step, due=date(2027, 1, 1), provisional=provisional)},
        {
            "step": dataclasses.replace(
                step, due=date(2027, 1, 1), provisional=dataclasses.replace(provisional, years=(2027, 2028))
            )
        },
        {"step": dataclasses.replace(step, roles=("escrow_agent",))},
        {"step": dataclasses.replace(step, roles=())},
        {"step": dataclasses.replace(step, action="prepare_release"), "my_turn": True, "step_url": "/x/"},
        {"tranche": _with(tranche, audited_revenue=Decimal("598500000.00"))},
        {"tranche": _with(tranche, audited_revenue=Decimal("598500000.5"))},
        {"tranche": _with(tranche, target_revenue=Decimal("1"))},
        {"tranche": _with(tranche, deducted=5)},
        {"tranche": _with(tranche, state="released", released_on=date(2027, 6, 1))},
        {"tranche": _with(tranche, state="released", released_on=date(2027, 6, 2))},
        {"tranche": _with(tranche, period_start=date(2025, 1, 2))},
        {"tranche": _with(tranche, period_end=date(2025, 12, 30))},
        {"tranche": _with(tranche, year=9)},
    ):
        yield [dataclasses.replace(first, **change), *rows[1:]]


TRANCHE_FIELDS = (
    "year",
    "period_start",
    "period_end",
    "target_revenue",
    "audited_revenue",
    "deducted",
    "state",
    "released_on",
)


def _with(tranche, **changes):
    return SimpleNamespace(**{**vars(tranche), **changes})


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_years_follow_every_input(filed, people, language):
    context = deal_page(people, "issuer", filed, language).context
    deal, rows = context["deal"], list(context["rows"])
    with translation.override(language):
        before = years_tag({"deal": deal, "rows": rows})
        shown = {before}
        for changed in changed_rows(rows):
            kept = years_tag({"deal": deal, "rows": changed})
            assert kept == render(OLD_YEARS, deal=deal, rows=changed)  # a stale copy would differ here
            shown.add(kept)
        assert len(shown) > 15  # the changes are seen (a few draw the same rows: e.g. a button not offered)
        other = SimpleNamespace(slug="another-deal", target_currency="USD")
        for changed_deal in (other, SimpleNamespace(slug=deal.slug, target_currency="USD")):
            kept = years_tag({"deal": changed_deal, "rows": rows})
            assert kept != before and kept == render(OLD_YEARS, deal=changed_deal, rows=rows)
    with translation.override("zh-hans" if language == "en" else "en"):
        assert years_tag({"deal": deal, "rows": rows}) != before


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_parties_follow_every_input(filed, people, language):
    context = deal_page(people, "auditor", filed, language).context
    parties, user = list(context["parties"]), context["user"]
    with translation.override(language):
        before = parties_tag({"parties": parties, "user": user})
        shown = {before}

        def party(i, **changes):
            p = parties[i]
            fields = {
                "organisation_id": p.organisation_id,
                "organisation": p.organisation,
                "role": p.role,
                "contract_name": p.contract_name,
                "approved_at": p.approved_at,
                "people": p.people,
            }
            return SimpleNamespace(**{**fields, **changes})

        auditor = next(i for i, p in enumerate(parties) if p.role == "auditor")
        organisation = parties[0].organisation
        person = parties[0].people[0]
        for i, changes in (
            (0, {"organisation": SimpleNamespace(name="Renamed Ltd", name_zh=organisation.name_zh)}),
            (0, {"organisation": SimpleNamespace(name=organisation.name, name_zh="新名称")}),
            (0, {"organisation": SimpleNamespace(name=organisation.name, name_zh="")}),
            (0, {"organisation_id": user.organisation_id}),
            (0, {"contract_name": "the Seller"}),
            (0, {"role": "seller"}),
            (0, {"people": []}),
            (0, {"people": [_person("Wang Wei", "CFO")]}),
            (0, {"people": [_person(str(person), "Director")]}),
            (0, {"people": [_person(str(person), person.title), _person("Li Na", "")]}),
            (auditor, {"approved_at": None}),
            (auditor, {"approved_at": (parties[auditor].approved_at or _moment()) + timedelta(days=3)}),
        ):
            changed = list(parties)
            changed[i] = party(i, **changes)
            kept = parties_tag({"parties": changed, "user": user})
            assert kept == render(OLD_PARTIES, parties=changed, user=user)  # a stale copy would differ here
            shown.add(kept)
        assert len(shown) > 9
        elsewhere = SimpleNamespace(organisation_id=parties[0].organisation_id)
        kept = parties_tag({"parties": parties, "user": elsewhere})
        assert kept != before and kept == render(OLD_PARTIES, parties=parties, user=elsewhere)


class _person(SimpleNamespace):
    def __init__(self, name, title):
        super().__init__(name=name, title=title)

    def __str__(self):
        return self.name


def _moment():
    from django.utils import timezone

    return timezone.now()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_picker_follows_every_input(filed, people, language):
    from escrow.views.forms import AsOfForm

    request = SimpleNamespace(path="/deals/kaixin-2025/")
    contexts = [
        {"request": request, "as_of_form": AsOfForm(initial={"as_of": ""}), "as_of_refused": "", "snapshot": None},
        {"request": request, "as_of_form": AsOfForm(initial={"as_of": "2026-12-01"}), "as_of_refused": ""},
        {"request": request, "as_of_form": AsOfForm(initial={"as_of": "x"}), "as_of_refused": "Not a day."},
        {"request": request, "as_of_form": AsOfForm(initial={"as_of": "x"}), "as_of_refused": "Another refusal."},
        {"request": request, "as_of_form": AsOfForm(initial={"as_of": "2026-12-01"}), "snapshot": object()},
        {"request": SimpleNamespace(path="/deals/other/"), "as_of_form": AsOfForm(initial={"as_of": ""})},
        {"request": request, "as_of_form": AsOfForm(data={"as_of": "2026-11-30"})},
    ]
    with translation.override(language):
        shown = set()
        for context in contexts:
            kept = picker_tag(context)
            assert kept == render(OLD_PICKER, **context)
            shown.add(kept)
        assert len(shown) == len(contexts)


OLD_AS_OF_YEARS = """{% load i18n portal %}{% for t in snapshot.tranches %}
      <tr data-testid="as-of-year" data-year="{{ t.year }}" data-state="{{ t.state }}">
        <td class="nowrap"><a href="{% url 'escrow:tranche' deal.slug t.year %}?as_of={{ snapshot.day|date:'Y-m-d' }}" data-testid="as-of-year-link">{% blocktranslate with n=t.year %}Year {{ n }}{% endblocktranslate %}</a></td>
        <td class="nowrap small">{{ t.tranche.period_start|day }} –<br>{{ t.tranche.period_end|day }}</td>
        <td class="num">{{ t.tranche.target_revenue|money:deal.target_currency }}</td>
        <td class="num">{% if t.audited_revenue is not None %}{{ t.audited_revenue|money:deal.target_currency }}{% else %}—{% endif %}</td>
        <td class="num">{% if t.release_quantity is not None %}{{ t.release_quantity|shares }}{% else %}—{% endif %}</td>
        <td class="num" data-testid="as-of-released">{{ t.released|shares }}{% if t.released_on %}<br><span class="small muted">{{ t.released_on|day }}</span>{% endif %}</td>
        <td>{% include "includes/state.html" with state=t.state %}</td>
        <td class="small">{% for h in t.holds %}<div data-testid="as-of-hold">{{ h.kind_label }} · {% blocktranslate with d=h.started_on|day %}since {{ d }}{% endblocktranslate %}</div>{% empty %}—{% endfor %}</td>
        <td class="num">{% if t.penalty.accrued_through %}{{ t.penalty.total|money:deal.price_currency }}{% if t.penalty.capped %} <span class="badge">{% translate "capped" %}</span>{% endif %}{% else %}—{% endif %}</td>
      </tr>
    {% endfor %}"""  # noqa: E501
OLD_TRANSFER = '{% include "escrow/transfer_evidence_box.html" %}'


def as_of_years_tag(context):
    return render("{% as_of_years %}", **context)


def transfer_tag(context):
    return render("{% transfer_evidence_box %}", **context)


@pytest.fixture
def walked(django_user_model):
    from tests.escrow.as_of_world import walk_year_one

    return walk_year_one(django_user_model)


def test_the_years_as_of_each_day_are_what_the_template_drew(walked):
    from tests.escrow.as_of_world import CREATED, DEPOSITED, RELEASED, REPORTED, SUSPENDED, on

    deal, people = walked
    with on(RELEASED + timedelta(days=30)):
        for language in LANGUAGES:
            for day in (CREATED, DEPOSITED, REPORTED, SUSPENDED, RELEASED):
                response = deal_page(people, "compliance", deal, language, as_of=day.isoformat())
                context = {"deal": response.context["deal"], "snapshot": response.context["snapshot"]}
                with translation.override(language):
                    kept = as_of_years_tag(context)
                    assert kept == render(OLD_AS_OF_YEARS, **context)
                    assert kept in response.content.decode()
                    if day == SUSPENDED:
                        assert 'data-testid="as-of-hold"' in kept


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_years_as_of_a_day_follow_every_input(walked, language):
    from escrow.queries.as_of import HoldAsOf, PenaltyAsOf, deal_as_of
    from tests.escrow.as_of_world import SUSPENDED

    deal, _people = walked
    snapshot = deal_as_of(deal, SUSPENDED)
    first = snapshot.tranches[0]
    hold = HoldAsOf(1, first.tranche.pk, "suspension", "Suspension (SPA 8.1)", "why", SUSPENDED)
    tranche = SimpleNamespace(**{f: getattr(first.tranche, f) for f in TRANCHE_FIELDS})
    changes = [
        {"state": "released"},
        {"audited_revenue": None},
        {"audited_revenue": Decimal("665000000.5")},
        {"release_quantity": None},
        {"release_quantity": 7},
        {"released": 11},
        {"released_on": SUSPENDED},
        {"holds": ()},
        {"holds": (hold,)},
        {"holds": (dataclasses.replace(hold, kind_label="Dispute (EA 3.3)"),)},
        {"holds": (dataclasses.replace(hold, started_on=SUSPENDED - timedelta(days=1)),)},
        {"penalty": PenaltyAsOf(total=Decimal("12.5"), accrued_through=SUSPENDED)},
        {"penalty": PenaltyAsOf(total=Decimal("12.5"), accrued_through=SUSPENDED, capped=True)},
        {"penalty": PenaltyAsOf(total=Decimal("13"), accrued_through=SUSPENDED)},
        {"tranche": _with(tranche, year=9)},
        {"tranche": _with(tranche, target_revenue=Decimal("2"))},
        {"tranche": _with(tranche, period_start=date(2025, 1, 2))},
        {"tranche": _with(tranche, period_end=date(2025, 12, 30))},
    ]
    with translation.override(language):
        shown = set()
        for change in changes:
            changed = dataclasses.replace(
                snapshot, tranches=(dataclasses.replace(first, **change), *snapshot.tranches[1:])
            )
            kept = as_of_years_tag({"deal": deal, "snapshot": changed})
            assert kept == render(OLD_AS_OF_YEARS, deal=deal, snapshot=changed)  # a stale copy would differ here
            shown.add(kept)
        assert len(shown) > 14
        other_day = dataclasses.replace(snapshot, day=SUSPENDED + timedelta(days=1))
        assert as_of_years_tag({"deal": deal, "snapshot": other_day}) == render(
            OLD_AS_OF_YEARS, deal=deal, snapshot=other_day
        )
        for other in (
            SimpleNamespace(slug="other", target_currency=deal.target_currency, price_currency=deal.price_currency),
            SimpleNamespace(slug=deal.slug, target_currency="USD", price_currency=deal.price_currency),
            SimpleNamespace(slug=deal.slug, target_currency=deal.target_currency, price_currency="CNY"),
        ):
            assert as_of_years_tag({"deal": other, "snapshot": snapshot}) == render(
                OLD_AS_OF_YEARS, deal=other, snapshot=snapshot
            )


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_transfer_record_follows_every_input(walked, language):
    from escrow.models import StoredDocument
    from escrow.queries.transfers import ledger_records

    deal, people = walked
    deposit, releases, _ = ledger_records(deal)
    release = releases[0][1]
    document = StoredDocument.objects.filter(deal=deal).first()
    with translation.override(language):
        shown = set()
        for record in (
            None,
            deposit,
            release,
            dataclasses.replace(deposit, quantity=5),
            dataclasses.replace(deposit, reference=""),
            dataclasses.replace(deposit, reference="DRS-2"),
            dataclasses.replace(deposit, transfer_date=date(2026, 12, 4)),
            dataclasses.replace(deposit, transfer_date=None),
            dataclasses.replace(deposit, transfer_agent="Another agent"),
            dataclasses.replace(deposit, transfer_agent=""),
            dataclasses.replace(deposit, recipient_account="Line 1\nLine 2"),
            dataclasses.replace(deposit, recipient_account=""),
            dataclasses.replace(deposit, confirmation=document),
            dataclasses.replace(deposit, confirmation=None),
            dataclasses.replace(deposit, recorded_by=people["agent2"]),
            dataclasses.replace(deposit, recorded_at=deposit.recorded_at + timedelta(hours=1)),
        ):
            kept = transfer_tag({"transfer": record})
            assert kept == render(OLD_TRANSFER, transfer=record)  # a stale copy would differ here
            shown.add(kept)
        assert len(shown) > 9  # a few records draw the same box (a fact already missing)


def test_the_deal_page_keeps_its_transfer_record(filed, people):
    for language in LANGUAGES:
        for username in ("seller", "agent1"):
            response = deal_page(people, username, filed, language)
            context = {"transfer": response.context["transfer"]}
            with translation.override(language):
                assert transfer_tag(context) == render(OLD_TRANSFER, **context)
                assert transfer_tag(context) in response.content.decode()


OLD_LEDGER = '{% include "includes/ledger.html" %}'
OLD_INSTRUMENTS = (
    '{% include "escrow/as_of_instruments.html" with years=snapshot.tranches '
    "instrument_count=snapshot.instrument_count %}"
)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_ledger_follows_every_figure(language):
    from escrow.models.ledger import balances_of
    from escrow.queries.as_of import Balances

    with translation.override(language):
        shown = set()
        for totals in (
            {},
            {"deposit": 15_000_000},
            {"deposit": 15_000_000, "rebase": 15_000_000},
            {"deposit": 15_000_000, "rebase": -1_000},
            {"deposit": 15_000_000, "release": 2_700_000},
            {"deposit": 15_000_000, "release": 2_700_000, "return": 300_000},
        ):
            balances = balances_of(totals)
            for shape in (
                balances,
                Balances(**{k: balances[k] for k in ("deposited", "rebased", "released", "returned")}),
            ):
                kept = render("{% ledger_stats %}", balances=shape)
                assert kept == render(OLD_LEDGER, balances=shape)
                shown.add(kept)
        assert len(shown) == 6


def test_the_instruments_as_of_each_day_are_what_the_template_drew(walked):
    from escrow.queries.as_of import deal_as_of
    from tests.escrow.as_of_world import CREATED, DEPOSITED, RELEASED, REPORTED, SIGNED, SUSPENDED

    deal, _people = walked
    shown = set()
    for language in LANGUAGES:
        with translation.override(language):
            for day in (CREATED, DEPOSITED, REPORTED, SIGNED, SUSPENDED, RELEASED):
                snapshot = deal_as_of(deal, day)
                kept = render("{% as_of_instruments %}", snapshot=snapshot)
                assert kept == render(OLD_INSTRUMENTS, snapshot=snapshot)
                shown.add(kept)
                first = next((t for t in snapshot.tranches if t.instruments), None)
                if first is None:
                    continue
                instrument = first.instruments[0]
                for changed in (
                    dataclasses.replace(instrument, status="superseded"),
                    dataclasses.replace(instrument, status="open", required_roles=("issuer",)),
                    dataclasses.replace(instrument, quantity=instrument.quantity + 1),
                    dataclasses.replace(instrument, kind="settlement"),
                    dataclasses.replace(instrument, signatures=()),
                    dataclasses.replace(
                        instrument,
                        signatures=tuple(dataclasses.replace(s, signer="Someone Else") for s in instrument.signatures),
                    ),
                ):
                    year = dataclasses.replace(first, instruments=(changed, *first.instruments[1:]))
                    other = dataclasses.replace(
                        snapshot, tranches=tuple(year if t is first else t for t in snapshot.tranches)
                    )
                    kept = render("{% as_of_instruments %}", snapshot=other)
                    assert kept == render(OLD_INSTRUMENTS, snapshot=other)  # a stale copy would differ here
                    shown.add(kept)
    assert len(shown) > 12

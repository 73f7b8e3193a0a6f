"""The nightly verification (issue 10 item 5): every hash chain walked and every deal's ledger, tranches and
signatures reconciled with its history (escrow.queries.verification), once per contract day, and compliance
alerted when anything was changed outside the portal.

Beat ticks hourly (CELERY_BEAT_SCHEDULE "verify-records"); the day's VerificationRun row, unique per contract
day, makes the first tick of the day run it and the others return at once. A run whose worker died is
claimed again by the next tick. The alert goes, in each reader's language, to the compliance people of every
affected deal (a broken accounts or reference chain affects every deal) and to every active staff member with
an email; its dedupe keys make a repeated alert harmless.
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy, ngettext_lazy

from escrow.models import Deal, Role, VerificationRun
from escrow.notifications.notify import notify, notify_roles
from escrow.notifications.texts import Text
from escrow.queries.clock import contract_today
from escrow.queries.verification import verify_records

# A run not finished after this long is taken for a dead worker's, and run again.
STALE_AFTER = timedelta(hours=2)
CLAUSE = "EA 4.2, SPA 9"

SUBJECT = gettext_lazy("%(deal)s: the nightly verification found records changed outside the portal")
STAFF_SUBJECT = ngettext_lazy(
    "Nightly verification of %(day)s: %(count)s problem found",
    "Nightly verification of %(day)s: %(count)s problems found",
    "count",
)
BODY = gettext_lazy(
    "The verification of %(day)s (Beijing time) found:\n%(problems)s\n\n"
    "The history, the share ledger or a tranche no longer agree. Nothing may be released until compliance "
    "has investigated; `manage.py verify_history` names each difference."
)


def run_nightly_verification(*, today=None, now=None):
    """Run the day's verification once; returns the VerificationRun, or None when the day's run is done
    or another worker is running it."""
    today, now = today or contract_today(), now or timezone.now()
    run = _claim(today, now)
    if run is None:
        return None
    report = verify_records()
    return _finish(run.pk, report, now)


@transaction.atomic
def _claim(today, now):
    run, created = VerificationRun.objects.select_for_update().get_or_create(day=today, defaults={"started_at": now})
    if created:
        return run
    if run.finished_at is not None or now - run.started_at < STALE_AFTER:
        return None
    run.started_at = now
    run.save(update_fields=["started_at"])
    return run


@transaction.atomic
def _finish(run_id, report, now):
    run = VerificationRun.objects.select_for_update().get(pk=run_id)
    run.finished_at, run.ok = timezone.now(), report.ok
    run.chains, run.deals = report.chains, report.deals
    run.failures = report.as_dict()["failures"]
    run.save()
    if not report.ok:
        alert_compliance(run)
    return run


def alert_compliance(run) -> int:
    """Notify the compliance role of each affected deal and email the staff; returns notifications written."""
    by_deal, everyone = {}, []
    for failure in run.failures:
        if failure["deal"] is None:
            everyone.append(failure["problem"])
        else:
            by_deal.setdefault(failure["deal"], []).append(failure["problem"])
    deals = Deal.objects.order_by("pk") if everyone else Deal.objects.filter(slug__in=list(by_deal)).order_by("pk")
    written = 0
    for deal in deals:
        problems = by_deal.get(deal.slug, []) + everyone
        written += notify_roles(
            deal,
            [Role.COMPLIANCE],
            key=f"verification:{run.day}:{deal.pk}",
            clause=CLAUSE,
            subject=Text(SUBJECT, deal=deal.name),
            body=Text(BODY, day=run.day, problems=_lines(problems)),
        )
    staff = get_user_model().objects.filter(is_staff=True, is_active=True).exclude(email="").order_by("pk")
    written += notify(
        staff,
        deal=None,
        key=f"verification:{run.day}:staff",
        clause=CLAUSE,
        subject=Text(STAFF_SUBJECT, day=run.day, count=len(run.failures)),
        body=Text(BODY, day=run.day, problems=_lines(f["problem"] for f in run.failures)),
    )
    return written


def _lines(problems):
    return "\n".join(f"- {problem}" for problem in problems)

"""The escrow fee pages (EA 4.4, EA 2; issue 14 item 5): the invoices of each started escrow year with their
PDFs, and the agent's two actions, each on its own page offered only when it can be taken now: issue the
invoices of the started years not yet invoiced, and record a payment."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from escrow import actions
from escrow.actions.fees import fee_amount
from escrow.contract.fees import DUE_DAYS
from escrow.models import FeeInvoice
from escrow.queries.clock import contract_today
from escrow.queries.fee_documents import invoice_pdf
from escrow.queries.fees import escrow_period, invoices_for, may_read_invoice, years_to_invoice
from escrow.views.common import attempt, deal_for, done, now_for, stale
from escrow.views.forms import FeePaymentForm, IssueFeesForm


def _fees_url(deal):
    return reverse("escrow:deal_fees", args=[deal.slug])


def _context(request, deal, **extra):
    now = now_for(request, deal)
    start, end = escrow_period(deal)
    return {
        "deal": deal,
        "role": now.role,
        "can": now.can,
        "active": "fees",
        "start": start,
        "end": end,
        "due_days": DUE_DAYS,
        "fee_amount": fee_amount(deal),
        **extra,
    }


@login_required
def deal_fees(request, slug):
    """The invoices the reader may see (the agent and compliance all; the issuer and purchaser theirs, P9)."""
    deal = deal_for(request, slug, action="view_fees")
    now = now_for(request, deal)
    context = _context(
        request,
        deal,
        invoices=invoices_for(deal, now.role),
        may_issue=now.may("issue_fee_invoices"),
        may_pay=now.may("record_fee_payment"),
    )
    return render(request, "escrow/fees.html", context)


@login_required
def issue_fee_invoices(request, slug):
    """EA 4.4, EA 2: the agent issues the invoices of every started escrow year not yet invoiced."""
    deal = deal_for(request, slug, action="issue_fee_invoices")
    form = IssueFeesForm(request.POST if request.method == "POST" else None)
    reason = now_for(request, deal).why_not("issue_fee_invoices")
    context = _context(request, deal, form=form, due_years=[] if reason else years_to_invoice(deal, contract_today()))
    if reason:
        return stale(request, "escrow/fees_issue.html", context, reason, back_url=_fees_url(deal))
    if request.method == "POST" and form.is_valid():
        issued, ok = attempt(request, form, actions.issue_fee_invoices, request.user, deal)
        if ok:
            done(request, _("Escrow fee invoices issued: %(n)s.") % {"n": len(issued)})
            return redirect("escrow:deal_fees", slug=deal.slug)
    return render(request, "escrow/fees_issue.html", context, status=400 if request.method == "POST" else 200)


@login_required
def record_fee_payment(request, slug):
    """EA 4.4: the agent records that an invoice was paid: the date and the payment's reference."""
    deal = deal_for(request, slug, action="record_fee_payment")
    unpaid = list(FeeInvoice.objects.filter(deal=deal, paid_on__isnull=True).order_by("year"))
    initial = {"invoice": request.GET.get("invoice")} if request.GET.get("invoice") else None
    form = FeePaymentForm(request.POST if request.method == "POST" else None, invoices=unpaid, initial=initial)
    reason = now_for(request, deal).why_not("record_fee_payment")
    context = _context(request, deal, form=form, unpaid=unpaid)
    if reason:
        return stale(request, "escrow/fees_pay.html", context, reason, back_url=_fees_url(deal))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        _r, ok = attempt(
            request,
            form,
            actions.record_fee_payment,
            request.user,
            deal,
            int(data["invoice"]),
            paid_on=data["paid_on"],
            reference=data["reference"],
        )
        if ok:
            done(request, _("Payment recorded."))
            return redirect("escrow:deal_fees", slug=deal.slug)
    return render(request, "escrow/fees_pay.html", context, status=400 if request.method == "POST" else 200)


@login_required
def fee_invoice_pdf(request, slug, number):
    """The invoice's bilingual PDF: for its payer(s), the agent and compliance (P9 as issued)."""
    deal = deal_for(request, slug, action="view_fees")
    invoice = FeeInvoice.objects.filter(deal=deal, number=number).select_related("deal").first()
    if invoice is None or not may_read_invoice(invoice, now_for(request, deal).role):
        raise Http404(_("No such escrow fee invoice."))
    data, filename = invoice_pdf(invoice)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response

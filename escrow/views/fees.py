"""The escrow fee page (EA 4.4, EA 2; issue 14 item 5): the invoices of each started escrow year, the agent's
two actions (issue the invoices due, record a payment) when it can take them now, and each invoice's PDF."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from escrow import actions
from escrow.contract.errors import DomainError
from escrow.contract.fees import DUE_DAYS, FEE_CURRENCY
from escrow.models import FeeInvoice
from escrow.queries.clock import contract_today
from escrow.queries.fee_documents import invoice_pdf
from escrow.queries.fees import escrow_period, invoices_for, may_read_invoice, years_to_invoice
from escrow.views.common import attempt, deal_for, done, now_for
from escrow.views.forms import FeePaymentForm


@login_required
def deal_fees(request, slug):
    deal = deal_for(request, slug, action="view_fees")
    now = now_for(request, deal)
    may_issue, may_pay = now.may("issue_fee_invoices"), now.may("record_fee_payment")
    pay_form = FeePaymentForm(request.POST if request.method == "POST" and "invoice" in request.POST else None)
    issue_errors = []
    status = 200
    if request.method == "POST":
        if request.POST.get("do") == "issue":
            reason = now.why_not("issue_fee_invoices")
            if reason:
                issue_errors.append(reason)
                status = 409
            else:
                try:
                    issued = actions.issue_fee_invoices(request.user, deal)
                except DomainError as exc:  # shown; nothing changed (the action rolled back)
                    issue_errors.append(exc.message)
                    status = 400
                else:
                    done(request, _("Escrow fee invoices issued: %(n)s.") % {"n": len(issued)})
                    return redirect("escrow:deal_fees", slug=deal.slug)
        elif pay_form.is_bound:
            reason = now.why_not("record_fee_payment")
            if reason:
                pay_form.add_error(None, reason)
                status = 409
            elif pay_form.is_valid():
                _r, ok = attempt(
                    request,
                    pay_form,
                    actions.record_fee_payment,
                    request.user,
                    deal,
                    pay_form.cleaned_data["invoice"],
                    paid_on=pay_form.cleaned_data["paid_on"],
                    reference=pay_form.cleaned_data["reference"],
                )
                if ok:
                    done(request, _("Payment recorded."))
                    return redirect("escrow:deal_fees", slug=deal.slug)
                status = 400
            else:
                status = 400
    start, end = escrow_period(deal)
    invoices = invoices_for(deal, now.role)
    return render(
        request,
        "escrow/fees.html",
        {
            "deal": deal,
            "role": now.role,
            "can": now.can,
            "active": "fees",
            "invoices": invoices,
            "start": start,
            "end": end,
            "due_years": years_to_invoice(deal, contract_today()) if may_issue else [],
            "may_issue": may_issue,
            "may_pay": may_pay,
            "pay_form": pay_form,
            "posted_invoice": request.POST.get("invoice") if request.method == "POST" else None,
            "issue_errors": issue_errors,
            "due_days": DUE_DAYS,
            "currency": FEE_CURRENCY,
        },
        status=status,
    )


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

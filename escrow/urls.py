from django.urls import path

from escrow.views import action_pages as forms
from escrow.views import (
    dashboard,
    deals,
    democlock,
    documents,
    evidence,
    fees,
    history,
    prices,
    releases,
    signing,
    tranches,
    whatif,
)
from escrow.views import holdings as holdings_pages
from escrow.views.corporate_actions import corporate_actions_page
from escrow.views.deal_create import create_deal_page
from escrow.views.overview import overview
from escrow.views.register import register_page
from escrow.views.reports import decline, report_page
from escrow.views.statements import deal_statement, deal_statement_csv, deal_statement_pdf, release_statement_pdf

app_name = "escrow"

YEAR = "deals/<slug:slug>/years/<int:year>/"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("notifications/", dashboard.notifications, name="notifications"),
    path("overview/", overview, name="overview"),  # issue 12 item 8: overdue items and holds
    path("notifications/read/", dashboard.mark_read, name="notifications_read_all"),
    path("notifications/<int:pk>/read/", dashboard.mark_read, name="notification_read"),
    path("deals/new/", create_deal_page, name="create_deal"),  # before deals/<slug>/: "new" is no deal's slug
    path("deals/<slug:slug>/", deals.deal_page, name="deal"),
    path("deals/<slug:slug>/deposit/", forms.confirm_deposit, name="confirm_deposit"),
    path("deals/<slug:slug>/auditor/", forms.approve_auditor, name="approve_auditor"),
    path("deals/<slug:slug>/return/", forms.return_for_cancellation, name="return_for_cancellation"),
    path("deals/<slug:slug>/whatif/", whatif.whatif, name="whatif"),
    path("deals/<slug:slug>/register/", register_page, name="register"),  # issue 10 item 1
    path("deals/<slug:slug>/corporate-actions/", corporate_actions_page, name="corporate_actions"),  # issue 14
    path("deals/<slug:slug>/history/", history.history, name="history"),
    path("deals/<slug:slug>/history.csv", history.history_csv, name="history_csv"),
    path("deals/<slug:slug>/history.pdf", history.history_pdf, name="history_pdf"),
    path("deals/<slug:slug>/evidence.zip", evidence.deal_pack, name="evidence_pack"),  # issue 11 item 5
    path("deals/<slug:slug>/release-statement.pdf", release_statement_pdf, name="release_statement"),
    path("deals/<slug:slug>/prices/", prices.deal_prices, name="deal_prices"),
    # issue 14 item 6: a party's statement for a period
    path("deals/<slug:slug>/statement/", deal_statement, name="deal_statement"),
    path("deals/<slug:slug>/statement.csv", deal_statement_csv, name="deal_statement_csv"),
    path("deals/<slug:slug>/statement.pdf", deal_statement_pdf, name="deal_statement_pdf"),
    path("deals/<slug:slug>/fees/", fees.deal_fees, name="deal_fees"),  # issue 14 item 5 (EA 4.4)
    path("deals/<slug:slug>/fees/issue/", fees.issue_fee_invoices, name="issue_fee_invoices"),
    path("deals/<slug:slug>/fees/pay/", fees.record_fee_payment, name="record_fee_payment"),
    path("deals/<slug:slug>/fees/<str:number>.pdf", fees.fee_invoice_pdf, name="fee_invoice_pdf"),
    # Issue 14 items 2, 3: dividends and votes on the escrowed shares (SPA 3.2, EA 1.3)
    path("deals/<slug:slug>/dividends-and-votes/", holdings_pages.holdings_page, name="holdings"),
    path("deals/<slug:slug>/dividends/new/", holdings_pages.record_dividend, name="record_dividend"),
    path(
        "deals/<slug:slug>/dividends/pass-through/", holdings_pages.dividend_pass_through, name="dividend_pass_through"
    ),
    path("deals/<slug:slug>/dividends/receipt/", holdings_pages.dividend_receipt, name="dividend_receipt"),
    path("deals/<slug:slug>/meetings/new/", holdings_pages.record_meeting, name="record_meeting"),
    path("deals/<slug:slug>/meetings/instruct/", holdings_pages.instruct_vote, name="instruct_vote"),
    path("deals/<slug:slug>/meetings/proxy/", holdings_pages.proxy_lodged, name="proxy_lodged"),
    path("prices/", prices.staff_prices, name="prices"),
    path("demo/clock/", democlock.move_clock, name="demo_clock"),  # settings.DEMO_CLOCK only (issue 12 item 9)
    path(YEAR, tranches.tranche_page, name="tranche"),
    path(YEAR + "evidence.zip", evidence.tranche_pack, name="tranche_evidence_pack"),
    path(YEAR + "prepare/", releases.prepare_release, name="prepare_release"),
    path(YEAR + "approve/", releases.approve_release, name="approve_release"),
    path(YEAR + "call-back/", releases.record_call_back, name="record_call_back"),
    path(YEAR + "report/", report_page("file_report"), name="file_report"),  # issue 12 item 8: preview, confirm
    path(YEAR + "report/correct/", report_page("correct_report"), name="correct_report"),
    path(YEAR + "dispute/", forms.tranche_action("raise_dispute"), name="raise_dispute"),
    path(YEAR + "suspend/", forms.tranche_action("suspend_release"), name="suspend_release"),
    path(YEAR + "lift/", forms.tranche_action("lift_suspension"), name="lift_suspension"),
    path(YEAR + "withdraw/", forms.tranche_action("withdraw_preparation"), name="withdraw_preparation"),
    path(YEAR + "settlement/", forms.tranche_action("propose_settlement"), name="propose_settlement"),
    path(YEAR + "adjustment/", forms.tranche_action("propose_adjustment"), name="propose_adjustment"),
    path(YEAR + "award/", forms.tranche_action("file_award"), name="file_award"),
    path("instruments/<int:pk>/sign/", signing.sign, name="sign"),
    path("instruments/<int:pk>/decline/", decline, name="decline"),  # issue 12 item 8
    path("signatures/<int:pk>/", signing.signature_receipt, name="signature_receipt"),
    path("documents/<int:pk>/", documents.document, name="document"),
]

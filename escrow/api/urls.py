"""/api/: deals, tranches, instruments, documents, history, actions; schema at /api/schema/."""

from django.urls import path

from escrow.api.views import call_backs, corporate_actions, evidence, fees, holdings, penalty, reads, statements
from escrow.api.views import deal_actions as deal
from escrow.api.views import instrument_actions as instrument
from escrow.api.views import register as signatories
from escrow.api.views import tranche_actions as tranche
from escrow.api.views.deal_create import DealListCreate
from escrow.api.views.docs import ApiDocs, ApiSchema

app_name = "api"
urlpatterns = [
    path("schema/", ApiSchema.as_view(), name="schema"),
    path("docs/", ApiDocs.as_view(), name="docs"),
    path("me/due/", reads.DueActions.as_view(), name="due"),
    path("overview/", statements.Overview.as_view(), name="overview"),  # issue 12 item 8
    path("deals/", DealListCreate.as_view(), name="deal-list"),
    path("deals/<str:ref>/", reads.DealDetail.as_view(), name="deal-detail"),
    path("deals/<str:ref>/tranches/", reads.TrancheList.as_view(), name="deal-tranches"),
    path("deals/<str:ref>/documents/", reads.DocumentList.as_view(), name="deal-documents"),
    path("deals/<str:ref>/history/", reads.History.as_view(), name="deal-history"),
    path("deals/<str:ref>/evidence-pack/", evidence.DealEvidencePack.as_view(), name="deal-evidence-pack"),
    path("deals/<str:ref>/release-statement/", statements.ReleaseStatement.as_view(), name="release-statement"),
    path("deals/<str:ref>/statement/", statements.PeriodStatement.as_view(), name="deal-statement"),  # issue 14 item 6
    path("deals/<str:ref>/penalty/", penalty.DealPenalty.as_view(), name="deal-penalty"),
    path("deals/<str:ref>/fees/", fees.DealFees.as_view(), name="deal-fees"),  # issue 14 item 5 (EA 4.4)
    path("deals/<str:ref>/fees/issue/", fees.IssueFeeInvoices.as_view(), name="issue-fee-invoices"),
    path("deals/<str:ref>/fees/pay/", fees.RecordFeePayment.as_view(), name="record-fee-payment"),
    path("deals/<str:ref>/dividends/", holdings.DividendList.as_view(), name="deal-dividends"),  # issue 14 item 2
    path("deals/<str:ref>/dividends/record/", holdings.RecordDividend.as_view(), name="record-dividend"),
    path("deals/<str:ref>/dividends/pass-through/", holdings.RecordPassThrough.as_view(), name="dividend-pass-through"),
    path("deals/<str:ref>/dividends/receipt/", holdings.ConfirmReceipt.as_view(), name="dividend-receipt"),
    path("deals/<str:ref>/meetings/", holdings.MeetingList.as_view(), name="deal-meetings"),  # issue 14 item 3
    path("deals/<str:ref>/meetings/record/", holdings.RecordMeeting.as_view(), name="record-meeting"),
    path("deals/<str:ref>/meetings/instruct/", holdings.InstructVote.as_view(), name="instruct-vote"),
    path("deals/<str:ref>/meetings/proxy/", holdings.RecordProxyLodged.as_view(), name="proxy-lodged"),
    path("deals/<str:ref>/confirm-deposit/", deal.ConfirmDeposit.as_view(), name="confirm-deposit"),
    path("deals/<str:ref>/approve-auditor/", deal.ApproveAuditor.as_view(), name="approve-auditor"),
    path(
        "deals/<str:ref>/return-for-cancellation/", deal.ReturnForCancellation.as_view(), name="return-for-cancellation"
    ),
    path(  # issue 14 item 4
        "deals/<str:ref>/corporate-actions/", corporate_actions.CorporateActions.as_view(), name="corporate-actions"
    ),
    path(
        "deals/<str:ref>/corporate-actions/propose/",
        corporate_actions.ProposeCorporateAction.as_view(),
        name="propose-corporate-action",
    ),
    path(
        "deals/<str:ref>/corporate-actions/confirm/",
        corporate_actions.ConfirmCorporateAction.as_view(),
        name="confirm-corporate-action",
    ),
    path("deals/<str:ref>/register/", signatories.Register.as_view(), name="register"),
    path("deals/<str:ref>/register/propose/", signatories.ProposeSignatory.as_view(), name="register-propose"),
    path("deals/<str:ref>/register/remove/", signatories.ProposeRemoval.as_view(), name="register-remove"),
    path("deals/<str:ref>/register/confirm/", signatories.ConfirmChange.as_view(), name="register-confirm"),
    path("deals/<str:ref>/register/object/", signatories.ObjectToChange.as_view(), name="register-object"),
    path("tranches/<int:pk>/", reads.TrancheDetail.as_view(), name="tranche-detail"),
    path("tranches/<int:pk>/evidence-pack/", evidence.TrancheEvidencePack.as_view(), name="tranche-evidence-pack"),
    path("tranches/<int:pk>/penalty/", penalty.TranchePenalty.as_view(), name="tranche-penalty"),
    path("tranches/<int:pk>/report/", tranche.FileReport.as_view(), name="file-report"),
    path("tranches/<int:pk>/report/preview/", tranche.PreviewReport.as_view(), name="preview-report"),
    path("tranches/<int:pk>/report/correct/", tranche.CorrectReport.as_view(), name="correct-report"),
    path("tranches/<int:pk>/report/correct/preview/", tranche.PreviewCorrection.as_view(), name="preview-correction"),
    path("tranches/<int:pk>/prepare-release/", tranche.PrepareRelease.as_view(), name="prepare-release"),
    path("tranches/<int:pk>/approve-release/", tranche.ApproveRelease.as_view(), name="approve-release"),
    path("tranches/<int:pk>/call-back/", call_backs.RecordCallBack.as_view(), name="record-call-back"),
    path("deals/<str:ref>/call-back-waiver/", call_backs.CallBackWaiver.as_view(), name="call-back-waiver"),
    path("tranches/<int:pk>/withdraw-preparation/", tranche.WithdrawPreparation.as_view(), name="withdraw-preparation"),
    path("tranches/<int:pk>/dispute/", tranche.RaiseDispute.as_view(), name="raise-dispute"),
    path("tranches/<int:pk>/suspend/", tranche.SuspendRelease.as_view(), name="suspend-release"),
    path("tranches/<int:pk>/lift-suspension/", tranche.LiftSuspension.as_view(), name="lift-suspension"),
    path("tranches/<int:pk>/settlement/", tranche.ProposeSettlement.as_view(), name="propose-settlement"),
    path("tranches/<int:pk>/adjustment/", tranche.ProposeAdjustment.as_view(), name="propose-adjustment"),
    path("tranches/<int:pk>/award/", tranche.FileAward.as_view(), name="file-award"),
    path("instruments/<int:pk>/", reads.InstrumentDetail.as_view(), name="instrument-detail"),
    path("instruments/<int:pk>/sign/", instrument.SignInstrument.as_view(), name="sign-instrument"),
    path("instruments/<int:pk>/decline/", instrument.DeclineInstrument.as_view(), name="decline-instrument"),
    path("documents/<int:pk>/", reads.DocumentDetail.as_view(), name="document-detail"),
    path("documents/<int:pk>/download/", reads.DocumentDownload.as_view(), name="document-download"),
]

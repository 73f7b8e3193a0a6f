"""The call-back before a release (issue 10 item 2; EA 3.2 four eyes plus the banks' call-back practice):
an officer records it, staff waive or restore it per deal. Both call the same actions as the pages."""

from django.utils.translation import gettext as _
from rest_framework import serializers, status

from escrow import actions
from escrow.api import access
from escrow.api.views.base import ActionView, documented
from escrow.contract.errors import NotFound
from escrow.models import CallBack, Deal
from escrow.usecases.permissions import require_staff


class CallBackInput(serializers.Serializer):
    """Whom the officer called (a register entry's id) and the answer; the number comes from the register."""

    signatory = serializers.IntegerField(min_value=1)
    outcome = serializers.ChoiceField(choices=CallBack.Outcome.choices)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class WaiverInput(serializers.Serializer):
    """Waive (true) or restore (false) the call-back on the deal, saying why."""

    waived = serializers.BooleanField()
    reason = serializers.CharField(max_length=4000)


class CallBackSerializer(serializers.ModelSerializer):
    signatory_name = serializers.CharField(source="signatory.name")
    signatory_title = serializers.CharField(source="signatory.title")
    signatory_party = serializers.CharField(source="signatory.party.role")
    officer = serializers.CharField(source="officer.username")
    tranche = serializers.IntegerField(source="tranche_id")
    instrument = serializers.IntegerField(source="instrument_id")

    class Meta:
        model = CallBack
        fields = [
            "id",
            "tranche",
            "instrument",
            "instrument_sha256",
            "officer",
            "signatory",
            "signatory_name",
            "signatory_title",
            "signatory_party",
            "number_called",
            "called_at",
            "outcome",
            "note",
        ]


class WaiverSerializer(serializers.ModelSerializer):
    class Meta:
        model = Deal
        fields = ["id", "slug", "call_back_waived", "call_back_waiver_reason"]


@documented
class RecordCallBack(ActionView):
    """Issue 10 item 2, EA 3.2: an escrow-agent officer records the call-back that confirmed (or did not) the
    effective joint instruction with a registered signatory of the issuer or the purchaser, other than the
    person who signed last. The number called is the register's."""

    input_class = CallBackInput
    output_class = CallBackSerializer
    status_code = status.HTTP_201_CREATED

    def find(self, user, ref):
        return access.tranche_for(user, ref)

    def act(self, request, tranche, data):
        return actions.record_call_back(
            request.user, tranche.pk, signatory_id=data["signatory"], outcome=data["outcome"], note=data["note"]
        )

    def result(self, request, tranche, acted):
        return acted


@documented
class CallBackWaiver(ActionView):
    """Issue 10 item 2: staff with escrow.change_deal waive the call-back before release on a deal, or
    restore it, saying why; recorded in the deal's history and told to every party. Anyone else gets 403."""

    input_class = WaiverInput
    output_class = WaiverSerializer
    lookup_kwarg = "ref"

    def find(self, user, ref):
        # Platform work: the permission first (403 for everyone else, parties included), then the deal.
        require_staff(user, "set_call_back_waiver")
        lookup = {"pk": ref} if str(ref).isdigit() else {"slug": ref}
        deal = Deal.objects.filter(**lookup).first()
        if deal is None:
            raise NotFound(_("No such deal."))
        return deal

    def act(self, request, deal, data):
        return actions.set_call_back_waiver(request.user, deal, waived=data["waived"], reason=data["reason"])

    def result(self, request, deal, acted):
        return acted

"""The deal's signatory register over the API (issue 10 item 1): read it, propose an addition or a removal,
confirm (an escrow-agent officer other than the proposer), object (any party, before it takes effect).

Input shapes and output live here, beside the endpoints, so the register is one file; the actions decide."""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from escrow.actions import register as actions
from escrow.api import access
from escrow.api.views.base import ERRORS, ActionView, EscrowAPIView, documented
from escrow.contract.errors import InvalidInput
from escrow.models import DealParty
from escrow.queries.register import register_for

# --- output ---------------------------------------------------------------------------------------


class SignatoryOut(serializers.Serializer):
    id = serializers.IntegerField()
    person = serializers.IntegerField(source="person_id")
    name = serializers.CharField()
    title = serializers.CharField()
    phone = serializers.CharField()
    email = serializers.CharField()
    effective_at = serializers.DateTimeField(allow_null=True, help_text="in effect from (null: not yet confirmed)")
    removed_at = serializers.DateTimeField(allow_null=True, help_text="a confirmed removal takes effect then")
    active = serializers.SerializerMethodField()

    def get_active(self, entry) -> bool:
        return entry.is_active_at(self.context["at"])


class ChangeOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    state = serializers.CharField()
    party = serializers.IntegerField(source="party_id")
    signatory = SignatoryOut()
    from_agreement = serializers.BooleanField()
    reason = serializers.CharField()
    proposed_by = serializers.CharField()
    proposed_at = serializers.DateTimeField()
    cooling_off_ends_at = serializers.DateTimeField()
    confirmed_by = serializers.CharField(allow_null=True)
    confirmed_at = serializers.DateTimeField(allow_null=True)
    takes_effect_at = serializers.DateTimeField(allow_null=True)
    objected_by = serializers.CharField(allow_null=True)
    objected_at = serializers.DateTimeField(allow_null=True)
    objection = serializers.CharField()


class PartyRegisterOut(serializers.Serializer):
    party = serializers.IntegerField(source="party.pk")
    role = serializers.CharField(source="party.role")
    organisation = serializers.CharField(source="party.organisation.name")
    signatories = SignatoryOut(source="entries", many=True)
    may_propose = serializers.BooleanField()
    may_remove = serializers.BooleanField()


class RegisterOut(serializers.Serializer):
    """Every contracting party's register, the changes still open to objection, and what the caller may do."""

    at = serializers.DateTimeField()
    parties = PartyRegisterOut(many=True)
    pending = ChangeOut(many=True)
    may_confirm = serializers.BooleanField()
    may_object = serializers.BooleanField()


# --- input ----------------------------------------------------------------------------------------


class ProposeInput(serializers.Serializer):
    party = serializers.IntegerField(min_value=1, help_text="the DealParty id (see the deal's parties)")
    person = serializers.IntegerField(min_value=1, help_text="the person's id; a person of that party")
    title = serializers.CharField(max_length=200)
    phone = serializers.CharField(max_length=50, help_text="the number the escrow agent calls back")
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    specimen = serializers.CharField(required=False, allow_blank=True, default="")


class RemoveInput(serializers.Serializer):
    signatory = serializers.IntegerField(min_value=1)
    reason = serializers.CharField(max_length=2000)


class ConfirmInput(serializers.Serializer):
    change = serializers.IntegerField(min_value=1)


class ObjectInput(serializers.Serializer):
    change = serializers.IntegerField(min_value=1)
    reason = serializers.CharField(max_length=2000)


# --- endpoints ------------------------------------------------------------------------------------


def _present(view, user, deal):
    register = register_for(user, deal)
    return RegisterOut(register, context={"request": view.request, "at": register.at}).data


class Register(EscrowAPIView):
    """The deal's signatory register (issue 10 item 1): who signs or approves for each party."""

    @extend_schema(responses={200: RegisterOut, **ERRORS})
    def get(self, request, ref):
        deal = access.deal_for(request.user, ref, "view_register")
        return Response(_present(self, request.user, deal))


class RegisterAction(ActionView):
    output_class = RegisterOut
    lookup_kwarg = "ref"

    def find(self, user, ref):
        return access.deal_for(user, ref, "view_deal")

    def post(self, request, **kwargs):
        deal = self.find(request.user, kwargs[self.lookup_kwarg])
        self.act(request, deal, self.validated(request))
        return Response(_present(self, request.user, deal), status=self.status_code)


@documented
class ProposeSignatory(RegisterAction):
    """Propose adding a person to a party's register: by a current signatory of that party (the first one by
    an escrow-agent officer, from the signed agreement). Every party is notified and may object."""

    input_class = ProposeInput
    status_code = status.HTTP_201_CREATED

    def act(self, request, deal, data):
        party = DealParty.objects.filter(pk=data["party"], deal=deal).first()
        person = get_user_model().objects.filter(pk=data["person"], organisation__isnull=False).first()
        if party is None or person is None or person.organisation_id != party.organisation_id:
            raise InvalidInput(_("No person of that party has that id."))
        fields = {k: data[k] for k in ("title", "phone", "email", "specimen")}
        return actions.propose_signatory(request.user, deal, party, person, **fields)


@documented
class ProposeRemoval(RegisterAction):
    """Propose taking a signatory off the register: by a current signatory of the same party."""

    input_class = RemoveInput
    status_code = status.HTTP_201_CREATED

    def act(self, request, deal, data):
        return actions.propose_signatory_removal(request.user, deal, data["signatory"], reason=data["reason"])


@documented
class ConfirmChange(RegisterAction):
    """An escrow-agent officer other than the proposer confirms; the change takes effect at the later of now
    and the end of the cooling-off period (SIGNATORY_COOLING_OFF_HOURS after the proposal)."""

    input_class = ConfirmInput

    def act(self, request, deal, data):
        _of_deal(deal, data["change"])
        return actions.confirm_register_change(request.user, data["change"])


@documented
class ObjectToChange(RegisterAction):
    """Any party objects to a change before it takes effect; the change is cancelled, with the reason."""

    input_class = ObjectInput

    def act(self, request, deal, data):
        _of_deal(deal, data["change"])
        return actions.object_to_register_change(request.user, data["change"], reason=data["reason"])


def _of_deal(deal, change_id):
    if not deal.register_changes.filter(pk=change_id).exists():
        raise InvalidInput(_("No change of this deal's register has that id."))

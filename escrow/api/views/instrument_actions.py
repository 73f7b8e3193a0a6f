"""Signing an instrument's exact bytes (EA 3.1(b) joint instruction, EA 3.3 settlement, SPA 5.3 adjustment)."""

from rest_framework import status

from escrow import actions
from escrow.api import access, inputs
from escrow.api import serializers as out
from escrow.api.views.base import ActionView, client_ip, documented, user_agent


@documented
class SignInstrument(ActionView):
    """Sign for your party: the SHA-256 of the document you reviewed, and your password or TOTP code."""

    input_class = inputs.SignInput
    output_class = out.InstrumentSerializer

    def find(self, user, ref):
        return access.instrument_for(user, ref)

    def act(self, request, instrument, data):
        return actions.sign_instrument(
            request.user,
            instrument.pk,
            expected_sha256=data["expected_sha256"],
            password=data.get("password"),
            otp_token=data.get("otp_token"),
            ip=client_ip(request),
            user_agent=user_agent(request),
        )


@documented
class DeclineInstrument(ActionView):
    """Issue 12 item 8: decline to sign for your party, saying why. Not a dispute (EA 3.3): the instrument
    stays open and the other parties and the escrow agent are told."""

    input_class = inputs.DeclineInput
    output_class = out.DeclineSerializer
    status_code = status.HTTP_201_CREATED

    def find(self, user, ref):
        return access.instrument_for(user, ref)

    def act(self, request, instrument, data):
        return actions.decline_to_sign(request.user, instrument.pk, reason=data["reason"])

    def result(self, request, instrument, decline):
        return decline

"""Signing an instrument's exact bytes (EA 3.1(b) joint instruction, EA 3.3 settlement, SPA 5.3 adjustment)."""

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

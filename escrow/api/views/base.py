"""The API's base views: authentication, the error shape, and the action-endpoint recipe."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from escrow.api import access
from escrow.api.errors import exception_handler
from escrow.api.serializers import ErrorSerializer
from parties import twofactor
from parties.authentication import ApiTokenAuthentication
from parties.client import client_ip, user_agent  # noqa: F401  (used by the signing endpoints)

ERRORS = {400: ErrorSerializer, 401: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer, 409: ErrorSerializer}


class EnrolledWhenRequired(BasePermission):
    """Issue 10 item 3: with TWO_FACTOR_REQUIRED on, a person who must enrol can do nothing but enrol, by
    token as by session (parties.middleware refuses the session; a token never reaches it)."""

    @property
    def message(self):
        return twofactor.enrol_first_message()

    def has_permission(self, request, view):
        return not (twofactor.enforced() and twofactor.needs_enrolment(request.user))


class EscrowAPIView(APIView):
    """Token first (parties' systems get a 401 with WWW-Authenticate: Token; per-person tokens, issue 10
    item 3: parties.authentication), then the browser session.
    Authority comes from the deal roles checked by the actions, never from is_staff (DESIGN.md)."""

    authentication_classes = [ApiTokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated, EnrolledWhenRequired]

    def get_exception_handler(self):
        return exception_handler

    def present(self, serializer_class, obj, **kwargs):
        return serializer_class(obj, context={"request": self.request}, **kwargs).data


class ActionView(EscrowAPIView):
    """POST: find the target the person may see (404 otherwise), validate the input's shape (400),
    call one action (its DomainError becomes 400/403/404/409), present the result."""

    input_class = None
    output_class = None
    status_code = status.HTTP_200_OK
    lookup_kwarg = "pk"

    def find(self, user, ref):
        raise NotImplementedError

    def act(self, request, target, data):
        raise NotImplementedError

    def result(self, request, target, acted):
        """The object to present after the action, re-read so it shows the committed state."""
        return self.find(request.user, target.pk)

    def post(self, request, **kwargs):
        target = self.find(request.user, kwargs[self.lookup_kwarg])
        data = self.validated(request)
        acted = self.act(request, target, data)
        return Response(self.present(self.output_class, self.result(request, target, acted)), status=self.status_code)

    def validated(self, request):
        serializer = self.input_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


class ActionOnDeal(ActionView):
    """An action on one deal, named by its id or slug in the URL (`ref`): 404 without a role on the deal, and
    the action itself refuses the other roles (403)."""

    lookup_kwarg = "ref"

    def find(self, user, ref):
        return access.deal_for(user, ref)

    def committed(self, request, deal):
        """The deal re-read after the action, as committed (for the result)."""
        return access.deal_for(request.user, deal.pk)


def documented(cls):
    """OpenAPI for an ActionView: its input, output and the error shape, described by its docstring."""
    doc = (cls.__doc__ or "").strip()
    return extend_schema_view(
        post=extend_schema(
            summary=doc.splitlines()[0] if doc else None,
            description=doc,
            request=cls.input_class,
            responses={cls.status_code: cls.output_class, **ERRORS},
        )
    )(cls)

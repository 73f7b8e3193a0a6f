"""The OpenAPI schema and the interactive API page (Swagger UI), served from the drf-spectacular-sidecar
package ('self'). Swagger UI sets inline styles while it renders, so this page alone allows them; scripts
stay 'self'. Both need sign-in: the schema maps every deal action, and is no one's business but the
parties' systems and staff (confidential by default, SPA 9)."""

from csp.decorators import csp_update
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import AuthenticationFailed, NotAuthenticated, PermissionDenied
from rest_framework.permissions import IsAuthenticated

from escrow.api.views.base import EnrolledWhenRequired
from parties import twofactor
from parties.authentication import ApiTokenAuthentication

# Token first: a party's system without a token gets 401 with WWW-Authenticate: Token, as everywhere in the API.
AUTHENTICATION = [ApiTokenAuthentication, SessionAuthentication]
# Someone who must enrol two-factor first reads nothing else, the schema included (issue 10 item 3).
PERMISSIONS = [IsAuthenticated, EnrolledWhenRequired]


class ApiSchema(SpectacularAPIView):
    """GET /api/schema/: the OpenAPI document, for a signed-in person or a token only (401 otherwise)."""

    authentication_classes = AUTHENTICATION
    permission_classes = PERMISSIONS


@method_decorator(csp_update({"style-src": ["'unsafe-inline'"], "img-src": ["data:"]}), name="dispatch")
class ApiDocs(SpectacularSwaggerSplitView):
    """GET /api/docs/: a browser page, so an anonymous visitor is sent to sign in rather than shown a 401."""

    url_name = "api:schema"
    authentication_classes = AUTHENTICATION
    permission_classes = PERMISSIONS

    def handle_exception(self, exc):
        if isinstance(exc, NotAuthenticated | AuthenticationFailed):
            return redirect_to_login(self.request.get_full_path())
        if isinstance(exc, PermissionDenied) and twofactor.needs_enrolment(self.request.user):
            return redirect(f"{reverse('two_factor_setup')}?{urlencode({'next': self.request.get_full_path()})}")
        return super().handle_exception(exc)

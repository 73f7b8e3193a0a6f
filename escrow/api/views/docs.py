"""The OpenAPI schema and the interactive API page (Swagger UI), served from the drf-spectacular-sidecar
package ('self'). Swagger UI sets inline styles while it renders, so this page alone allows them; scripts
stay 'self'. Both need sign-in: the schema maps every deal action, and is no one's business but the
parties' systems and staff (confidential by default, SPA 9)."""

from csp.decorators import csp_update
from django.contrib.auth.views import redirect_to_login
from django.utils.decorators import method_decorator
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed, NotAuthenticated
from rest_framework.permissions import IsAuthenticated

# Token first: a party's system without a token gets 401 with WWW-Authenticate: Token, as everywhere in the API.
AUTHENTICATION = [TokenAuthentication, SessionAuthentication]


class ApiSchema(SpectacularAPIView):
    """GET /api/schema/: the OpenAPI document, for a signed-in person or a token only (401 otherwise)."""

    authentication_classes = AUTHENTICATION
    permission_classes = [IsAuthenticated]


@method_decorator(csp_update({"style-src": ["'unsafe-inline'"], "img-src": ["data:"]}), name="dispatch")
class ApiDocs(SpectacularSwaggerSplitView):
    """GET /api/docs/: a browser page, so an anonymous visitor is sent to sign in rather than shown a 401."""

    url_name = "api:schema"
    authentication_classes = AUTHENTICATION
    permission_classes = [IsAuthenticated]

    def handle_exception(self, exc):
        if isinstance(exc, NotAuthenticated | AuthenticationFailed):
            return redirect_to_login(self.request.get_full_path())
        return super().handle_exception(exc)

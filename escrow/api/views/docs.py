"""The interactive API page (Swagger UI), served from the drf-spectacular-sidecar package ('self').
Swagger UI sets inline styles while it renders, so this page alone allows them; scripts stay 'self'."""

from csp.decorators import csp_update
from django.utils.decorators import method_decorator
from drf_spectacular.views import SpectacularSwaggerSplitView


@method_decorator(csp_update({"style-src": ["'unsafe-inline'"], "img-src": ["data:"]}), name="dispatch")
class ApiDocs(SpectacularSwaggerSplitView):
    url_name = "api:schema"

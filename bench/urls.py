"""Every route of the portal plus the floors a page or an API list is compared with (issue 13 item 5).

Both go through the same middleware and need a signed-in person (session, user and OTP device are read):
- /bench/bare/: an empty page in the portal's layout (base.html: menu, language switch, two-factor
  banner), which every page renders around its content;
- /bench/bare-api/: an empty list from an API view with the API's authentication and permission checks.
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path
from rest_framework.response import Response

from config.urls import urlpatterns as portal
from escrow.api.views.base import EscrowAPIView


@login_required
def bare(request):
    return render(request, "base.html", {})


class BareApi(EscrowAPIView):
    def get(self, request):
        return Response([])


urlpatterns = [
    path("bench/bare/", bare, name="bench-bare"),
    path("bench/bare-api/", BareApi.as_view(), name="bench-bare-api"),
    *portal,
]

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from escrow.permissions import deals_visible_to


@login_required
def dashboard(request):
    return render(request, "escrow/dashboard.html", {"deals": deals_visible_to(request.user)})

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    # Ours first: its login view (two steps, enrolment) shadows the one in django.contrib.auth.urls.
    path("accounts/", include("parties.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("escrow.api.urls")),
    path("", include("escrow.urls")),
]

from django.contrib import admin
from django.urls import include, path

from parties.language import set_language

urlpatterns = [
    path("admin/", admin.site.urls),
    # Ours first: its login view (two steps, enrolment) shadows the one in django.contrib.auth.urls.
    path("accounts/", include("parties.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    # Before Django's own: the same view, which also stores a signed-in person's choice (parties/language.py).
    path("i18n/setlang/", set_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("escrow.api.urls")),
    path("", include("escrow.urls")),
]

"""Mounted under accounts/ before django.contrib.auth.urls, so this login view wins.

No namespace: "login" must stay the name settings.LOGIN_URL and Django's views use.
"""

from django.urls import path

from . import views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/code/", views.login_otp, name="login_otp"),
    path("two-factor/", views.two_factor_setup, name="two_factor_setup"),
    path("tokens/", views.api_tokens, name="api_tokens"),
    path("organisation/", views.organisation_name, name="organisation_name"),
    path("tokens/<int:pk>/revoke/", views.revoke_api_token, name="revoke_api_token"),
]

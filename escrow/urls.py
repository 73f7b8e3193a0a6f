from django.urls import path

from .views import dashboard

app_name = "escrow"
urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
]

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EscrowConfig(AppConfig):
    name = "escrow"
    verbose_name = _("Escrow")

    def ready(self):
        from escrow.history import logins  # noqa: F401  (login / failed-login history)

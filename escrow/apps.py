from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EscrowConfig(AppConfig):
    name = "escrow"
    verbose_name = _("Escrow")

    def ready(self):
        from escrow.actions.people import record_parties_change
        from escrow.history import logins  # noqa: F401  (sign-in history: Django's auth signals)
        from parties.actions import register_listener

        # People and organisations are written by parties.actions, which may not import escrow: it calls
        # this listener inside each action's transaction (account/reference history, deal visibility).
        register_listener(record_parties_change)

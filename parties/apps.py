from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartiesConfig(AppConfig):
    name = "parties"
    verbose_name = _("Parties and people")

    def ready(self):
        from . import language  # noqa: F401  (user_logged_in: the person's language, see language.py)

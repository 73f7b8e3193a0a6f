"""Organisations and the people who act for them.

A person acts for exactly one organisation; what the organisation may do on a deal is decided by
the role it plays on that deal (escrow.DealParty), never by flags on the person.
Both are written only by parties.actions (add, move, deactivate, rename), which the admin, the pages,
the commands and the tests call, so every change is in the history with who made it.
"""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Organisation(models.Model):
    """A legal entity or natural person that can be a party to a deal."""

    class Kind(models.TextChoices):
        COMPANY = "company", _("Company")
        NATURAL_PERSON = "natural_person", _("Natural person")
        ACCOUNTING_FIRM = "accounting_firm", _("Accounting firm")
        PLATFORM = "platform", _("Platform operator")

    name = models.CharField(_("legal name"), max_length=200, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.COMPANY)
    jurisdiction = models.CharField(_("jurisdiction"), max_length=100)
    registration_number = models.CharField(_("registration number"), max_length=100, blank=True)
    address = models.TextField(_("notice address (SPA 11.3)"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self):
        return self.name


class User(AbstractUser):
    """A person. Authority to act on a deal comes from the organisation's role on it."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("acts for"),
        on_delete=models.PROTECT,
        related_name="people",
        null=True,
        blank=True,
    )
    title = models.CharField(_("title"), max_length=100, blank=True)
    language = models.CharField(_("preferred language"), max_length=10, default="en")

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self):
        return self.get_full_name() or self.username


class ReauthFailures(models.Model):
    """Wrong answers at signing or approving, per person (escrow.actions.reauth): in the database, not the
    cache, so signing works while Redis is down. Written on a connection of its own, because the
    action's transaction rolls back on the refusal; hence no foreign-key constraint (the person's row may
    not be committed yet in a test's transaction) and people are never deleted."""

    user = models.OneToOneField(
        User, on_delete=models.DO_NOTHING, db_constraint=False, primary_key=True, related_name="+"
    )
    failures = models.PositiveIntegerField(default=0)
    last_failure_at = models.DateTimeField()

    class Meta:
        verbose_name = _("re-authentication failures")
        verbose_name_plural = _("re-authentication failures")

    def __str__(self):
        return f"{self.user_id}: {self.failures}"


class ApiToken(models.Model):
    """A person's key for the API (issue 10 item 3): one per system or script, listed and revocable by its
    owner and by staff. Only the SHA-256 of the secret is stored; the secret is shown once, at creation
    (parties.actions.create_token). Written only by parties.actions, except the last-use stamp, which
    parties.authentication writes as the token is used."""

    user = models.ForeignKey(User, verbose_name=_("person"), on_delete=models.PROTECT, related_name="api_tokens")
    label = models.CharField(_("label"), max_length=100)
    key_hash = models.CharField(_("SHA-256 of the secret"), max_length=64, unique=True, editable=False)
    hint = models.CharField(_("first characters"), max_length=8, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_ip = models.GenericIPAddressField(_("created from"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(_("last used from"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, verbose_name=_("revoked by"), on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        permissions = [("revoke_apitoken", _("Can revoke anyone's API token"))]

    def __str__(self):
        return f"{self.label} ({self.hint}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

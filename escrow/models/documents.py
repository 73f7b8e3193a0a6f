"""Stored documents, the instruments parties sign, and signatures over exact bytes."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def document_path(instance, filename):
    # Content-addressed: the path never reveals the deal, and a file is never overwritten.
    return f"{instance.deal_id}/{instance.sha256[:2]}/{instance.sha256}.pdf"


class StoredDocument(models.Model):
    """A PDF kept with its SHA-256; served only through a permission check, never deleted."""

    class Kind(models.TextChoices):
        AUDIT_REPORT = "audit_report", _("Audited revenue report (EA 3.1(a))")
        JOINT_INSTRUCTION = "joint_instruction", _("Joint written instruction (EA 3.1(b))")
        SETTLEMENT = "settlement", _("Settlement agreement (EA 3.3)")
        AWARD = "award", _("Arbitral award or court ruling (EA 3.3)")
        ADJUSTMENT = "adjustment", _("Written adjustment agreement (SPA 5.3)")
        HISTORY_EXPORT = "history_export", _("History export")
        # Issue 11 items 2-3: the instrument's pages, its certificate of completion, sealed by the platform.
        SIGNED_INSTRUMENT = "signed_instrument", _("Signed instrument with certificate of completion, sealed")
        # Issue 11 item 4: the transfer agent's confirmation of the deposit (EA 1.1) or of a release (EA 3.2).
        TRANSFER_CONFIRMATION = "transfer_confirmation", _("Transfer agent's confirmation (EA 1.1, 3.2)")

    deal = models.ForeignKey("escrow.Deal", on_delete=models.PROTECT, related_name="documents")
    tranche = models.ForeignKey(
        "escrow.Tranche", on_delete=models.PROTECT, null=True, blank=True, related_name="documents"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    file = models.FileField(upload_to=document_path)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    original_name = models.CharField(max_length=255, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["uploaded_at"]
        constraints = [
            models.CheckConstraint(condition=Q(size__gt=0), name="document_not_empty"),
            models.CheckConstraint(condition=Q(size__lte=20 * 1024 * 1024), name="document_at_most_20mb"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.sha256[:12]}"


class Instrument(models.Model):
    """A document that takes effect when every required party has signed its exact bytes.

    Joint instruction (EA 3.1(b): issuer + purchaser), settlement (EA 3.3: all four parties),
    adjustment (SPA 5.3: all four parties). Once signed it never changes: a new quantity means a
    new instrument, and the old one stays on record as superseded.
    """

    class Kind(models.TextChoices):
        JOINT_INSTRUCTION = "joint_instruction", _("Joint written instruction (EA 3.1(b))")
        SETTLEMENT = "settlement", _("Settlement agreement (EA 3.3)")
        ADJUSTMENT = "adjustment", _("Adjustment agreement (SPA 5.3)")

    class Status(models.TextChoices):
        OPEN = "open", _("Awaiting signatures")
        EFFECTIVE = "effective", _("Signed by every required party")
        SUPERSEDED = "superseded", _("Superseded")

    tranche = models.ForeignKey("escrow.Tranche", on_delete=models.PROTECT, related_name="instruments")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    document = models.OneToOneField(StoredDocument, on_delete=models.PROTECT, related_name="instrument")
    # The signed instrument (issue 11 items 2-3): made once, when the last required signature arrives.
    sealed_document = models.OneToOneField(
        StoredDocument, on_delete=models.PROTECT, null=True, blank=True, related_name="sealed_instrument"
    )
    quantity = models.PositiveBigIntegerField(_("shares to release"))
    release_due_date = models.DateField(_("new release date (SPA 5.3)"), null=True, blank=True)
    required_roles = models.JSONField(default=list)
    reason = models.TextField(blank=True)
    calculation = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    effective_at = models.DateTimeField(null=True, blank=True)
    superseded_by = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="supersedes"
    )

    class Meta:
        ordering = ["tranche", "created_at"]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.tranche} — {self.quantity:,} shares"


class Signature(models.Model):
    """A person's signature for a party over the SHA-256 of the exact bytes of a document."""

    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="signatures")
    party = models.ForeignKey("escrow.DealParty", on_delete=models.PROTECT, related_name="signatures")
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="signatures")
    sha256 = models.CharField(max_length=64)
    signed_at = models.DateTimeField()
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    auth_method = models.CharField(max_length=20)

    class Meta:
        ordering = ["signed_at"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "party"], name="one_signature_per_party"),
            # One person cannot sign for two parties of the same document.
            models.UniqueConstraint(fields=["instrument", "signer"], name="one_signature_per_person"),
        ]

    def __str__(self):
        return f"{self.signer} for {self.party.organisation} on {self.instrument}"


class Decline(models.Model):
    """A signatory's refusal to sign an instrument, with the reason (issue 12 item 8). Not a dispute (EA 3.3):
    the instrument stays open and the tranche where it was; the party may still sign it later."""

    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="declines")
    party = models.ForeignKey("escrow.DealParty", on_delete=models.PROTECT, related_name="declines")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"))
    declined_at = models.DateTimeField()

    class Meta:
        ordering = ["declined_at"]
        constraints = [
            # A party's decline stands until it signs or a new document replaces this one: once is enough.
            models.UniqueConstraint(fields=["instrument", "party"], name="one_decline_per_party"),
        ]

    def __str__(self):
        return f"{self.party.organisation} declined {self.instrument}"

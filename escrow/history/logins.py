"""Logins and failed logins go into the account-security chain of the history (issue: history)."""
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.conf import settings
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from parties.client import client_ip, user_agent


def _client(request):
    return client_ip(request), user_agent(request)


@receiver(user_logged_in)
def record_login(sender, request, user, **kwargs):
    from escrow.history.chain import record_account_event

    ip, agent = _client(request)
    record_account_event("login", actor=user, details={"ip": ip, "user_agent": agent})


@receiver(user_login_failed)
def record_failed_login(sender, credentials, request=None, **kwargs):
    from escrow.history.chain import record_account_event

    ip, agent = _client(request)
    username = (credentials or {}).get("username", "")
    record_account_event("login_failed", actor=None, details={"username": username, "ip": ip, "user_agent": agent})


MEMBERSHIP = ("organisation_id", "is_active")


@receiver(pre_save, sender=settings.AUTH_USER_MODEL)
def remember_membership(sender, instance, raw=False, **kwargs):
    if raw or not instance.pk:
        instance._membership_before = None
        return
    instance._membership_before = sender.objects.filter(pk=instance.pk).values_list(*MEMBERSHIP).first()


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def keep_deal_visibility_in_step(sender, instance, created=False, raw=False, update_fields=None, **kwargs):
    """A person created, moved to another organisation or deactivated (in the admin, say) sees
    exactly the deals their organisation is a party to (SPA 9), and the change is in the account
    history. Deal-side changes sync in actions."""
    if raw or (update_fields and not {"organisation", "is_active"} & set(update_fields)):
        return  # e.g. the last_login stamp of every sign-in
    from escrow.history.chain import record_account_event
    from escrow.actions.visibility import sync_person_permissions

    before = getattr(instance, "_membership_before", None)
    after = tuple(getattr(instance, field) for field in MEMBERSHIP)
    if created or (before is not None and before != after):
        record_account_event("membership_changed", actor=None, details={
            "person": instance.username, "organisation": str(instance.organisation or ""),
            "organisation_id": instance.organisation_id,
            "organisation_before": before[0] if before else None, "active": instance.is_active,
            "active_before": before[1] if before else None, "created": created})
    sync_person_permissions(instance)

"""Logins and failed logins go into the account-security chain of the history (issue: history)."""
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver


def _client(request):
    if request is None:
        return None, ""
    return request.META.get("REMOTE_ADDR"), request.META.get("HTTP_USER_AGENT", "")[:500]


@receiver(user_logged_in)
def record_login(sender, request, user, **kwargs):
    from escrow.history import record_account_event

    ip, agent = _client(request)
    record_account_event("login", actor=user, details={"ip": ip, "user_agent": agent})


@receiver(user_login_failed)
def record_failed_login(sender, credentials, request=None, **kwargs):
    from escrow.history import record_account_event

    ip, agent = _client(request)
    username = (credentials or {}).get("username", "")
    record_account_event("login_failed", actor=None, details={"username": username, "ip": ip, "user_agent": agent})


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def keep_deal_visibility_in_step(sender, instance, raw=False, update_fields=None, **kwargs):
    """A person created, moved to another organisation or deactivated (in the admin, say) sees
    exactly the deals their organisation is a party to (SPA 9). Deal-side changes sync in actions."""
    if raw or (update_fields and not {"organisation", "is_active"} & set(update_fields)):
        return  # e.g. the last_login stamp of every sign-in
    from escrow.permissions import sync_person_permissions

    sync_person_permissions(instance)

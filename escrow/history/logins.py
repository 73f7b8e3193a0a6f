"""Sign-ins and failed sign-ins go into the account-security chain of the history ("accounts").

These are receivers of Django's auth signals, and rightly so: a sign-in writes no business data, only
its own history entry, and user_logged_in / user_login_failed are the one hook every login path passes
(our two-step login, the admin's login form, the code step's wrong codes). People and organisations are
written by parties.actions, which tell escrow explicitly (escrow/actions/people.py): no pre_save or
post_save receiver writes history or deal permissions.
"""

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from escrow.history.chain import record_account_event
from escrow.models import HistoryAction
from parties.client import client_ip, user_agent


@receiver(user_logged_in)
def record_login(sender, request, user, **kwargs):
    record_account_event(
        HistoryAction.LOGIN, actor=user, details={"ip": client_ip(request), "user_agent": user_agent(request)}
    )


@receiver(user_login_failed)
def record_failed_login(sender, credentials, request=None, **kwargs):
    username = (credentials or {}).get("username", "")
    record_account_event(
        HistoryAction.LOGIN_FAILED,
        actor=None,
        details={"username": username, "ip": client_ip(request), "user_agent": user_agent(request)},
    )

"""--by USERNAME: the person a command acts as. Commands are interfaces like the pages: the action checks
what that person may do and the history names them."""

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError


def person(username):
    """The active person with this username, or a CommandError that says so."""
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"--by {username}: nobody has that username.")
    if not user.is_active:
        raise CommandError(f"--by {username}: that account is deactivated.")
    return user

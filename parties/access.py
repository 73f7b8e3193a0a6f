"""Platform administration: who may administer the platform (deals, reference data, people).

The one test, used by parties' actions and by escrow.usecases.permissions.require_staff alike: an
active staff account holding the Django model permission. It never gives a contract role (DESIGN.md
"Roles"): signing and approving come from the deal, not from staff flags.
"""


def administers(user, permission: str) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_staff and user.has_perm(permission))

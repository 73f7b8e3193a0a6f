"""Which deals a person may see (SPA 9), and finding one: 404 for no role, never 403."""
from django.utils.translation import gettext as _
from guardian.shortcuts import get_objects_for_user

from escrow.contract.errors import NotFound
from escrow.models import Deal


def deals_visible_to(user):
    if not user or not user.is_authenticated:
        return Deal.objects.none()
    return get_objects_for_user(user, "escrow.view_deal", klass=Deal, with_superuser=False,
                                accept_global_perms=False)


def get_deal_for(user, slug_or_pk) -> Deal:
    """The deal if the person may see it; NotFound (404) otherwise, never 403 (SPA 9)."""
    lookup = {"pk": slug_or_pk} if str(slug_or_pk).isdigit() else {"slug": slug_or_pk}
    deal = deals_visible_to(user).filter(**lookup).first()
    if deal is None:
        raise NotFound(_("No such deal."))
    return deal

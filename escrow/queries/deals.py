"""Which deals a person may see (SPA 9), and finding a deal or anything in it for a person.

The one lookup the pages and the API share: every object is found through the deals the person may
see (guardian, with_superuser=False) and the ROLE_ACTIONS table, so someone with no role on the deal
gets NotFound (404) for the deal and everything in it, never 403, with the same message whether or
not the object exists. The interfaces only translate NotFound (escrow.views.common: Http404;
escrow.api: the API's 404).
"""

from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Page, Paginator
from django.db.models import OuterRef, Q, Subquery
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from escrow.contract.errors import NotFound
from escrow.models import Deal, DealParty, Instrument, StoredDocument, Tranche
from escrow.queries.rows import columns, loader, rows, width
from escrow.usecases.permissions import holds_signing_power, party_for, require, signing_power_sql
from parties.models import Organisation, User


def deals_visible_to(user):
    if not user or not user.is_authenticated:
        return Deal.objects.none()
    # Built once per user object (one request) and handed out as a fresh clone, so no caller sees another's
    # results (a page asks it up to four times).
    built = getattr(user, "_visible_deals", None)
    if built is None:
        own, groups = RawSQL(OWN_ROWS, _params(user)), RawSQL(GROUP_ROWS, _params(user))  # noqa: S611 (constant SQL, bound values)
        built = user._visible_deals = Deal.objects.filter(Q(pk__in=own) | Q(pk__in=groups))
    return built.all()


# guardian's rule for get_objects_for_user(user, "escrow.view_deal", klass=Deal, with_superuser=False,
# accept_global_perms=False): a view_deal row for the person (DealUserObjectPermission, a direct foreign key)
# or for one of their groups (guardian's generic GroupObjectPermission, object_pk as text). Guardian builds
# that query through the ORM on every request (3-5 ms of Python, about the bare page's whole time); this is
# the same SQL written once, two alias-free subqueries joined by OR as guardian's are (PostgreSQL hashes each),
# so it nests in any query (tests/escrow/queries/test_visible_deals.py compares it with guardian's answer).
OWN_ROWS = (
    "SELECT p.content_object_id FROM escrow_dealuserobjectpermission p"
    " JOIN auth_permission a ON a.id = p.permission_id"
    " WHERE p.user_id = %s AND a.content_type_id = %s AND a.codename = %s"
)
# The text key is cast in the select list only, i.e. for the rows the conditions kept (deals' keys).
GROUP_ROWS = (
    "SELECT CAST(g.object_pk AS bigint) FROM guardian_groupobjectpermission g"
    " JOIN auth_permission a ON a.id = g.permission_id"
    " JOIN parties_user_groups ug ON ug.group_id = g.group_id"
    " WHERE ug.user_id = %s AND a.content_type_id = %s AND a.codename = %s"
)


def visible_deals_sql(user, column):
    """The same rule as a condition on a deal id `column` of a hand-written query, with its parameters."""
    return f"({column} IN ({OWN_ROWS}) OR {column} IN ({GROUP_ROWS}))", _params(user) * 2


def _params(user):
    return (user.pk, ContentType.objects.get_for_model(Deal).pk, "view_deal")  # the type is cached per process


def my_role_on(user, deal_ref="pk"):
    """The person's current role on the deal `deal_ref` points at, as a subquery (issue 13 item 1): a list
    reads every deal's role with the deals themselves, in one query, instead of one look-up per deal
    (escrow.usecases.permissions.party_for, the same rule: the organisation's party that has not ended)."""
    parties = DealParty.objects.filter(
        deal=OuterRef(deal_ref), organisation_id=user.organisation_id, ended_at__isnull=True
    ).order_by("role")  # party_for's .first() in the model's order (deal, role)
    return Subquery(parties.values("role")[:1])


def visible_with_roles(user):
    """The deals the person sees, each with `my_role` annotated (None for a deal whose party has ended)."""
    return deals_visible_to(user).annotate(my_role=my_role_on(user))


class DealList:
    """`visible_with_roles(user).order_by("slug")` in hand-written SQL built once per process (issue 13 item 1:
    building and compiling the ORM's count and page cost 4,000 function calls a request, making the page's Deal
    objects through from_db 45 calls a deal): `page` is the dashboard's Paginator page and `window` the API's page
    with its total, each one query; count() and slices serve Paginator as a queryset would.
    tests/escrow/queries/test_deal_list_sql.py compares them with the ORM and Paginator."""

    def __init__(self, user):
        self.user = user
        self.seen = bool(user and user.is_authenticated)  # deals_visible_to's rule: no deals for anyone else

    def count(self) -> int:
        if not self.seen:
            return 0
        visible, params = visible_deals_sql(self.user, "d.id")
        return rows(f"SELECT COUNT(*) FROM escrow_deal d WHERE {visible}", params)[0][0]  # noqa: S608 (constant SQL)

    def __getitem__(self, part):
        if not isinstance(part, slice) or part.step is not None:
            raise TypeError("a DealList is read a page at a time")
        start, stop = part.start or 0, part.stop
        if not self.seen or (stop is not None and stop <= start):
            return []
        visible, params = visible_deals_sql(self.user, "d.id")
        sql = (
            f"SELECT {_DEAL_COLUMNS}, ({_MY_ROLE}) FROM escrow_deal d"  # noqa: S608 (constant SQL, bound values)
            f" WHERE {visible} ORDER BY d.slug LIMIT %s OFFSET %s"
        )
        limit = BIGGEST_ID if stop is None else stop - start
        return _deals(rows(sql, (self.user.organisation_id, *params, limit, start)))

    def window(self, offset, limit) -> tuple[list, int]:
        """(self[offset:offset + limit], self.count()) in one query: the API's page and its total."""
        if not self.seen:
            return [], 0
        deals, total, _offset = self._one_query("%s", (offset,), limit)
        return deals, total

    def page(self, number, per_page) -> Page:
        """Paginator(self, per_page).get_page(number) in one query: the page Paginator chooses (the first for a
        number that is not a whole number, the last for one out of range) is worked out in SQL from the count."""
        try:  # Paginator.validate_number's reading of the number
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            wanted = int(number)
        except (TypeError, ValueError):
            wanted = 1
        if not -BIGGEST_ID < wanted < BIGGEST_ID:  # out of range whatever the count: the last page, as Paginator says
            wanted = 0
        deals, total, offset = [], 0, 0
        if self.seen:
            pages = f"CASE WHEN n.total < 1 THEN 1 ELSE (n.total + {per_page:d} - 1) / {per_page:d} END"
            chosen = f"CASE WHEN %s >= 1 AND %s <= {pages} THEN %s ELSE {pages} END"
            chosen = f"(SELECT ({chosen} - 1) * {per_page:d} FROM n)"  # noqa: S608 (numbers and bound values only)
            deals, total, offset = self._one_query(chosen, (wanted,) * 3, per_page)
        paginator = Paginator(_Read(deals), per_page)
        paginator.count = total  # what count() answers: the query's own count
        page = paginator.get_page(number)
        if (page.number - 1) * per_page != offset:  # never (tests/escrow/queries/test_deal_list_sql.py): read it again
            page = Paginator(self, per_page).get_page(number)
        return page

    def _one_query(self, offset_sql, offset_params, limit):
        """The deals from an offset (SQL that may read the count, n.total), their total and the offset: the count and
        the page in one statement, the count on a row of its own when the page is empty (no deals, or past the end)."""
        visible, params = visible_deals_sql(self.user, "d.id")
        sql = (
            f"WITH v AS (SELECT d.id FROM escrow_deal d WHERE {visible}), n AS (SELECT COUNT(*) AS total FROM v)"  # noqa: S608
            f" SELECT p.*, n.total, {offset_sql} FROM n LEFT JOIN (SELECT {_DEAL_COLUMNS}, ({_MY_ROLE}) AS my_role"
            " FROM escrow_deal d WHERE d.id IN (SELECT v.id FROM v) ORDER BY d.slug"
            f" LIMIT %s OFFSET {offset_sql}) p ON 1 = 1 ORDER BY p.slug"  # (constant SQL, bound values)
        )
        found = rows(sql, (*params, *offset_params, self.user.organisation_id, limit, *offset_params))
        total, offset = found[0][-2:]
        return _deals(row[:-2] for row in found if row[0] is not None), total, offset


class _Read(list):
    """A page already read, handed to Paginator as its object list: the slice it asks for is the page."""

    def __getitem__(self, part):
        return list(self) if isinstance(part, slice) else super().__getitem__(part)


def _deals(found) -> list:
    load = loader(Deal)
    deals = []
    for row in found:
        deal = load(row)
        deal.my_role = row[-1]
        deals.append(deal)
    return deals


# my_role_on's rule in SQL: the organisation's party that has not ended, the first by role.
_MY_ROLE = (
    "SELECT p.role FROM escrow_dealparty p WHERE p.deal_id = d.id AND p.organisation_id = %s AND p.ended_at IS NULL"
    " ORDER BY p.role LIMIT 1"
)


def get_deal_for(user, slug_or_pk) -> Deal:
    """The deal if the person may see it; NotFound (404) otherwise, never 403 (SPA 9)."""
    lookup = {"pk": slug_or_pk} if str(slug_or_pk).isdigit() else {"slug": slug_or_pk}
    deal = deals_visible_to(user).filter(**lookup).first()
    if deal is None:
        raise NotFound(_("No such deal."))
    return deal


def deal_for(user, ref, action="view_deal") -> Deal:
    """SPA 9: the deal by slug or id, if the person's organisation plays a role on it; NotAllowed (403)
    only when that role may see the deal but not take `action` (e.g. a history export).

    One query reads the deal with the person's party (party_for's rule: their organisation's party that has not
    ended) and whether they are on its register now (deals_signed_for's rule): get_deal_for, require and the
    page's Now would read them one by one. Both are kept on this request's deal object (viewer_party,
    viewer_signs). No party means NotFound, as require says for a visible deal the person has no party on."""
    party = _party_with_deal(user, ref) if user and user.is_authenticated and user.organisation_id else None
    if party is None:
        raise NotFound(_("No such deal."))
    deal = party.deal
    deal.viewer_party = (user.pk, require(user, deal, action, party=party))
    deal.viewer_signs = (user.pk, party.signs)
    return deal


def _party_with_deal(user, ref):
    """The person's party on the visible deal `ref` (slug or id) with its deal, organisation and `signs`, or None.
    Hand-written SQL, the same every time (issue 13 item 1: built through the ORM it cost 8,500 function calls
    a request); tests/escrow/queries/test_deal_for_sql.py compares it with the ORM query it replaced."""
    if str(ref).isdigit():
        key, ref = "id", int(ref)
        if ref > BIGGEST_ID:  # no such deal (the ORM answers an out-of-range id with no rows too)
            return None
    else:
        key = "slug"
    visible, visible_params = visible_deals_sql(user, "d.id")
    signs, signs_params = signing_power_sql(user, "d.id")
    sql = (
        f"SELECT {_PARTY_COLUMNS}, {_ORGANISATION_COLUMNS}, {_DEAL_COLUMNS}, {signs}"  # noqa: S608 (constant SQL)
        " FROM escrow_dealparty p JOIN escrow_deal d ON d.id = p.deal_id"
        f" JOIN {Organisation._meta.db_table} o ON o.id = p.organisation_id"
        f" WHERE d.{key} = %s AND p.organisation_id = %s AND p.ended_at IS NULL AND {visible}"
        " ORDER BY p.role LIMIT 1"  # party_for's .first() in the model's order (deal, role)
    )
    found = rows(sql, (*signs_params, ref, user.organisation_id, *visible_params))
    if not found:
        return None
    row = found[0]
    party = loader(DealParty)(row)
    party.organisation = loader(Organisation)(row[_AT_ORGANISATION:])
    party.deal = loader(Deal)(row[_AT_DEAL:])
    party.signs = bool(row[-1])  # SQLite answers 0 or 1
    return party


BIGGEST_ID = 2**63 - 1  # a BigAutoField's largest value
_PARTY_COLUMNS, _ORGANISATION_COLUMNS, _DEAL_COLUMNS = (
    columns(DealParty, "p"),
    columns(Organisation, "o"),
    columns(Deal, "d"),
)
_AT_ORGANISATION = width(DealParty)
_AT_DEAL = _AT_ORGANISATION + width(Organisation)


def viewer_party(user, deal):
    """The person's party on the deal: the one deal_for kept on this request's deal object, else read."""
    found = getattr(deal, "viewer_party", None)
    return found[1] if found and found[0] == user.pk else party_for(user, deal)


def viewer_signs(user, deal) -> bool:
    """Whether the person is on the deal's register now: what deal_for read with the deal, else read."""
    found = getattr(deal, "viewer_signs", None)
    return found[1] if found and found[0] == user.pk else holds_signing_power(user, deal)


def tranche_for(user, pk=None, *, deal=None, year=None, related=(), prefetch=(), annotate=None) -> Tranche:
    """A tranche by id (the API), or a deal's tranche by year (the pages: /deals/<slug>/years/<year>/).
    A `deal` passed in is one `deal_for` returned for this person; it is reused, not read again. `related` and
    `prefetch` are read with the tranche (select_related, prefetch_related), so a caller does not read it twice;
    `annotate`: columns read with it (escrow.queries.year_parts)."""
    if deal is not None and not _found_for(user, deal):  # any other deal object is checked as before (SPA 9)
        tranches = Tranche.objects.filter(deal__in=deals_visible_to(user), deal=deal, year=year).select_related(
            *related
        )
    elif deal is None:
        tranches = Tranche.objects.filter(deal__in=deals_visible_to(user), pk=pk).select_related("deal", *related)
    else:  # deal_for found it visible: neither checked nor joined again; one row, no join to sort it by its deal
        tranches = Tranche.objects.filter(deal=deal, year=year).order_by("pk")
        tranches = tranches.select_related(*related) if related else tranches
    tranche = tranches.prefetch_related(*prefetch).annotate(**(annotate or {})).first()
    if tranche is None:
        raise NotFound(_("No such tranche."))
    if deal is None:  # kept on the deal object like deal_for's, for the role look-ups that follow
        tranche.deal.viewer_party = (user.pk, require(user, tranche.deal, "view_deal"))
    else:
        tranche.deal = deal
    return tranche


def _found_for(user, deal) -> bool:
    """Whether `deal` is the object deal_for returned for this person (it keeps who it was found for)."""
    found = getattr(deal, "viewer_party", None)
    return found is not None and found[0] == user.pk


def instrument_for(user, pk) -> Instrument:
    """An instrument (joint instruction, settlement, adjustment) of a deal the person has a role on."""
    instrument = (
        Instrument.objects.filter(pk=pk, tranche__deal__in=deals_visible_to(user))
        .select_related("tranche__deal", "document")
        .first()
    )
    if instrument is None:
        raise NotFound(_("No such document."))
    require(user, instrument.tranche.deal, "view_deal")
    return instrument


def document_for(user, pk, action="view_deal") -> StoredDocument:
    """A stored document of a deal the person has a role on; `action` "download_document" for its bytes.

    One hand-written query, the same every time (issue 13 item 1: through the ORM, the document with its deal,
    tranche and uploader, then party_for, cost 9,000 function calls a request): the document of a visible deal
    with its deal, tranche, uploader and the person's party (party_for's rule: their organisation's party that
    has not ended, the first by role) and its organisation. tests/escrow/queries/test_document_for_sql.py compares
    it with the ORM reads it replaced."""
    found = _document_with_party(user, pk) if user and user.is_authenticated else None
    if found is None:
        raise NotFound(_("No such document."))
    document, party = found
    require(user, document.deal, action, party=party)
    return document


def _document_with_party(user, pk):
    """(the document with its deal, tranche and uploader, the person's party or None), or None."""
    if not str(pk).isdigit() or int(pk) > BIGGEST_ID:
        return None
    visible, visible_params = visible_deals_sql(user, "d.id")
    found = rows(_DOCUMENT_SQL.format(visible=visible), (user.organisation_id, int(pk), *visible_params))
    if not found:
        return None
    row = found[0]
    document = loader(StoredDocument)(row)
    document.deal = loader(Deal)(row[_DOC_AT_DEAL:])
    document.tranche = loader(Tranche)(row[_DOC_AT_TRANCHE:]) if document.tranche_id is not None else None
    document.uploaded_by = loader(User)(row[_DOC_AT_USER:]) if document.uploaded_by_id is not None else None
    party = None
    if row[_DOC_AT_PARTY] is not None:  # the party's id: none when the organisation has no current party
        party = loader(DealParty)(row[_DOC_AT_PARTY:])
        party.organisation = loader(Organisation)(row[_DOC_AT_ORGANISATION:])
    return document, party


_DOCUMENT_SQL = (
    f"SELECT {columns(StoredDocument, 's')}, {columns(Deal, 'd')}, {columns(Tranche, 't')}, "  # noqa: S608 (constant SQL)
    f"{columns(User, 'u')}, {columns(DealParty, 'p')}, {columns(Organisation, 'o')}"
    " FROM escrow_storeddocument s JOIN escrow_deal d ON d.id = s.deal_id"
    " LEFT JOIN escrow_tranche t ON t.id = s.tranche_id"
    f" LEFT JOIN {User._meta.db_table} u ON u.id = s.uploaded_by_id"
    " LEFT JOIN escrow_dealparty p ON p.id = ("  # party_for's .first() in the model's order (deal, role)
    "SELECT f.id FROM escrow_dealparty f WHERE f.deal_id = d.id AND f.organisation_id = %s AND f.ended_at IS NULL"
    " ORDER BY f.role, f.id LIMIT 1)"
    f" LEFT JOIN {Organisation._meta.db_table} o ON o.id = p.organisation_id"
    " WHERE s.id = %s AND {visible}"
)
_DOC_AT_DEAL = width(StoredDocument)
_DOC_AT_TRANCHE = _DOC_AT_DEAL + width(Deal)
_DOC_AT_USER = _DOC_AT_TRANCHE + width(Tranche)
_DOC_AT_PARTY = _DOC_AT_USER + width(User)
_DOC_AT_ORGANISATION = _DOC_AT_PARTY + width(DealParty)

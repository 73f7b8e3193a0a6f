"""Pages of the API's lists (issue 13 item 1): `?page=` (from 1) and `?page_size=` (at most MAX_PAGE_SIZE).

The body stays the list it always was, so existing clients keep working; the counts travel in headers:
`X-Total-Count` (items in the whole list), `X-Page`, `X-Page-Size`, and an RFC 8288 `Link` header with
`rel="next"` / `rel="prev"` where there is such a page. A list is read with one COUNT and one bounded
query, whatever its length."""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

PAGE_SIZE = 100
MAX_PAGE_SIZE = 500


@dataclass(frozen=True)
class Window:
    page: int
    size: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size


def window(request, default=PAGE_SIZE) -> Window:
    """The requested page; a malformed one is a 400 in the API's error shape."""
    page, size = request.query_params.get("page", "1"), request.query_params.get("page_size", str(default))
    if not (page.isdigit() and int(page) >= 1 and size.isdigit() and 1 <= int(size) <= MAX_PAGE_SIZE):
        message = _("The page is a whole number from 1 and the page size a whole number from 1 to %(most)d.")
        raise ValidationError({"page": [message % {"most": MAX_PAGE_SIZE}]})
    return Window(int(page), int(size))


def paginated(response, request, win: Window, total: int):
    """Add the counts and links of this page to a list response."""
    response["X-Total-Count"] = str(total)
    response["X-Page"] = str(win.page)
    response["X-Page-Size"] = str(win.size)
    links = []
    if win.offset + win.size < total:
        links.append(f'<{_url(request, win.page + 1, win.size)}>; rel="next"')
    if win.page > 1:
        links.append(f'<{_url(request, win.page - 1, win.size)}>; rel="prev"')
    if links:
        response["Link"] = ", ".join(links)
    return response


def _url(request, page, size):
    query = request.query_params.copy()
    query["page"], query["page_size"] = str(page), str(size)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")

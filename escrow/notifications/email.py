"""The email of a notification (issue 12 item 7): something a person can act on, in their language.

Each email has the subject, a sentence saying where to look, the notification's own text, the deadline and
its clause (or the clause alone when the notice sets none) and an absolute link to the page (the year's page
when there is a year, else the deal's, else the notifications list) under `PORTAL_BASE_URL`. It is written
as a text part and an HTML part, rendered once per language inside `translation.override` (like the
subject and body, escrow.notifications.notify) and sent by the outbox worker (escrow.notifications.outbox).
"""

import html
import re
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

from escrow.contract.moments import iso_day


@dataclass(frozen=True)
class Email:
    text: str
    html: str


def page_url(deal=None, tranche=None, *, urls=None) -> str:
    """The absolute address of the page the notification is about. `urls`: the script prefix and URL
    configuration, when the caller has them (`compose`'s memo)."""
    if deal is not None and tranche is not None:
        path = _path("escrow:tranche", deal.slug, tranche.year, urls=urls)
    elif deal is not None:
        path = _path("escrow:deal", deal.slug, urls=urls)
    else:
        path = reverse("escrow:notifications")
    return f"{settings.PORTAL_BASE_URL}{path}"


_SLUG, _YEAR = "0slug0", 97531  # markers a slug ([-a-zA-Z0-9_]+) and a year ([0-9]+) pass as
_PATHS = {}


def _path(name, slug, year=None, *, urls=None) -> str:
    """reverse(name, args=[slug, year]) from a frame reversed once per URL configuration and script prefix:
    a sweep links thousands of emails, and reverse() matched the patterns again for each."""
    key = (name, *(urls or (get_script_prefix(), get_urlconf())))
    if key not in _PATHS:
        args = [_SLUG] if year is None else [_SLUG, _YEAR]
        _PATHS[key] = _format(re.split(f"({_SLUG}|{_YEAR})", reverse(name, args=args)))
    if not _SLUG_OK.fullmatch(str(slug)) or (year is not None and not str(year).isdigit()):
        return reverse(name, args=[slug] if year is None else [slug, year])  # reverse() says what is wrong
    return _PATHS[key] % {_SLUG: slug, str(_YEAR): year}


_SLUG_OK = re.compile(r"[-a-zA-Z0-9_]+")


def compose(subject, body, *, deal=None, tranche=None, clause="", due=None, memo=None) -> Email:
    """Both parts, in the active language; `subject` and `body` already rendered in it.

    The templates are rendered once per language and shape (which of body, deadline and clause are
    there) with a marker in each value's place, then every email fills that frame (issue 13 item 4: a
    sweep writes thousands of emails, and rendering the templates for each was most of its time). The
    HTML part escapes each value as the template's autoescape would; the text part takes them as they are.
    `memo`: a dict the caller keeps while one language, script prefix and URL configuration stay active
    (escrow.notifications.notify's, shared with texts.render): they are then looked up once, not per email."""
    context = _context(memo)
    values = {
        "subject": str(subject),
        "body": str(body or ""),
        "clause": str(clause or ""),
        "due": iso_day(due),
        "link": page_url(deal, tranche, urls=context[1]),
    }
    text, html_part = _frames(context[0], bool(values["body"]), bool(values["due"]), bool(values["clause"]))
    # html.escape is what django.utils.html.escape (the templates' autoescape) applies, without its lazy wrapper.
    return Email(text=(text % values).strip() + "\n", html=html_part % {k: html.escape(v) for k, v in values.items()})


def _context(memo) -> tuple:
    """(the active language, (script prefix, URL configuration)), looked up once per memo."""
    context = memo.get(_CONTEXT) if memo is not None else None
    if context is None:
        context = (get_language(), (get_script_prefix(), get_urlconf()))
        if memo is not None:
            memo[_CONTEXT] = context
    return context


_CONTEXT = "escrow.notifications.email.compose"  # compose's key in a memo whose other keys are ids (int)
_MARK = "\x00{}\x00"  # no rendered text or template holds a NUL character
_MARKS = re.compile("\x00(subject|body|clause|due|link)\x00")
_FRAMES = {}
_TEMPLATES = ("email/notification.txt", "email/notification.html")


def _frames(language, body, due, clause) -> tuple:
    """The text and HTML templates of one language and shape as %-format strings: the literal parts with
    their % doubled, each value a named field. One % fills an email in one pass: a value that happens to
    contain a field or a marker is never filled again."""
    key = (language, body, due, clause)
    if key not in _FRAMES:
        context = {
            name: _MARK.format(name) if present else ""
            for name, present in (("subject", True), ("body", body), ("clause", clause), ("due", due), ("link", True))
        }
        parts = [_MARKS.split(render_to_string(name, context)) for name in _TEMPLATES]
        _FRAMES[key] = tuple(_format(p) for p in parts)
        _SQL_FRAMES[key] = tuple(_sql_format(p) for p in parts)
    return _FRAMES[key]


def _format(parts) -> str:
    """Literal parts and value names (odd positions) as one %-format string."""
    return "".join(f"%({part})s" if i % 2 else part.replace("%", "%%") for i, part in enumerate(parts))


# --- The same fill done by PostgreSQL, for notify_many's emails (issue 13 item 4) ---
#
# A sweep writes tens of thousands of emails, each a kilobyte or two of frame around a few short values: sending
# every email to the server (psycopg formats each for COPY, the server parses it) cost more than anything else in
# a notice. The server fills the same frames instead, from the notification rows it has just written: `format()`
# takes the frame with each value a positional field (%1$s ... %5$s, literal % doubled, as in Python), the HTML
# part's values escaped as html.escape escapes them, the text part stripped as str.strip() strips it.
# tests/escrow/test_email_frames.py checks the server's emails against `compose` on tricky values.

SQL_VALUES = ("subject", "body", "clause", "due", "link")  # the positional fields' order in a server frame
_SQL_FRAMES = {}


def _sql_format(parts) -> str:
    """Literal parts and value names (odd positions) as one PostgreSQL format() string."""
    return "".join(
        f"%{SQL_VALUES.index(part) + 1}$s" if i % 2 else part.replace("%", "%%") for i, part in enumerate(parts)
    )


def server_fill(body, *, deal=None, tranche=None, clause="", due=None, memo=None) -> tuple:
    """What the server needs to fill one email as `compose` would, in the active language (`body` already
    rendered in it; the subject comes from the notification row): (its frames' key, the deadline as shown, the
    link). `memo` as for `compose`."""
    context = _context(memo)
    due = iso_day(due)
    key = (context[0], bool(body), bool(due), bool(clause or ""))
    if key not in _SQL_FRAMES:
        _frames(*key)  # rendered now, in the language the key names (active)
    return key, due, page_url(deal, tranche, urls=context[1])


def server_frames(key) -> tuple:
    """(text frame, HTML frame) for PostgreSQL's format() of a `server_fill` key: the same templates as
    `compose`'s, rendered once per language and shape (by `server_fill`, in that language)."""
    return _SQL_FRAMES[key]


def html_escaped_sql(expression: str) -> str:
    """SQL of html.escape(value) (what `compose` applies to every value of the HTML part): the same five
    replacements in the same order, ampersand first."""
    for plain, escaped in _HTML_ESCAPES:
        expression = f"replace({expression}, '{plain}', '{escaped}')"
    return expression


_HTML_ESCAPES = [("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("''", "&#x27;")]  # ' doubled for SQL


# Every character str.strip() strips (str.isspace; tests/escrow/test_email_frames.py checks the list against it),
# for the server's btrim of the text part.
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)

"""Words rendered later, in the reader's language (notifications, next steps).

An error message is read at once by the person who acted, so it is translated where it is raised
(plain gettext, the request's language). A notification is written once and read by several people,
each in their own language (User.language), and a next step is shown on pages, in the API and in the
sweep's reminders: both carry a `Text` and are rendered with `str()` under the reader's language
(`notify` does it inside `translation.override`).

    Text(gettext_lazy("%(deal)s: year %(year)s released"), deal=deal.name, year=tranche.year)

The template is a lazy gettext string (so makemessages finds it, and it stays untranslated until
rendered) with named placeholders; parameters may themselves be lazy strings or Texts, rendered in
the same language. For plurals pass `ngettext_lazy(singular, plural, "count")` and `count=n`.
"""

from django.utils import translation
from django.utils.functional import Promise


class Text:
    """A message id and its parameters, translated and formatted each time it is turned into str."""

    __slots__ = ("params", "template")

    def __init__(self, template, /, **params):
        self.template = template
        self.params = params

    def __str__(self):
        if not self.params:
            return str(self.template)
        params = {key: _value(value) for key, value in self.params.items()}
        # A lazy template translates now, in the active language; ngettext_lazy picks its plural form.
        return self.template % params if isinstance(self.template, Promise) else str(self.template) % params

    def __repr__(self):
        return f"Text({str(self.template)!r}, {self.params!r})"


class LowerFirst:
    """A parameter rendered with its first letter in lower case ("File the report" -> "file the report")."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def __str__(self):
        return lower_first(str(self.value))


def lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _value(value):
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)


def in_english(value) -> str:
    """A lazy label rendered in English whatever the reader's language: the history's summaries are the
    legal record, hashed into the chain, and stay in English (DESIGN.md; escrow/history.py)."""
    with translation.override("en"):
        return str(value)

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

from parties.language import in_language


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


def render(value, memo: dict) -> str:
    """str(value) in the active language, as `Text.__str__` renders it, with the strings of values shared by
    many notices (a lazy step description, a gettext_lazy template, an "in N days" Text) made once and kept in
    `memo` ({id: str}). The caller keeps every value alive and one language active while it uses the memo
    (escrow.notifications.notify renders a sweep's thousands of notices with one per language)."""
    if isinstance(value, str) and not isinstance(value, Promise):
        return value
    key = id(value)
    if key in memo:
        return memo[key]
    text = _render_text(value, memo) if isinstance(value, Text) else str(value)
    if not isinstance(value, Text) or len(memo) < 10_000:
        memo[key] = text
    return text


def _render_text(text, memo) -> str:
    if not text.params:
        return render(text.template, memo)
    params = {
        key: value if isinstance(value, (int, float)) and not isinstance(value, bool) else render(value, memo)
        for key, value in text.params.items()
    }
    template = text.template
    if isinstance(template, Promise):
        if "singular" in (getattr(template, "_kw", None) or {}):
            return template % params  # ngettext_lazy picks its plural form from the parameters
        return render(template, memo) % params
    return str(template) % params


class LowerFirst:
    """A parameter rendered with its first letter in lower case ("File the report" -> "file the report")."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def __str__(self):
        return lower_first(str(self.value))


class Named:
    """A name in both languages (an organisation's or a deal's), rendered in the reader's: the Chinese one
    for a Chinese reader when known (parties.language.in_language)."""

    __slots__ = ("chinese", "english")

    def __init__(self, english, chinese=""):
        self.english, self.chinese = str(english or ""), str(chinese or "")

    @classmethod
    def of(cls, obj):
        """An organisation, a deal party (its organisation) or a deal: its name and Chinese name."""
        obj = getattr(obj, "organisation", obj)
        return cls(obj.name, getattr(obj, "name_zh", ""))

    def __str__(self):
        return in_language(self.english, self.chinese)


def lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _value(value):
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)


def in_english(value) -> str:
    """A lazy label rendered in English whatever the reader's language: the history's summaries are the
    legal record, hashed into the chain, and stay in English (DESIGN.md; escrow/history.py)."""
    with translation.override("en"):
        return str(value)


# A notification keeps its message ids and parameters (Notification.message) so each reader reads it in the
# language they read now, not the one they read when it was written (issue 12). `as_data` turns a Text (or a
# lazy string) into JSON; `from_data` turns it back into a Text rendered by `str()` in the active language.
# Anything it cannot turn back exactly (a template that is not a gettext_lazy, pgettext_lazy or ngettext_lazy
# string) gives None, and the reader reads the text stored at the time.


def as_data(value, language="en", memo=None):
    """JSON for `value` (a Text, lazy string, LowerFirst or plain value) that `from_data` renders again; None
    when it cannot be rebuilt so that it reads exactly as it did in `language` when written.

    Whether it rebuilds depends on the message ids and the types of the parameters, not on their values
    (each is formatted the same way from the value or from its stored form), so the check, which renders
    the value twice, runs once per shape and language (`_data`; a sweep writes thousands of notices of a
    few shapes: issue 13 item 4). `memo` ({id: (data, shape)}), as for `render`: the JSON of values many notices
    share, made once (the caller keeps them alive while it uses the memo)."""
    try:
        data, shape = _data(value, memo)
    except (_NotRebuildable, TypeError, ValueError, KeyError):
        return None
    shape = (shape, language)
    if shape not in _REBUILDS:
        try:
            with translation.override(language):
                same = str(from_data(data)) == str(value)
        except (_NotRebuildable, TypeError, ValueError, KeyError):
            same = False
        if len(_REBUILDS) > 10_000:  # shapes are few; bound the memory whatever callers pass
            _REBUILDS.clear()
        _REBUILDS[shape] = same
    return data if _REBUILDS[shape] else None


_REBUILDS = {}  # {(shape, language): whether a value of that shape rebuilds exactly}


class _NotRebuildable(Exception):
    pass


def _data(value, memo=None) -> tuple:
    """(the JSON of `value`, its shape): the shape is what the rebuild check depends on (see `as_data`), the
    messages and the parameters' names and types; a number is part of it (a plural's count picks the form).
    Values other than plain strings and numbers are kept in `memo` by id, when given (see `as_data`)."""
    kind = type(value)
    if kind is str:  # the common parameters first, as `_data_of` gives them (a deal's name, a year)
        return value, str
    if kind is int:
        return value, (int, value)
    if memo is None or (isinstance(value, (str, int, float)) and not isinstance(value, Promise)):
        return _data_of(value, memo)
    key = id(value)
    if key not in memo:
        if len(memo) >= 10_000:  # bound the memory whatever callers pass
            return _data_of(value, memo)
        memo[key] = _data_of(value, memo)
    return memo[key]


def _data_of(value, memo) -> tuple:
    if isinstance(value, Text):
        message = _message(value.template)
        params = {k: _data(v, memo) for k, v in value.params.items()}
        return (
            {"text": message, "params": {k: data for k, (data, _shape) in params.items()}},
            ("text", tuple(message.items()), tuple((k, shape) for k, (_data, shape) in params.items())),
        )
    if isinstance(value, LowerFirst):
        data, shape = _data(value.value, memo)
        return {"lower": data}, ("lower", shape)
    if isinstance(value, Named):
        return {"name": value.english, "name_zh": value.chinese}, Named
    if isinstance(value, Promise):
        message = _message(value)
        return {"text": message}, ("lazy", tuple(message.items()))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value, (type(value), value)
    return str(value), type(value)


def _message(template):
    """A lazy gettext/pgettext/ngettext string's message id (and context or plural), or a plain string."""
    if not isinstance(template, Promise):
        return {"id": str(template), "plain": True}
    args, kw = getattr(template, "_args", None), getattr(template, "_kw", None) or {}
    if "singular" in kw and "plural" in kw:
        # ngettext_lazy keeps the parameter that picks the plural only in its pickling recipe.
        number = kw["number"] if "number" in kw else template.__reduce__()[1][2]
        return {"id": kw["singular"], "plural": kw["plural"], "number": number}
    if isinstance(args, tuple) and len(args) == 1 and isinstance(args[0], str):
        return {"id": args[0]}
    if isinstance(args, tuple) and len(args) == 2 and all(isinstance(a, str) for a in args):
        return {"id": args[1], "context": args[0]}
    raise _NotRebuildable(repr(template))


def from_data(data, replace=None):
    """The Text (or value) `as_data` stored; `replace` maps parameter names to values shown instead (the
    deal's name in the reader's language)."""
    if isinstance(data, dict) and "lower" in data:
        return LowerFirst(from_data(data["lower"], replace))
    if isinstance(data, dict) and "name" in data:
        return Named(data["name"], data.get("name_zh", ""))
    if isinstance(data, dict) and "text" in data:
        params = {
            k: (replace[k] if replace and k in replace else from_data(v, replace))
            for k, v in data.get("params", {}).items()
        }
        return Text(_template(data["text"]), **params)
    return data


def _template(message):
    from django.utils.translation import gettext_lazy, ngettext_lazy, pgettext_lazy

    if message.get("plain"):
        return message["id"]
    if "plural" in message:
        return ngettext_lazy(message["id"], message["plural"], message.get("number"))
    if "context" in message:
        return pgettext_lazy(message["context"], message["id"])
    return gettext_lazy(message["id"])

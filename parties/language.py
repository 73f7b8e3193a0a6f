"""The person's language (User.language), kept in step with what they read on the portal.

Notifications and their emails are written for each recipient in User.language (escrow.notifications.notify), so
the stored value follows the person's choice:

- switching language (the menu in the top bar posts to /i18n/setlang/): `set_language` below wraps
  Django's view and, for a signed-in person, stores the choice;
- signing in (`user_logged_in`, every login path): a choice made in this browser before signing in
  (the language cookie) is stored; without one, a language the person stored earlier takes effect:
  it is activated for this request and the login views write it into the language cookie
  (`remember_language`). A person who never chose (the default, English) and whose browser asks
  for Chinese keeps reading Chinese, and that becomes the stored language.

Codes are stored as in settings.LANGUAGES ("en", "zh-hans"): `normalise` maps "zh_Hans",
"zh-Hans", "zh-cn" and the like onto them.
"""

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import translation
from django.views.i18n import LANGUAGE_QUERY_PARAMETER
from django.views.i18n import set_language as django_set_language

_PENDING_COOKIE = "_parties_language_cookie"


def normalise(code) -> str | None:
    """The settings.LANGUAGES code for `code`, or None if it names no language the portal speaks."""
    if not code:
        return None
    try:
        return translation.get_supported_language_variant(str(code).replace("_", "-").lower())
    except LookupError:
        return None


def language_of(user) -> str:
    """The language to write to this person in (the portal's default if none is stored)."""
    return normalise(getattr(user, "language", None)) or settings.LANGUAGE_CODE


def store(user, code) -> None:
    code = normalise(code)
    if code and user.language != code:
        user.language = code
        user.save(update_fields=["language"])


def set_language(request):
    """Django's set_language (the cookie), and the choice stored for a signed-in person."""
    response = django_set_language(request)
    if request.method == "POST" and request.user.is_authenticated:
        store(request.user, request.POST.get(LANGUAGE_QUERY_PARAMETER))
    return response


@receiver(user_logged_in)
def language_at_login(sender, request, user, **kwargs):
    if request is None:
        return
    chosen = normalise(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME))
    if chosen:
        store(user, chosen)
        return
    negotiated = getattr(request, "LANGUAGE_CODE", None)  # set by LocaleMiddleware; absent outside a request
    if negotiated is None:
        return
    stored = language_of(user)
    if stored == settings.LANGUAGE_CODE:
        # Never chosen, or English: the language negotiated from the browser stands and is stored.
        store(user, negotiated)
        return
    translation.activate(stored)
    request.LANGUAGE_CODE = stored
    setattr(request, _PENDING_COOKIE, stored)


def remember_language(request, response):
    """Write the stored language activated at sign-in into the language cookie (login views)."""
    code = getattr(request, _PENDING_COOKIE, None)
    if code:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            code,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response


def reads_chinese() -> bool:
    """True when the active language (the request's, or a notification's recipient's) is Chinese."""
    return (translation.get_language() or "").lower().startswith("zh")


def in_language(english: str, chinese: str = "") -> str:
    """The Chinese form when the reader reads Chinese and one is known, else the English one."""
    return chinese if chinese and reads_chinese() else english


def local_name(organisation) -> str:
    """An organisation's (or a party's organisation's) name in the reader's language: its Chinese legal
    name (`name_zh`, filled in by the parties) for a Chinese reader when known, else its name. The one
    helper every page, export and notification uses for names (issue 12 item 1)."""
    if organisation is None:
        return ""
    organisation = getattr(organisation, "organisation", organisation)  # a DealParty names its organisation
    return in_language(organisation.name, getattr(organisation, "name_zh", ""))

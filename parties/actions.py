"""The only writers of people and organisations (issue 8 item 2: every write is an action).

`add_person`, `change_person`, `add_organisation`, `change_organisation`, `confirm_two_factor`,
`create_token` and `revoke_token` each
check who may act, validate with a message that says what to fix, write in one transaction and, in that
same transaction, tell the registered listeners what changed (a `Change`: kind, person or organisation,
actor, values before and after). The admin, the pages, the management commands and the tests call them;
nothing else adds, moves or deactivates a person or renames an organisation.

Why listeners and not signals. `parties` never imports `escrow` (an import-linter contract), yet every
change of a person or an organisation belongs in escrow's history, and the deals a person sees follow
their organisation (SPA 9). A post_save signal fires on every save() (the last_login stamp of a sign-in,
the language switch), never on bulk updates, and does not know who acted. A listener is called only by
these actions, explicitly, inside their transaction, with the acting person and the before/after values;
if it fails, nothing is written. escrow registers its listener in EscrowConfig.ready()
(escrow/actions/people.py: the account and reference history, and deal visibility).

`actor` is the person acting (staff in the admin) or None for a management command run on the server
(load_kaixin); pages, the admin and the API always pass request.user, and an anonymous visitor is refused.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import tokens, twofactor
from .access import administers
from .language import normalise
from .models import ApiToken, Organisation, User

# Kinds of change told to the listeners (escrow maps them onto its HistoryAction values).
PERSON_ADDED = "person_added"
PERSON_CHANGED = "person_changed"
ORGANISATION_ADDED = "organisation_added"
ORGANISATION_CHANGED = "organisation_changed"
TWO_FACTOR_ENROLLED = "two_factor_enrolled"
API_TOKEN_CREATED = "api_token_created"  # noqa: S105  (a kind of change, not a secret)
API_TOKEN_REVOKED = "api_token_revoked"  # noqa: S105

# What change_person may change. Membership decides the deals a person sees (SPA 9); privileges are
# platform administration and only a superuser grants them (so staff cannot promote themselves).
PERSON_FIELDS = (
    "username",
    "first_name",
    "last_name",
    "email",
    "title",
    "language",
    "organisation",
    "is_active",
    "is_staff",
    "is_superuser",
    "groups",
    "user_permissions",
)
MEMBERSHIP = ("organisation", "is_active")
PRIVILEGES = ("is_staff", "is_superuser", "groups", "user_permissions")
ORGANISATION_FIELDS = ("name", "name_zh", "kind", "jurisdiction", "registration_number", "address")


class PartiesError(Exception):
    """A refusal the person who acted can read (the shape of escrow's DomainError: message, status).
    Raising one changes nothing: the action's transaction rolls back."""

    status = 400

    def __init__(self, message, **kwargs):
        super().__init__(message, **kwargs)
        self.message = message

    def __str__(self):
        return str(self.message)


class InvalidInput(PartiesError, ValidationError):
    """Bad input; `field` names the input at fault (forms show the message next to it)."""

    def __init__(self, message, *, field=None):
        super().__init__(message)
        self.field = field


class NotAllowed(PartiesError, PermissionDenied):
    """The actor may not do this (a PermissionDenied, so a page answers 403)."""

    status = 403


@dataclass(frozen=True)
class Change:
    """What an action changed, told to every listener inside the action's transaction.

    before/after hold only the fields that changed (all of them for an addition, `before` empty), as
    plain JSON values: an organisation as {"id", "name"}, groups and permissions as sorted names.
    """

    kind: str
    actor: object
    person: User | None = None
    organisation: Organisation | None = None
    before: dict = field(default_factory=dict)
    after: dict = field(default_factory=dict)
    details: dict = field(default_factory=dict)

    @property
    def membership_changed(self) -> bool:
        """A person added, moved to another organisation, deactivated or reactivated (SPA 9 visibility)."""
        return self.kind == PERSON_ADDED or (self.kind == PERSON_CHANGED and bool(set(MEMBERSHIP) & set(self.after)))


_listeners = []


def register_listener(listener):
    """Have `listener(change)` called by every action of this module, inside its transaction, after the
    write. Registering the same callable twice registers it once. Returns it (usable as a decorator)."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def unregister_listener(listener):
    if listener in _listeners:
        _listeners.remove(listener)


def _tell(change):
    assert transaction.get_connection().in_atomic_block, "listeners run inside the action's transaction"
    for listener in tuple(_listeners):
        listener(change)


# Who may act ------------------------------------------------------------------------------------------


def require_staff(actor, permission: str) -> None:
    """Platform administration is staff work with the Django model permission (e.g. "parties.add_user");
    it never gives a contract role (DESIGN.md "Roles"). None is a command run on the server."""
    if actor is None:
        return
    if not administers(actor, permission):
        raise NotAllowed(
            _("Only platform staff with the permission %(permission)s may do this.") % {"permission": permission}
        )


def _require_superuser(actor) -> None:
    if actor is not None and not actor.is_superuser:
        raise NotAllowed(_("Only a superuser may change staff status, superuser status, groups or permissions."))


# People -----------------------------------------------------------------------------------------------


@transaction.atomic
def add_person(
    actor, *, username, organisation, email="", first_name="", last_name="", title="", language=None, password=None
):
    """A new person acting for `organisation` (None for platform staff). Without a password the account
    has an unusable one (sign-in after a reset link only). The listeners record the addition and grant
    the deals the organisation is a party to (SPA 9)."""
    require_staff(actor, "parties.add_user")
    values = clean_person(
        {
            "username": username,
            "organisation": organisation,
            "email": email,
            "first_name": first_name,
            "last_name": last_name,
            "title": title,
            "language": language,
        }
    )
    person = User(**values)
    if password is None:
        person.set_unusable_password()
    else:
        _check_password(password, person)
        person.set_password(password)
    person.save()
    after = {name: _shown(name, value) for name, value in values.items()}
    after["usable_password"] = password is not None
    _tell(Change(PERSON_ADDED, actor, person=person, after=after))
    return person


@transaction.atomic
def change_person(actor, person, **changes):
    """Change a person's names, email, title, language, organisation (a move), is_active (deactivate or
    reactivate) or, for a superuser, their staff status, superuser status, groups or permissions. Values
    equal to the stored ones are ignored; when nothing changes nothing is written or told."""
    require_staff(actor, "parties.change_user")
    unknown = sorted(set(changes) - set(PERSON_FIELDS))
    if unknown:
        raise InvalidInput(_("These cannot be changed here: %(fields)s.") % {"fields": ", ".join(unknown)})
    person = _locked(User, person, _("No such person."))
    changes = clean_person(changes, person=person)
    before = {name: _shown(name, _current(person, name)) for name in changes}
    after = {name: _shown(name, value) for name, value in changes.items()}
    changed = [name for name in changes if before[name] != after[name]]
    if not changed:
        return person
    if set(changed) & set(PRIVILEGES):
        _require_superuser(actor)
    if actor is not None and actor.pk == person.pk and changes.get("is_active") is False:
        raise InvalidInput(_("You cannot deactivate yourself; ask another administrator."), field="is_active")
    _apply(person, {name: changes[name] for name in changed})
    _tell(
        Change(
            PERSON_CHANGED,
            actor,
            person=person,
            before={n: before[n] for n in changed},
            after={n: after[n] for n in changed},
        )
    )
    return person


def clean_person(values: dict, *, person=None) -> dict:
    """`values` normalised (spaces collapsed, language code as in settings.LANGUAGES), or InvalidInput
    naming the first problem. Used by the actions and by the admin's forms, so both say the same."""
    return {name: _PERSON_CLEANERS[name](value, person) for name, value in values.items()}


def _username(value, person):
    text = str(value or "").strip()
    if not text:
        raise InvalidInput(_("Enter a username."), field="username")
    _limit(User, "username", text)
    try:
        User.username_validator(text)
    except ValidationError as exc:
        raise InvalidInput(exc.messages[0], field="username") from None
    if User.objects.filter(username__iexact=text).exclude(pk=getattr(person, "pk", None)).exists():
        raise InvalidInput(
            _("The username %(username)s is taken; choose another.") % {"username": text}, field="username"
        )
    return text


def _text(name):
    def clean(value, person):
        return _limit(User, name, " ".join(str(value or "").split()))

    return clean


def _email(value, person):
    text = str(value or "").strip()
    if text:
        _limit(User, "email", text)
        try:
            validate_email(text)
        except ValidationError:
            raise InvalidInput(_("%(email)s is not an email address.") % {"email": text}, field="email") from None
    return text


def _language(value, person):
    if value in (None, ""):
        return settings.LANGUAGE_CODE
    code = normalise(value)
    if code is None:
        raise InvalidInput(
            _("The portal speaks %(languages)s; %(code)s is not one of them.")
            % {"languages": ", ".join(lang for lang, _name in settings.LANGUAGES), "code": value},
            field="language",
        )
    return code


def _organisation(value, person):
    if value is not None and not (isinstance(value, Organisation) and value.pk):
        raise InvalidInput(_("Choose an organisation the portal knows."), field="organisation")
    return value


def _flag(value, person):
    return bool(value)


def _many(model, name):
    def clean(value, person):
        items = list(value or ())
        if not all(isinstance(item, model) and item.pk for item in items):
            raise InvalidInput(
                _("Choose %(what)s the portal knows.") % {"what": model._meta.verbose_name_plural}, field=name
            )
        return items

    return clean


_PERSON_CLEANERS = {
    "username": _username,
    "first_name": _text("first_name"),
    "last_name": _text("last_name"),
    "email": _email,
    "title": _text("title"),
    "language": _language,
    "organisation": _organisation,
    "is_active": _flag,
    "is_staff": _flag,
    "is_superuser": _flag,
    "groups": _many(Group, "groups"),
    "user_permissions": _many(Permission, "user_permissions"),
}


def _check_password(password, person):
    try:
        password_validation.validate_password(password, person)
    except ValidationError as exc:
        raise InvalidInput(" ".join(exc.messages), field="password") from None


def _current(person, name):
    if name in ("groups", "user_permissions"):
        return list(getattr(person, name).all())
    return getattr(person, name)


def _shown(name, value):
    """A value as the history stores it (plain JSON)."""
    if isinstance(value, Organisation):
        return {"id": value.pk, "name": value.name}
    if name == "groups":
        return sorted(group.name for group in value)
    if name == "user_permissions":
        return sorted(f"{p.content_type.app_label}.{p.codename}" for p in value)
    return value


def _apply(obj, changes):
    plain = {name: value for name, value in changes.items() if name not in ("groups", "user_permissions")}
    for name, value in plain.items():
        setattr(obj, name, value)
    if plain:
        obj.save(update_fields=list(plain))
    for name in set(changes) - set(plain):
        getattr(obj, name).set(changes[name])


# Organisations ----------------------------------------------------------------------------------------


@transaction.atomic
def add_organisation(
    actor,
    *,
    name,
    jurisdiction,
    name_zh="",
    kind=Organisation.Kind.COMPANY,
    registration_number="",
    address="",
    authority="",
):
    """A legal entity or natural person that can become a party to a deal; the listeners record it in
    the reference history. Staff with parties.add_organisation add organisations; `authority` is for
    another action that has already checked its actor under a clause (escrow's approve_new_auditor:
    the issuer approves a firm not yet known, SPA 4.2); it is recorded with the addition."""
    if not authority:
        require_staff(actor, "parties.add_organisation")
    values = clean_organisation(
        {
            "name": name,
            "name_zh": name_zh,
            "kind": kind,
            "jurisdiction": jurisdiction,
            "registration_number": registration_number,
            "address": address,
        }
    )
    organisation = Organisation.objects.create(**values)
    _tell(
        Change(
            ORGANISATION_ADDED,
            actor,
            organisation=organisation,
            after=values,
            details={"authority": authority} if authority else {},
        )
    )
    return organisation


@transaction.atomic
def change_organisation(actor, organisation, **changes):
    """Change an organisation's legal name (say after a renaming), Chinese name, kind, jurisdiction,
    registration number or notice address (SPA 11.3). The listeners record before and after in the
    reference history; values equal to the stored ones are ignored."""
    require_staff(actor, "parties.change_organisation")
    unknown = sorted(set(changes) - set(ORGANISATION_FIELDS))
    if unknown:
        raise InvalidInput(_("These cannot be changed here: %(fields)s.") % {"fields": ", ".join(unknown)})
    organisation = _locked(Organisation, organisation, _("No such organisation."))
    changes = clean_organisation(changes, organisation=organisation)
    changed = {name: value for name, value in changes.items() if getattr(organisation, name) != value}
    if not changed:
        return organisation
    before = {name: getattr(organisation, name) for name in changed}
    _apply(organisation, changed)
    _tell(Change(ORGANISATION_CHANGED, actor, organisation=organisation, before=before, after=changed))
    return organisation


@transaction.atomic
def set_chinese_name(actor, organisation, name_zh):
    """A party fills in its own Chinese legal name (issue 12): any active person of the organisation, or
    staff who may change organisations. Recorded like every change of an organisation (the listeners: the
    reference history, before and after); shown to every Chinese reader (parties.language.local_name)."""
    organisation = _locked(Organisation, organisation, _("No such organisation."))
    own = actor.is_active and actor.organisation_id == organisation.pk
    if not own and not administers(actor, "parties.change_organisation"):
        raise NotAllowed(_("Only a person of the organisation can enter its Chinese name."))
    changes = clean_organisation({"name_zh": name_zh}, organisation=organisation)
    if changes["name_zh"] == organisation.name_zh:
        return organisation
    before = {"name_zh": organisation.name_zh}
    _apply(organisation, changes)
    _tell(Change(ORGANISATION_CHANGED, actor, organisation=organisation, before=before, after=changes))
    return organisation


def clean_organisation(values: dict, *, organisation=None) -> dict:
    """`values` normalised, or InvalidInput naming the first problem (the actions and the admin's form)."""
    return {name: _ORGANISATION_CLEANERS[name](value, organisation) for name, value in values.items()}


def _org_name(value, organisation):
    text = " ".join(str(value or "").split())
    if not text:
        raise InvalidInput(_("Enter the organisation's legal name."), field="name")
    _limit(Organisation, "name", text)
    if Organisation.objects.filter(name__iexact=text).exclude(pk=getattr(organisation, "pk", None)).exists():
        raise InvalidInput(_("An organisation named %(name)s already exists.") % {"name": text}, field="name")
    return text


def _org_text(name, *, required=None):
    def clean(value, organisation):
        text = " ".join(str(value or "").split())
        if required and not text:
            raise InvalidInput(required, field=name)
        return _limit(Organisation, name, text)

    return clean


def _org_kind(value, organisation):
    if value not in Organisation.Kind.values:
        raise InvalidInput(
            _("Choose a kind: %(kinds)s.") % {"kinds": ", ".join(str(label) for label in Organisation.Kind.labels)},
            field="kind",
        )
    return str(value)


def _org_address(value, organisation):
    return str(value or "").strip()


_ORGANISATION_CLEANERS = {
    "name": _org_name,
    "name_zh": _org_text("name_zh"),
    "kind": _org_kind,
    "jurisdiction": _org_text("jurisdiction", required=_("Enter the organisation's jurisdiction.")),
    "registration_number": _org_text("registration_number"),
    "address": _org_address,
}


# Two-factor authentication ----------------------------------------------------------------------------


def confirm_two_factor(person, device, token, *, ip=None):
    """The person confirms the authenticator being enrolled with a code it shows; from now on sign-in,
    signing and approving ask for a code. Recorded in the account history through the listeners.

    The code is checked before the transaction: a wrong code stays counted by django-otp's throttle."""
    if device.user_id != getattr(person, "pk", None) or device.confirmed:
        raise NotAllowed(_("This authenticator is not one being enrolled for you."))
    if not device.verify_token(token):
        raise InvalidInput(
            _("That code did not match. Check the time on your phone and enter the code your app shows now."),
            field="token",
        )
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        _tell(
            Change(
                TWO_FACTOR_ENROLLED,
                person,
                person=person,
                before={"confirmed": False},
                after={"confirmed": True},
                details={"device": device.persistent_id, "ip": ip},
            )
        )
    return device


# API tokens (issue 10 item 3) --------------------------------------------------------------------------

# Enough for each of a party's systems; more is a sign that old ones are not being revoked.
MAX_ACTIVE_TOKENS = 10


@transaction.atomic
def create_token(actor, *, label, ip=None):
    """A new API token for the acting person, who alone may create one (a token made for someone else
    would let its maker act as them). Returns (token, secret): the secret is shown once and never stored,
    only its SHA-256. Recorded in the account history through the listeners."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        raise NotAllowed(_("Sign in to create an API token."))
    if twofactor.enforced() and twofactor.needs_enrolment(actor):
        raise NotAllowed(_("Enrol two-factor authentication (Two-factor in the menu) before you create an API token."))
    person = _locked(User, actor, _("No such person."))
    label = _token_label(label, person)
    if ApiToken.objects.filter(user=person, revoked_at__isnull=True).count() >= MAX_ACTIVE_TOKENS:
        raise InvalidInput(
            _("You have %(count)d active API tokens, the most allowed; revoke one you no longer use first.")
            % {"count": MAX_ACTIVE_TOKENS}
        )
    secret = tokens.new_secret()
    token = ApiToken.objects.create(
        user=person, label=label, key_hash=tokens.digest(secret), hint=secret[: tokens.HINT_LENGTH], created_ip=ip
    )
    _tell(
        Change(
            API_TOKEN_CREATED,
            actor,
            person=person,
            after={"label": label, "hint": token.hint},
            details={"token": token.pk, "ip": ip},
        )
    )
    return token, secret


@transaction.atomic
def revoke_token(actor, token, *, ip=None):
    """Revoke an API token: its owner may, and platform staff with parties.revoke_apitoken (a lost laptop,
    a person who left). From this moment every request with it is refused. Recorded in the account history."""
    token = _locked(ApiToken, token, _("No such API token."))
    if actor is None or token.user_id != actor.pk:
        require_staff(actor, "parties.revoke_apitoken")
    if token.revoked_at is not None:
        raise InvalidInput(_("This API token was already revoked."))
    token.revoked_at, token.revoked_by = timezone.now(), actor
    token.save(update_fields=["revoked_at", "revoked_by"])
    _tell(
        Change(
            API_TOKEN_REVOKED,
            actor,
            person=token.user,
            before={"revoked_at": None},
            after={"revoked_at": token.revoked_at.isoformat()},
            details={"token": token.pk, "label": token.label, "hint": token.hint, "ip": ip},
        )
    )
    return token


def _token_label(value, person):
    text = " ".join(str(value or "").split())
    if not text:
        raise InvalidInput(_('Name the token after the system that will use it, say "Treasury system".'), field="label")
    _limit(ApiToken, "label", text)
    if ApiToken.objects.filter(user=person, revoked_at__isnull=True, label__iexact=text).exists():
        raise InvalidInput(
            _("You already have an active token named %(label)s; choose another name.") % {"label": text},
            field="label",
        )
    return text


# Shared -----------------------------------------------------------------------------------------------


def _locked(model, obj, missing):
    try:
        return model.objects.select_for_update().get(pk=getattr(obj, "pk", obj))
    except model.DoesNotExist:
        raise InvalidInput(missing) from None


def _limit(model, name, text):
    limit = model._meta.get_field(name).max_length
    if limit and len(text) > limit:
        raise InvalidInput(
            _("%(field)s is longer than %(limit)s characters.")
            % {"field": model._meta.get_field(name).verbose_name, "limit": limit},
            field=name,
        )
    return text

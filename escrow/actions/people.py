"""What escrow does when a person or an organisation changes: the history entry and deal visibility.

`parties` writes people and organisations (parties/actions.py) and may not import `escrow`, so it tells
its listeners what changed; EscrowConfig.ready() registers `record_parties_change` as one. It is not a
signal: the parties action calls it explicitly, inside its own transaction, with the acting person and
the values before and after, and only for the actions' writes (never for a bulk update or a bare
save(), such as the last_login stamp of a sign-in). If it fails, the change is not written either.

- A person added, moved to another organisation, deactivated or reactivated: an entry in the account
  history ("accounts": person_added, membership_changed) and view_deal on exactly the deals their
  organisation is a current party to (SPA 9), with the deals gained and lost in the entry.
- Other changes of a person (names, email, title, privileges): person_changed in the account history.
- An organisation added or changed (a new legal name, say): the reference history every deal reads
  (organisation_added, organisation_changed).
- An authenticator confirmed: two_factor_enrolled in the account history.
- An API token created or revoked: api_token_created, api_token_revoked in the account history.
"""

from escrow.actions.visibility import sync_person_permissions
from escrow.history.chain import record_account_event, record_reference_event
from escrow.models import HistoryAction
from escrow.queries.deals import deals_visible_to
from parties import actions as parties


def record_parties_change(change):
    """The listener parties.actions calls inside each action's transaction."""
    handler = _HANDLERS.get(change.kind)
    if handler is None:
        # A new kind of change without its history would be a write nobody can trace: refuse it.
        raise LookupError(f"escrow has no history for the parties change {change.kind!r}")
    handler(change)


def _person(change):
    person = change.person
    details = {"person": person.username, "person_id": person.pk, "before": change.before, "after": change.after}
    if change.membership_changed:
        details.update(_resync(person))
        action = HistoryAction.PERSON_ADDED if change.kind == parties.PERSON_ADDED else HistoryAction.MEMBERSHIP_CHANGED
    else:
        action = HistoryAction.PERSON_CHANGED
    record_account_event(action, actor=change.actor, details=details, summary=_person_summary(change))


def _resync(person):
    """view_deal on exactly the deals of the person's organisation (SPA 9); the slugs gained and lost."""
    before = set(deals_visible_to(person).values_list("slug", flat=True))
    sync_person_permissions(person)
    after = set(deals_visible_to(person).values_list("slug", flat=True))
    return {"deals_added": sorted(after - before), "deals_removed": sorted(before - after)}


def _person_summary(change):
    """English, as every history summary (the hash-chained record is not translated)."""
    name, before, after = change.person.username, change.before, change.after
    if change.kind == parties.PERSON_ADDED:
        return f"{name} added, acting for {_org_name(after.get('organisation'))}"
    parts = []
    if "organisation" in after:
        parts.append(f"moved from {_org_name(before['organisation'])} to {_org_name(after['organisation'])}")
    if "is_active" in after:
        parts.append("reactivated" if after["is_active"] else "deactivated")
    others = sorted(set(after) - {"organisation", "is_active"})
    if others:
        parts.append(f"changed {', '.join(others)}")
    return f"{name} {'; '.join(parts)}"


def _org_name(value):
    return value["name"] if value else "no organisation"


def _organisation(change):
    org, before, after = change.organisation, change.before, change.after
    if change.kind == parties.ORGANISATION_ADDED:
        action, summary = HistoryAction.ORGANISATION_ADDED, f"Organisation {org.name} added"
    elif "name" in after:
        action = HistoryAction.ORGANISATION_CHANGED
        summary = f"Organisation {before['name']} renamed to {after['name']}"
    else:
        action = HistoryAction.ORGANISATION_CHANGED
        summary = f"Organisation {org.name} changed {', '.join(sorted(after))}"
    details = {"organisation": org.name, "organisation_id": org.pk, "before": before, "after": after, **change.details}
    record_reference_event(action, actor=change.actor, summary=summary, details=details)


def _two_factor(change):
    record_account_event(
        HistoryAction.TWO_FACTOR_ENROLLED,
        actor=change.actor,
        details=change.details,
        summary=f"{change.person.username} enrolled an authenticator app",
    )


def _api_token(change):
    """Issue 10 item 3: every API token made or revoked is in the account history, with who did it (the
    owner, or the staff member who revoked it) and whose token it is; never the secret or its hash."""
    created = change.kind == parties.API_TOKEN_CREATED
    details = {"person": change.person.username, "person_id": change.person.pk, **change.details}
    details.update(before=change.before, after=change.after)
    label = change.after.get("label") or change.details.get("label")
    verb = "created" if created else "revoked"
    record_account_event(
        HistoryAction.API_TOKEN_CREATED if created else HistoryAction.API_TOKEN_REVOKED,
        actor=change.actor,
        details=details,
        summary=f"API token {label!r} of {change.person.username} {verb}",
    )


_HANDLERS = {
    parties.PERSON_ADDED: _person,
    parties.PERSON_CHANGED: _person,
    parties.ORGANISATION_ADDED: _organisation,
    parties.ORGANISATION_CHANGED: _organisation,
    parties.TWO_FACTOR_ENROLLED: _two_factor,
    parties.API_TOKEN_CREATED: _api_token,
    parties.API_TOKEN_REVOKED: _api_token,
}

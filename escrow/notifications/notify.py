"""Notifications written as rows inside the action's transaction; sent after commit.

The outbox row exists before anything leaves the database, so a broker outage at commit time only
delays the email: the worker's periodic drain picks it up (DESIGN.md "Known traps": on_commit
enqueue is lost if Redis is down at that moment).

Each person reads in their own language (User.language, kept in step with their choice by
parties.language): callers pass the subject and body as `escrow.notifications.texts.Text` (a lazy message id and
its parameters), and each notification and email is rendered for its recipient inside
`translation.override`. A plain str is stored as given. Dedupe keys never depend on the language.
"""

import json
import logging
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation

from escrow.models import DealParty, Notification, OutboxMessage
from escrow.models.bulk import JsonText, any_of, array_literal, copy_rows, copy_rows_with_ids
from escrow.notifications.email import WHITESPACE, compose, html_escaped_sql, server_fill, server_frames
from escrow.notifications.texts import as_data, render
from parties.language import language_of

log = logging.getLogger(__name__)


def people_in_roles(deal, roles):
    User = get_user_model()
    org_ids = DealParty.objects.filter(deal=deal, role__in=list(roles), ended_at__isnull=True).values("organisation_id")
    return User.objects.filter(organisation_id__in=org_ids, is_active=True).order_by("pk")


class Rendered:
    """Subject, body and email (escrow.notifications.email) of one notification in each language asked for,
    rendered once per language, and their message ids and parameters (`message`, for showing them later in
    the reader's language). `where`: deal, tranche, clause and due date, for the email."""

    def __init__(self, subject, body, data_memo=None, **where):
        self.subject, self.body, self.where, self._done = subject, body, where, {}
        subject_data = as_data(subject, memo=data_memo)  # data_memo: as texts.as_data's, for many notes
        body_data = as_data(body, memo=data_memo) if body else ""
        self.message = (
            None if subject_data is None or body_data is None else {"subject": subject_data, "body": body_data}
        )
        self._message_json = None

    @property
    def message_json(self):
        """`message` as JSON text for a COPY (escrow.models.bulk.JsonText), dumped once for all its readers."""
        if self.message is None:
            return None
        if self._message_json is None:
            self._message_json = JsonText(json.dumps(self.message))
        return self._message_json

    def for_user(self, user) -> tuple:
        """(subject, body, email) in the person's language."""
        language = language_of(user)
        if language not in self._done or self._done[language][2] is None:
            with translation.override(language):
                self.in_active(language)
        subject, body, email, _fill = self._done[language]
        return subject, body, email

    def in_active(self, language, memo=None, *, email=True) -> tuple:
        """(subject, body, email) in `language`, which the caller has activated (for many at once, sharing
        `memo`: escrow.notifications.texts.render). email=False: the email is filled by the server
        (`server_fill`), and is None here."""
        memo = {} if memo is None else memo
        done = self._done.get(language)
        if done is None:
            subject, body = render(self.subject, memo)[:300], render(self.body or "", memo)
            done = self._done[language] = [subject, body, None, None]
        if email and done[2] is None:
            done[2] = compose(done[0], done[1], memo=memo, **self.where)
        return done[0], done[1], done[2]

    def server_fill(self, language, memo) -> tuple:
        """`email.server_fill` of this notice in `language` (active, its subject and body rendered), once."""
        done = self._done[language]
        if done[3] is None:
            done[3] = server_fill(done[1], memo=memo, **self.where)
        return done[3]


def notify(users, *, deal, subject, body="", clause="", key, tranche=None, due=None, attachment=None):
    """One notification (and email) per person, in that person's language; `key` makes a repeat
    harmless (unique). `subject` and `body`: an escrow.notifications.texts.Text (or a lazy or plain str).
    `due`: the contract date the notice is about (a deadline), stated in the email with the clause.
    `attachment`: what the email carries, as OutboxMessage.attachment (its kind and keys); the person's
    language is added, and the file is built when the email is sent (escrow.notifications.outbox)."""
    created = 0
    texts = Rendered(subject, body, deal=deal, tranche=tranche, clause=clause, due=due)
    for user in users:
        dedupe = f"{key}:u{user.pk}"[:200]
        if Notification.objects.filter(dedupe_key=dedupe).exists():
            continue
        subject_text, body_text, email = texts.for_user(user)
        try:
            with transaction.atomic():
                note = Notification.objects.create(
                    user=user,
                    deal=deal,
                    tranche=tranche,
                    subject=subject_text,
                    body=body_text,
                    clause=clause,
                    dedupe_key=dedupe,
                    created_at=timezone.now(),
                    message=texts.message,
                )
                if user.email:
                    OutboxMessage.objects.create(
                        notification=note,
                        to_email=user.email,
                        subject=subject_text,
                        body=email.text,
                        html_body=email.html,
                        attachment={**attachment, "language": language_of(user)} if attachment else None,
                        created_at=timezone.now(),
                    )
        except IntegrityError:
            continue  # a concurrent sweep wrote it first
        created += 1
    if created:
        transaction.on_commit(enqueue_drain)
    return created


def notify_roles(deal, roles, **kwargs):
    return notify(people_in_roles(deal, roles), deal=deal, **kwargs)


@dataclass(frozen=True)
class Note:
    """One notification to the people of some roles on a deal (for `notify_many`); subject and body as
    for `notify` (an escrow.notifications.texts.Text, rendered in each recipient's language)."""

    deal: object
    roles: tuple
    subject: object
    key: str
    clause: str = ""
    body: object = ""
    tranche: object = None
    due: object = None  # the deadline the notice is about (a date), stated in the email


def notify_many(notes, *, chunk=2000) -> int:
    """Batched `notify_roles` for the sweep: recipients, existing keys, notifications and outbox rows in
    a fixed number of queries per chunk. Same dedupe keys as `notify`, so a repeat is harmless."""
    notes, created = list(notes), 0
    people = _people_by_deal_role({n.deal.pk for n in notes}, {r for n in notes for r in n.roles})
    for start in range(0, len(notes), chunk):
        created += _notify_chunk(notes[start : start + chunk], people)
    if created:
        transaction.on_commit(enqueue_drain)
    return created


def _people_by_deal_role(deal_ids, roles):
    """{(deal_id, role): [user, ...]} for active people of current parties, in two queries."""
    parties = list(
        DealParty.objects.filter(deal_id__in=any_of(deal_ids), role__in=roles, ended_at__isnull=True).values_list(
            "deal_id", "role", "organisation_id"
        )
    )
    users = {}
    for user in (
        get_user_model().objects.filter(organisation_id__in={p[2] for p in parties}, is_active=True).order_by("pk")
    ):
        users.setdefault(user.organisation_id, []).append(user)
    people = {}
    for deal_id, role, org_id in parties:
        people.setdefault((deal_id, role), []).extend(users.get(org_id, []))
    return people


NOTIFICATION_FIELDS = [
    "user_id",
    "deal_id",
    "tranche_id",
    "subject",
    "body",
    "clause",
    "dedupe_key",
    "created_at",
    "message",
]
OUTBOX_FIELDS = ["notification_id", "to_email", "subject", "body", "html_body", "created_at", "attempts", "last_error"]


def _notify_chunk(notes, people):
    """The notes' notifications not written yet (by dedupe key), then their emails, each in one COPY."""
    now, wanted = timezone.now(), {}
    for note in notes:
        for role in note.roles:
            for user in people.get((note.deal.pk, role), []):
                dedupe = f"{note.key}:u{user.pk}"[:200]
                wanted.setdefault(dedupe, (note, user))
    existing = set(
        Notification.objects.filter(dedupe_key__in=any_of(list(wanted), "text")).values_list("dedupe_key", flat=True)
    )
    new = [(key, note, user) for key, (note, user) in wanted.items() if key not in existing]
    if not new:
        return 0
    texts, rendered, by_language, data_memo = {}, [None] * len(new), {}, {}
    by_server = connection.vendor == "postgresql"  # the emails filled by the server (_server_emails)
    fills = [None] * len(new) if by_server else None
    for i, (_, _note, user) in enumerate(new):
        by_language.setdefault(language_of(user), []).append(i)
    for language, indexes in by_language.items():  # one override per language, not one per note
        memo = {}  # what the notes share, rendered once in this language
        with translation.override(language):
            for i in indexes:
                texts_of = _rendered(texts, new[i][1], data_memo)
                rendered[i] = texts_of.in_active(language, memo, email=not by_server)
                if by_server and new[i][2].email:
                    fills[i] = texts_of.server_fill(language, memo)
    ids = copy_rows_with_ids(
        Notification,
        NOTIFICATION_FIELDS,
        [
            (
                user.pk,
                note.deal.pk,
                note.tranche.pk if note.tranche else None,
                subject,
                body,
                note.clause,
                key,
                now,
                texts[id(note)].message_json,
            )
            for (key, note, user), (subject, body, _email) in zip(new, rendered, strict=True)
        ],
    )
    # A concurrent sweep may have written some keys first (pk None here): its row and its email win.
    if by_server:
        _server_emails([(pk, fill) for pk, fill in zip(ids, fills, strict=True) if pk is not None and fill])
        return sum(pk is not None for pk in ids)
    copy_rows(
        OutboxMessage,
        OUTBOX_FIELDS,
        [
            (pk, user.email, subject, email.text, email.html, now, 0, "")
            for pk, (_, note, user), (subject, _body, email) in zip(ids, new, rendered, strict=True)
            if pk is not None and user.email
        ],
        skip_taken=False,  # each email is of a notification just written: no key of theirs can be taken
    )
    return sum(pk is not None for pk in ids)


def _server_emails(rows) -> None:
    """The emails of the notifications just written (`rows`: (notification id, `email.server_fill`)), in that
    order, filled by PostgreSQL from the notification rows (subject, body, clause), the recipient's address and
    the frames of escrow.notifications.email, in one INSERT ... SELECT: the same rows `compose` and a COPY wrote
    (issue 13 item 4: sending every email's kilobytes to the server was the largest cost of a notice)."""
    if not rows:
        return
    frames = {}
    for _pk, (key, _due, _link) in rows:
        frames.setdefault(key, len(frames) + 1)
    text_frames, html_frames = zip(*(server_frames(key) for key in frames), strict=True)
    values = ("n.subject", "n.body", "n.clause", "v.due", "v.link")  # in email.SQL_VALUES order
    escaped = ", ".join(html_escaped_sql(value) for value in values)
    with connection.cursor() as cursor:
        cursor.execute(
            # The table names are the models' own and every value is a parameter: nothing comes from input. The rows
            # are put in order first, on their few narrow columns (OFFSET 0 keeps that sort apart), and each is then
            # filled from its notification and person, looked up by primary key (LATERAL: a nested loop, in that
            # order, so the filled emails are never sorted, which spilled to disk): the emails take their ids in the
            # order of `rows`, as from a COPY.
            f"INSERT INTO {OutboxMessage._meta.db_table} "  # noqa: S608
            "(notification_id, to_email, subject, body, html_body, created_at, attempts, last_error) "
            "SELECT e.* FROM (SELECT * FROM unnest(%s::bigint[], %s::int[], %s::text[], %s::text[]) "
            "WITH ORDINALITY AS r(id, frame, due, link, n_) ORDER BY n_ OFFSET 0) AS v, LATERAL ("
            "SELECT n.id, u.email, n.subject, "
            f"btrim(format((%s::text[])[v.frame], {', '.join(values)}), %s) || chr(10), "
            f"format((%s::text[])[v.frame], {escaped}), n.created_at, 0, '' "
            f"FROM {Notification._meta.db_table} AS n JOIN {get_user_model()._meta.db_table} AS u ON u.id = n.user_id "
            "WHERE n.id = v.id OFFSET 0) AS e ORDER BY v.n_",
            [
                *map(
                    array_literal,  # one text each, not quoted element by element
                    (
                        [pk for pk, _fill in rows],
                        [frames[key] for _pk, (key, _due, _link) in rows],
                        [due for _pk, (_key, due, _link) in rows],
                        [link for _pk, (_key, _due, link) in rows],
                    ),
                ),
                array_literal(text_frames),
                WHITESPACE,
                array_literal(html_frames),
            ],
        )


def _rendered(texts, note: Note, data_memo) -> Rendered:
    """One Rendered per note, shared by its recipients (each language rendered once)."""
    if id(note) not in texts:
        texts[id(note)] = Rendered(
            note.subject,
            note.body,
            data_memo,
            deal=note.deal,
            tranche=note.tranche,
            clause=note.clause,
            due=note.due,
        )
    return texts[id(note)]


def enqueue_drain():
    """Ask a worker to send the outbox now; if the broker is down, the periodic drain will.

    The task is sent by name (the one beat ticks, CELERY_BEAT_SCHEDULE): notifications sit below the
    interfaces and never import escrow.tasks (docs/architecture.md, the import-linter contracts)."""
    from celery import current_app

    try:
        current_app.send_task("escrow.tasks.drain_outbox", retry=False)
    except Exception:  # broker unreachable: nothing is lost, the rows wait in the outbox
        log.warning("Broker unreachable; outbox will be drained by the next periodic run.", exc_info=True)

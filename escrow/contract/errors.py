"""Errors a user can cause. Each says what to do; raising one changes nothing (the action's
transaction rolls back)."""


class DomainError(Exception):
    """Base: a message fit to show to the person who acted."""

    status = 400

    def __init__(self, message, *, clause=""):
        super().__init__(message)
        self.message = message
        self.clause = clause


class InvalidInput(DomainError):
    status = 400


class WrongState(DomainError):
    status = 409


class NotAllowed(DomainError):
    status = 403


class NotFound(DomainError):
    """Also used when the person has no role on the deal: its existence is confidential (SPA 9)."""

    status = 404

"""Every error as {"detail": message, "clause": clause} with the domain error's HTTP status."""

from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from escrow.contract.errors import DomainError


def exception_handler(exc, context):
    """DomainError -> its status (400/403/404/409); DRF's own errors keep theirs, in the same shape.
    An action's refusal of one input (an InvalidInput naming its `field`, as the pages show it next to that
    field) also names it under `errors`, as a refusal of the input's shape does."""
    if isinstance(exc, DomainError):
        body = {"detail": exc.message, "clause": exc.clause}
        if getattr(exc, "field", ""):
            body["errors"] = {exc.field: [exc.message]}
        return Response(body, status=exc.status)
    if isinstance(exc, Http404):
        return Response({"detail": "Not found.", "clause": ""}, status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, exceptions.ValidationError):
        return _validation_error(exc)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "detail" in response.data:
        response.data = {"detail": str(response.data["detail"]), "clause": ""}
    return response


def _validation_error(exc):
    fields = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
    summary = "; ".join(f"{name}: {' '.join(str(m) for m in _messages(messages))}" for name, messages in fields.items())
    return Response({"detail": summary, "clause": "", "errors": fields}, status=status.HTTP_400_BAD_REQUEST)


def _messages(messages):
    if isinstance(messages, dict):
        return [f"{k}: {v}" for k, v in messages.items()]
    return messages if isinstance(messages, (list, tuple)) else [messages]

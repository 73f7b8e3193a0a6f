"""API test helpers: clients acting as a person, and responses read as domain outcomes."""

from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from tests.conftest import make_pdf

OUTCOME_OF_STATUS = {400: "InvalidInput", 403: "NotAllowed", 404: "NotFound", 409: "WrongState"}


def client_for(user):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def outcome(response):
    """("ok", "") for 2xx, else (the DomainError class the status stands for, the clause)."""
    if response.status_code < 300:
        return ("ok", "")
    body = response.json()
    assert set(body) >= {"detail", "clause"}, body
    return (OUTCOME_OF_STATUS.get(response.status_code, str(response.status_code)), body["clause"])


def pdf_upload(text="Audited revenue report", name="report.pdf"):
    return SimpleUploadedFile(name, make_pdf(text), content_type="application/pdf")

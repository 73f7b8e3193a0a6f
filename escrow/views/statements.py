"""The seller's release statement (issue 12 item 8): a bilingual PDF, generated on request from the records."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse

from escrow.queries.statements import release_statement
from escrow.views.common import deal_for


@login_required
def release_statement_pdf(request, slug):
    deal = deal_for(request, slug, action="download_release_statement")
    statement = release_statement(deal)
    response = HttpResponse(statement.data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{statement.filename}"'
    response["Cache-Control"] = "private, no-store"
    return response

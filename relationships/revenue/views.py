"""Monthly revenue and margin CSV import: upload → dry run (nothing written) → confirm."""

from django.contrib.auth.decorators import permission_required

from kam.lib.csv_import_page import csv_import_page, csv_upload
from relationships.revenue import imports
from relationships.revenue.services import IMPORT_PERMISSION


@csv_upload(imports.REVENUE)
@permission_required(IMPORT_PERMISSION, raise_exception=True)
def revenue_import_page(request):
    return csv_import_page(
        request,
        kind=imports.REVENUE,
        context=request.user,
        scope="portfolio",
        template="relationships/revenue_import.html",
        page={},
        done_url=request.path,
        done_message="Imported {count} monthly revenue rows; scores refresh in the background.",
    )

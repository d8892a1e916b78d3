from django.shortcuts import render

from catalogs.selectors import catalog_entries
from core.access import authenticated_view


@authenticated_view
def municipio_options(request):
    """<option>s of CAT-013 for the departamento chosen in an address form (htmx)."""
    departamento = (request.GET.get("departamento") or "")[:2]
    entries = catalog_entries(catalog="CAT-013", parent=departamento) if departamento else []
    return render(request, "catalogs/partials/municipio_options.html", {"entries": entries})

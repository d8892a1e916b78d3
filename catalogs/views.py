from django.shortcuts import render

from catalogs.selectors import catalog_entries, distrito_choices
from core.access import authenticated_view


@authenticated_view
def municipio_options(request):
    """<option>s of CAT-013 for the departamento chosen in an address form (htmx)."""
    departamento = (request.GET.get("departamento") or "")[:2]
    entries = catalog_entries(catalog="CAT-013", parent=departamento) if departamento else []
    response = render(request, "catalogs/partials/municipio_options.html", {"entries": entries})
    # Once the new municipios are in, a distrito list that follows them (distrito_options) reloads.
    response["HX-Trigger-After-Swap"] = "municipios-cargados"
    return response


@authenticated_view
def distrito_options(request):
    """<option>s of CAT-008 for the departamento and municipio chosen in an address form (htmx):
    the distritos of that municipio (2024) or the one a pre-reform municipio became; all of the
    departamento's while no municipio is chosen."""
    departamento = (request.GET.get("departamento") or "")[:2]
    municipio = (request.GET.get("municipio") or "")[:2]
    choices = distrito_choices(departamento, municipio) if departamento else []
    return render(request, "catalogs/partials/distrito_options.html", {"choices": choices})

"""What the test set is made of: the company's own clients, providers, products, establishments and
points of sale, as the user who runs it may reach them (core.scope), and what each document type
still lacks there (said before anything is sent)."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from accounts.models import PointOfSale
from accounts.selectors import points_of_sale_for_user
from clients.models import Client
from core import scope
from inventory.models import Product, Provider

# How many of each kind are taken, in a stable order, to vary the documents.
SAMPLE = 20


@dataclass
class Catalogue:
    points: list = field(default_factory=list)  # where the ordinary documents are issued
    contingency_point: PointOfSale | None = None  # where the test contingencies are declared
    consumers: list = field(default_factory=list)
    taxpayers: list = field(default_factory=list)  # NIT + NRC with what a CCF's receptor needs
    large_taxpayers: list = field(default_factory=list)  # of those, grandes contribuyentes (retention)
    foreigners: list = field(default_factory=list)
    remittees: list = field(default_factory=list)  # what a Nota de Remisión's receptor needs
    providers: list = field(default_factory=list)  # what a Comprobante de Retención's receptor needs
    excluded: list = field(default_factory=list)  # providers without NRC: sujetos excluidos (FSE)
    goods: list = field(default_factory=list)
    services: list = field(default_factory=list)
    exempt: list = field(default_factory=list)
    non_subject: list = field(default_factory=list)

    @property
    def products(self):
        return self.goods + self.services


def catalogue_for(*, user):
    """The catalogue ``user`` may issue from. With two or more points of sale the last one is kept
    for the contingency tests, so ordinary documents waiting for MH never join a test outage."""
    points = list(points_of_sale_for_user(user=user).order_by("establishment__cod_estable_mh", "cod_punto_venta_mh"))
    cat = Catalogue()
    if points:
        cat.contingency_point = points[-1]
        cat.points = points[:-1] if len(points) > 1 else points
    clients = list(scope.rows(Client, user).filter(is_active=True).order_by("name", "pk")[:SAMPLE * 5])
    for c in clients:
        if c.kind == "extranjero":
            if c.country_code and c.activity_description and c.person_type:
                cat.foreigners.append(c)
            continue
        if c.id_type == "36" and c.nrc and c.activity_code and c.address and c.email and c.municipio:
            cat.taxpayers.append(c)
            if c.taxpayer_size == "grande":
                cat.large_taxpayers.append(c)
        elif c.kind == "consumidor":
            cat.consumers.append(c)
        if c.id_number and c.name and c.email and c.address and c.departamento and c.municipio:
            cat.remittees.append(c)
    providers = list(Provider.objects.filter(is_active=True).order_by("name", "pk")[:SAMPLE * 2])
    cat.providers = [p for p in providers if p.nrc and p.activity_code and p.address and p.email]
    cat.excluded = [p for p in providers if not p.nrc and p.id_number and p.address and p.departamento and p.municipio]
    products = Product.objects.filter(is_active=True, price__gt=0, item_type__in=[1, 2, 3]).order_by("code")
    for p in products[:SAMPLE * 4]:
        if p.tax_treatment == "exento":
            cat.exempt.append(p)
        elif p.tax_treatment == "no_sujeto":
            cat.non_subject.append(p)
        elif p.item_type == 2:
            cat.services.append(p)
        else:
            cat.goods.append(p)
    for name in ("consumers", "taxpayers", "large_taxpayers", "foreigners", "remittees", "providers", "excluded",
                 "goods", "services", "exempt", "non_subject"):
        setattr(cat, name, getattr(cat, name)[:SAMPLE])
    return cat


def gaps(cat, codes):
    """{code: [what is missing, in Spanish]} for the chosen types and events the catalogue cannot
    make yet; an empty dict when everything can be generated."""
    out = {}

    def need(code, ok, message):
        if not ok:
            out.setdefault(code, []).append(message)

    codes = set(codes)
    for code in codes:
        need(code, bool(cat.points), _("No hay puntos de venta activos en los que usted pueda emitir."))
    any_product = bool(cat.products or cat.exempt or cat.non_subject)
    for code in codes & {"01", "03", "04", "11", "14", "invalidacion", "contingencia"}:
        need(code, any_product, _("Registre al menos un producto o servicio activo con precio."))
    for code in codes & {"03", "05", "06", "08", "09"}:
        need(code, bool(cat.taxpayers), _("Registre un cliente contribuyente con NIT, NRC, actividad, dirección y correo."))
    if "04" in codes:
        need("04", bool(cat.remittees) and bool(cat.goods),
             _("Una nota de remisión necesita un cliente con documento, dirección completa y correo, y un producto "
               "que sea un bien."))
    if "07" in codes:
        need("07", bool(cat.providers), _("Registre un proveedor con NRC, actividad económica, dirección y correo."))
    if "11" in codes:
        need("11", bool(cat.foreigners), _("Registre un cliente extranjero con país, actividad y tipo de persona."))
    if "15" in codes:
        need("15", bool(cat.remittees) or any(c.id_type and c.id_number for c in cat.foreigners),
             _("Un comprobante de donación necesita un cliente donante con documento, dirección completa y correo."))
    if "14" in codes:
        need("14", bool(cat.excluded),
             _("Registre un proveedor sin NRC (persona no inscrita en IVA) con documento y dirección completa."))
    return out

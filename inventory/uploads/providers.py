from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.modules import Module
from accounts.validators import normalize_nrc
from bulk import columns as c
from bulk.engine import Spec
from catalogs.territory import distrito_of_municipio_2023
from clients.columns import EXAMPLE_NIT, EXAMPLE_NRC, ID_TYPE
from clients.rules import CatalogSets, normalize_id, search_text
from inventory.models import Provider

COLUMNS = [
    c.Column("tipo_documento", "id_type", c.choice(ID_TYPE), required=True, choices=["NIT", "DUI", "Pasaporte", "Otro"],
             example="NIT"),
    c.Column("numero_documento", "id_number", c.code_text(pattern=r"^[0-9A-Za-z\- ]{3,25}$",
             message=_("tiene caracteres no válidos"), required=True), required=True, example=EXAMPLE_NIT, width=22),
    c.Column("nrc", "nrc", c.code_text(pattern=r"^[0-9\-]{1,10}$", message=_("solo dígitos")), example=EXAMPLE_NRC),
    c.Column("nombre", "name", c.text(250, required=True), required=True, example="Proveedor de Ejemplo, S.A.", width=36),
    c.Column("contacto", "contact_name", c.text(150), example="Marta Rivas", omissible=True),
    c.Column("correo", "email", c.email(), example="ventas@importadora.example", width=28, omissible=True),
    c.Column("telefono", "phone", c.text(30), example="25556666", omissible=True),
    c.Column("activo", "is_active", c.boolean(default=True), choices=["sí", "no"], example="sí", omissible=True),
    c.Column("codigo_actividad", "activity_code", c.code_text(pattern=r"^[0-9]{5,6}$",
             message=_("son 5 o 6 dígitos (CAT-019)")), example="46900", omissible=True,
             help=_("CAT-019, como texto; necesario para retenerle IVA")),
    c.Column("departamento", "departamento", c.code_text(pattern=r"^[0-9]{2}$", message=_("son 2 dígitos (CAT-012)")),
             example="06", omissible=True),
    # Left out, the distrito (derived from it) is kept too.
    c.Column("municipio", "municipio", c.code_text(pattern=r"^[0-9]{2}$", message=_("son 2 dígitos (CAT-013)")),
             example="14", omissible=True, writes=("municipio", "distrito")),
    c.Column("direccion", "address", c.text(200), example="Calle El Progreso 12", width=30, omissible=True),
]
WRITE_FIELDS = ["id_type", "id_number", "nrc", "name", "contact_name", "email", "phone", "is_active", "activity_code",
                "departamento", "municipio", "distrito", "address", "search_text"]


def check_provider(data, ctx):
    errors = {}
    try:
        data["id_number"] = normalize_id(data.get("id_type"), data.get("id_number"))
    except ValidationError as exc:
        errors["id_number"] = exc.messages[0]
    if data.get("nrc"):
        try:
            data["nrc"] = normalize_nrc(data["nrc"])
        except ValidationError as exc:
            errors["nrc"] = exc.messages[0]
    dept, muni = data.get("departamento") or "", data.get("municipio") or ""
    if bool(dept) != bool(muni):
        errors["municipio" if dept else "departamento"] = _("Indique departamento y municipio juntos.")
    elif dept and ctx.get("catalogs") is not None and (dept, muni) not in ctx["catalogs"].municipios:
        errors["municipio"] = _("El municipio %(m)s no pertenece al departamento %(d)s (CAT-013).") % {"m": muni, "d": dept}
    # The distrito of the 2026 generation's addresses: the one the pre-reform municipio became.
    data["distrito"] = distrito_of_municipio_2023(dept, muni) if dept and "municipio" not in errors else ""
    if data.get("activity_code") and ctx.get("catalogs") is not None and data["activity_code"] not in ctx["catalogs"].activities:
        errors["activity_code"] = _("La actividad %(a)s no está en el catálogo CAT-019.") % {"a": data["activity_code"]}
    data["search_text"] = search_text(data.get("name"), data.get("id_number"), (data.get("id_number") or "").replace("-", ""),
                                      data.get("nrc"), data.get("contact_name"))
    return errors


def to_row(p):
    names = {"36": "NIT", "13": "DUI", "02": "Carnet de residente", "03": "Pasaporte", "37": "Otro"}
    return [names.get(p.id_type, p.id_type), p.id_number, p.nrc, p.name, p.contact_name, p.email, p.phone,
            "sí" if p.is_active else "no", p.activity_code, p.departamento, p.municipio, p.address]


SPEC = Spec(
    name="proveedores", title=gettext_lazy("Proveedores"), model=Provider, columns=COLUMNS, key=("id_type", "id_number"),
    module=Module.INVENTARIO, write_fields=WRITE_FIELDS, context=lambda: {"catalogs": CatalogSets()}, check=check_provider,
    finalize=lambda data, ctx: {f: data[f] for f in WRITE_FIELDS}, conflict_sql="(id_type, id_number)",
    extra={"to_row": to_row, "export_queryset": lambda user: Provider.objects.all()},
)

"""The client catalogue's columns: template, upload, export and admin import share them."""

from django.utils.translation import gettext_lazy as _

from bulk import columns as c
from clients.models import ClientKind, IdType, PersonType, TaxpayerSize

KIND = {"contribuyente": ClientKind.TAXPAYER, "consumidor": ClientKind.CONSUMER, "consumidor final": ClientKind.CONSUMER,
        "extranjero": ClientKind.FOREIGN}
ID_TYPE = {"36": IdType.NIT, "nit": IdType.NIT, "13": IdType.DUI, "dui": IdType.DUI, "02": IdType.RESIDENTE,
           "carnet de residente": IdType.RESIDENTE, "03": IdType.PASAPORTE, "pasaporte": IdType.PASAPORTE,
           "37": IdType.OTRO, "otro": IdType.OTRO}
SIZE = {"grande": TaxpayerSize.GRANDE, "mediano": TaxpayerSize.MEDIANO, "otro": TaxpayerSize.OTRO}
PERSON = {"1": PersonType.NATURAL, "natural": PersonType.NATURAL, "2": PersonType.JURIDICA,
          "juridica": PersonType.JURIDICA, "jurídica": PersonType.JURIDICA}

# The template's example row is made up: a NIT and an NRC of zeros (the NIT's check digit is
# right, so the example passes as it is) that no company has, never the demo company's own.
EXAMPLE_NIT = "0000-000000-000-0"
EXAMPLE_NRC = "0000000"

COLUMNS = [
    c.Column("tipo_cliente", "kind", c.choice(KIND), required=True, choices=["contribuyente", "consumidor", "extranjero"],
             example="contribuyente", help=_("contribuyente (CCF), consumidor (Factura) o extranjero (exportación)")),
    c.Column("tipo_documento", "id_type", c.choice(ID_TYPE), required=True, choices=["NIT", "DUI", "Pasaporte",
             "Carnet de residente", "Otro"], example="NIT", help=_("CAT-022: NIT, DUI, pasaporte, carnet de residente u otro")),
    c.Column("numero_documento", "id_number", c.code_text(pattern=r"^[0-9A-Za-z\- ]{3,25}$",
             message=_("tiene caracteres no válidos"), required=True), required=True, example=EXAMPLE_NIT,
             help=_("como texto; el NIT y el DUI se comprueban con su dígito verificador"), width=22),
    c.Column("nrc", "nrc", c.code_text(pattern=r"^[0-9\-]{1,10}$", message=_("solo dígitos")), example=EXAMPLE_NRC,
             help=_("obligatorio para contribuyentes")),
    c.Column("nombre", "name", c.text(250, required=True), required=True, example="Cliente de Ejemplo, S.A. de C.V.",
             width=36),
    c.Column("nombre_comercial", "trade_name", c.text(150), example="Ejemplo", width=24),
    c.Column("codigo_actividad", "activity_code", c.code_text(pattern=r"^[0-9]{5,6}$",
             message=_("son 5 o 6 dígitos (CAT-019)")), example="46900", help=_("CAT-019, como texto")),
    c.Column("tamano_contribuyente", "taxpayer_size", c.choice(SIZE, default=TaxpayerSize.OTRO),
             choices=["grande", "mediano", "otro"], example="mediano", help=_("grande: retiene y percibe 1 % de IVA")),
    c.Column("exento", "is_exempt", c.boolean(), choices=["sí", "no"], example="no", omissible=True),
    c.Column("departamento", "departamento", c.code_text(pattern=r"^[0-9]{2}$", message=_("son 2 dígitos (CAT-012)")),
             example="06", help=_("CAT-012, como texto: 06")),
    # The distrito follows the municipio when its own column is left out (clients.rules).
    c.Column("municipio", "municipio", c.code_text(pattern=r"^[0-9]{2}$", message=_("son 2 dígitos (CAT-013)")),
             example="14", help=_("CAT-013, como texto: 14"), writes=("municipio", "distrito")),
    c.Column("distrito", "distrito", c.code_text(pattern=r"^[0-9]{2}$", message=_("son 2 dígitos (CAT-008)")),
             example="", omissible=True,
             help=_("CAT-008 (reforma de 2024), como texto; vacío: el del municipio de antes de la reforma")),
    c.Column("direccion", "address", c.text(200), example="Boulevard Merliot, Santa Tecla", width=36),
    c.Column("pais", "country_code", c.code_text(pattern=r"^[0-9A-Z]{2,4}$", message=_("código CAT-020")),
             example="", help=_("solo extranjeros: código CAT-020"), omissible=True),
    c.Column("tipo_persona", "person_type", c.choice(PERSON, required=False), choices=["natural", "jurídica"],
             example="", help=_("solo extranjeros"), omissible=True),
    c.Column("correo", "email", c.email(), example="compras@cliente.example", width=28),
    c.Column("otros_correos", "other_emails", c.email_list(), example="", width=30, omissible=True,
             help=_("más correos que reciben los documentos, separados por coma")),
    c.Column("telefono", "phone", c.text(30), example="22223333"),
    c.Column("limite_credito", "credit_limit", c.decimal(places=2, from_text=False), example=5000, kind="number",
             help=_("en dólares, como número")),
    c.Column("plazo_dias", "payment_term_days", c.integer(maximum=365, from_text=False), example=30, kind="number"),
    c.Column("vendedor", "sales_rep", c.text(150), example="", help=_("usuario del vendedor asignado"), omissible=True,
             writes=("sales_rep_id",)),
    c.Column("activo", "is_active", c.boolean(default=True), choices=["sí", "no"], example="sí", omissible=True),
    c.Column("notas", "notes", c.text(2000), example="", width=30, omissible=True),
]
KEY = ("id_type", "id_number")

"""Building blocks for the project's DTE JSON schemas (draft-07).

The schemas are written here, from the facts page (``sv-dte-facts.md`` §2) and the catalogs,
as Python so that the parts every document type shares (identificacion, addresses, items,
resumen amounts) are written once. ``python -m dte.schemas.build`` writes them to
``dte/schemas/<generation>/``; a CI test proves they agree with MH's official schemas.
"""

import copy

UUID = "^[A-F0-9]{8}-[A-F0-9]{4}-[A-F0-9]{4}-[A-F0-9]{4}-[A-F0-9]{12}$"
NIT = "^([0-9]{14}|[0-9]{9})$"
NRC = "^[0-9]{1,8}$"
TIME = "^(0[0-9]|1[0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]?$"
ACTIVIDAD = "^[0-9]{2,6}$"
LIMIT = 100000000000  # amounts stay below 1e11
ITEM_STEP = 1e-08  # item amounts: up to 8 decimals
TOTAL_STEP = 0.01  # totals: 2 decimals
ESTABLECIMIENTO = ["01", "02", "04", "07", "20"]  # CAT-009 (+ 20 "otro", accepted by the 2023 schemas)
DOC_IDENTIFICACION = ["36", "13", "02", "03", "37"]  # CAT-022

# Municipios per departamento before the 2024 reform (CAT-013, 2023 edition): 01..n.
MUNICIPIOS_POR_DEPARTAMENTO = {
    "01": 12, "02": 13, "03": 16, "04": 33, "05": 22, "06": 19, "07": 16,
    "08": 22, "09": 9, "10": 13, "11": 23, "12": 20, "13": 26, "14": 18,
}


def string(min_length=None, max_length=None, *, pattern=None, fmt=None, enum=None, const=None, nullable=False):
    schema = {"type": ["string", "null"] if nullable else "string"}
    if const is not None:
        schema["const"] = const
    if enum is not None:
        schema["enum"] = list(enum)
    if pattern:
        schema["pattern"] = pattern
    if fmt:
        schema["format"] = fmt
    if min_length is not None:
        schema["minLength"] = min_length
    if max_length is not None:
        schema["maxLength"] = max_length
    return schema


def integer(*, enum=None, const=None, minimum=None, maximum=None, nullable=False, kind="integer"):
    schema = {"type": [kind, "null"] if nullable else kind}
    if const is not None:
        schema["const"] = const
    if enum is not None:
        schema["enum"] = list(enum)
    if minimum is not None:
        schema["minimum"] = minimum
    if maximum is not None:
        schema["maximum"] = maximum
    return schema


def amount(step=TOTAL_STEP, *, minimum=0, exclusive_minimum=None, maximum=None, nullable=False):
    """A money amount. Items carry 8 decimals, totals 2 (facts §2.5)."""
    schema = {"type": ["number", "null"] if nullable else "number"}
    if exclusive_minimum is not None:
        schema["exclusiveMinimum"] = exclusive_minimum
    elif minimum is not None:
        schema["minimum"] = minimum
    if maximum is not None:
        schema["maximum"] = maximum
    schema["exclusiveMaximum"] = LIMIT
    schema["multipleOf"] = step
    return schema


def obj(properties, *, nullable=False, required=None, conditions=None):
    """An object whose every listed key is required and nothing else is allowed (MH sends unused
    keys as null rather than leaving them out)."""
    schema = {"type": ["object", "null"] if nullable else "object", "properties": properties,
              "required": list(required if required is not None else properties), "additionalProperties": False}
    if conditions:
        schema["allOf"] = conditions
    return schema


def array(items, *, min_items=None, max_items=None, nullable=False, unique=False):
    schema = {"type": ["array", "null"] if nullable else "array", "items": items}
    if min_items is not None:
        schema["minItems"] = min_items
    if max_items is not None:
        schema["maxItems"] = max_items
    if unique:
        schema["uniqueItems"] = True
    return schema


def when(condition, then, otherwise=None):
    rule = {"if": {"properties": condition}, "then": {"properties": then}}
    if otherwise is not None:
        rule["else"] = {"properties": otherwise}
    return rule


def _municipio_pattern(count):
    tens = {}
    for n in range(1, count + 1):
        tens.setdefault(n // 10, []).append(n % 10)
    parts = []
    for ten, units in sorted(tens.items()):
        lo, hi = units[0], units[-1]
        parts.append(f"{ten}{lo}" if lo == hi else f"{ten}[{lo}-{hi}]")
    return "^(" + "|".join(parts) + ")$"


def direccion(*, nullable=False):
    """Departamento (CAT-012, 01–14) and a municipio that exists in it (CAT-013, 2023 edition)."""
    rules = [when({"departamento": {"const": dept}}, {"municipio": {"pattern": _municipio_pattern(n)}})
             for dept, n in MUNICIPIOS_POR_DEPARTAMENTO.items()]
    return obj({
        "departamento": string(pattern="^(0[1-9]|1[0-4])$"),
        "municipio": string(pattern="^[0-9]{2}$"),
        "complemento": string(1, 200),
    }, nullable=nullable, conditions=rules)


def identificacion(*, tipo, version, contingency=True, motivo_key="motivoContin", motivo_max=150):
    """identificacion (facts §2.1). With ``contingency=False`` the type can only be issued
    normally (modelo 1, operación 1), as CR, CL, DCL and CD in the 2023 generation."""
    props = {
        "version": integer(const=version),
        "ambiente": string(enum=["00", "01"]),
        "tipoDte": string(const=tipo),
        "numeroControl": string(31, 31, pattern=f"^DTE-{tipo}-[A-Z0-9]{{8}}-[0-9]{{15}}$"),
        "codigoGeneracion": string(36, 36, pattern=UUID),
        "tipoModelo": integer(enum=[1, 2], kind="number") if contingency else integer(const=1),
        "tipoOperacion": integer(enum=[1, 2]) if contingency else integer(const=1),
        "tipoContingencia": {"type": ["integer", "null"], "enum": [None, 1, 2, 3, 4, 5]} if contingency
        else {"type": "null"},
        motivo_key: string(1, motivo_max, nullable=True) if contingency else {"type": "null"},
        "fecEmi": string(fmt="date"),
        "horEmi": string(pattern=TIME),
        "tipoMoneda": string(enum=["USD"]),
    }
    rules = None
    if contingency:
        # Normal transmission: modelo previo and no contingency data; contingency: modelo diferido,
        # a CAT-005 reason, and a written motive when the reason is 5 (otro).
        rules = [
            when({"tipoOperacion": {"const": 1}},
                 {"tipoModelo": {"const": 1}, "tipoContingencia": {"type": "null"}, motivo_key: {"type": "null"}},
                 {"tipoModelo": {"enum": [2]}}),
            when({"tipoOperacion": {"const": 2}}, {"tipoContingencia": {"type": "integer"}}),
            when({"tipoContingencia": {"const": 5}}, {motivo_key: {"type": "string"}}),
        ]
    return obj(props, conditions=rules)


def documento_relacionado(tipos, *, nullable=True):
    """Up to 50 related documents; an electronic one (tipoGeneracion 2) is named by its UUID."""
    item = obj({
        "tipoDocumento": string(enum=tipos),
        "tipoGeneracion": integer(enum=[1, 2]),
        "numeroDocumento": string(1, 36),
        "fechaEmision": string(fmt="date"),
    }, conditions=[when({"tipoGeneracion": {"const": 2}}, {"numeroDocumento": {"pattern": UUID}})])
    return array(item, min_items=1, max_items=50, nullable=nullable)


def venta_tercero():
    return obj({"nit": string(pattern=NIT), "nombre": string(3, 200)}, nullable=True)


def extension():
    return obj({
        "nombEntrega": string(1, 100, nullable=True),
        "docuEntrega": string(1, 25, nullable=True),
        "nombRecibe": string(1, 100, nullable=True),
        "docuRecibe": string(1, 25, nullable=True),
        "observaciones": string(max_length=3000, nullable=True),
        "placaVehiculo": string(2, 10, nullable=True),
    }, nullable=True)


def apendice():
    return array(obj({"campo": string(2, 25), "etiqueta": string(3, 50), "valor": string(1, 150)}),
                 min_items=1, max_items=10, nullable=True)


def otros_documentos(*, max_items=10, cod_max=4):
    medico = obj({
        "nombre": string(max_length=100),
        "nit": string(pattern=NIT, nullable=True),
        "docIdentificacion": string(2, 25, nullable=True),
        "tipoServicio": integer(minimum=1, maximum=6, kind="number"),
    }, nullable=True, conditions=[
        when({"nit": {"type": "null"}}, {"docIdentificacion": {"type": "string"}}),
        when({"docIdentificacion": {"type": "null"}}, {"nit": {"type": "string"}}),
    ])
    item = obj({
        "codDocAsociado": integer(minimum=1, maximum=cod_max),
        "descDocumento": string(max_length=100, nullable=True),
        "detalleDocumento": string(max_length=300, nullable=True),
        "medico": medico,
    }, conditions=[when({"codDocAsociado": {"const": 3}},
                        {"medico": {"type": "object"}, "descDocumento": {"type": "null"}, "detalleDocumento": {"type": "null"}},
                        {"descDocumento": {"type": "string"}, "detalleDocumento": {"type": "string"}, "medico": {"type": "null"}})])
    return array(item, min_items=1, max_items=max_items, nullable=True)


def tributos_resumen(*, nullable=True):
    return array(obj({"codigo": string(2, 2), "descripcion": string(2, 150), "valor": amount()}),
                 nullable=nullable, unique=True)


def pagos(*, nullable=True):
    return array(obj({
        "codigo": string(max_length=2, pattern="^(0[1-9]||1[0-4]||99)$"),  # as MH publishes it (facts: matches "")
        "montoPago": amount(),
        "referencia": string(max_length=50, nullable=True),
        "plazo": string(pattern="^0[1-3]$", nullable=True),
        "periodo": {"type": ["number", "null"]},
    }, required=["codigo", "montoPago", "referencia", "periodo", "plazo"]), min_items=1, nullable=nullable)


# Taxes per item (CAT-015): the special taxes a tipoItem 4 line carries in codTributo, and the
# codes an ordinary line may list in tributos.
SPECIAL_TAXES = [None, "A8", "57", "90", "D4", "D5", "25", "A6"]
ITEM_TAXES = ["20", "C3", "59", "71", "D1", "C5", "C6", "C7", "C8", "D5", "D4", "19", "28", "31", "32", "33", "34",
              "35", "36", "37", "38", "39", "42", "43", "44", "50", "51", "52", "53", "54", "55", "58", "77", "78",
              "79", "85", "86", "91", "92", "A1", "A5", "A7", "A9"]


def document(title, properties):
    """The top level: every section required, nothing extra."""
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$comment": "Esquema propio de Facturador, escrito desde sv-dte-facts.md; verificado contra el oficial de MH en CI.",
        "title": title,
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def clone(schema):
    return copy.deepcopy(schema)

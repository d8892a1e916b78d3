"""Building blocks of the project's schemas for the 2026 generation (Normativa v2.0; facts §9,
sv-tax-facts-2.md §2, mh-schemas-2026/SOURCES.md "Main differences").

MH's 2026 schemas keep the shape of 2023 with the changes the builders follow (dte.builders_2026)
and drop most of the value checks (enums, patterns, the conditional rules). Ours keep the shape
exactly (CI compares every section, key and type with MH's files: dte/tests/test_schemas_official.py)
and keep the value checks that still hold in v2.0 because they come from the catalogs and the
rules, not from the schema version: NIT/NRC/UUID patterns, contingency coupling, the 2024
territory (catalogs.territory), the structured numeroControl.
"""

from catalogs.territory import REFORM_2024
from dte.schemas.parts import (
    ACTIVIDAD,
    ITEM_STEP,
    LIMIT,
    NIT,
    NRC,
    TIME,
    UUID,
    amount,
    array,
    integer,
    obj,
    string,
    when,
)
from dte.schemas.parts import document as base_document

# numeroControl: DTE-{tipo}-{M|B|S|P}{3 digits}P{3 digits}-{15 digits} (facts §2.1).
NUMERO_CONTROL = "^DTE-{tipo}-[MBSP][0-9]{{3}}P[0-9]{{3}}-[0-9]{{15}}$"
DEPARTAMENTO = "^(0[1-9]|1[0-4])$"


def identificacion(*, tipo, version, fusion=None):
    """identificacion (facts §2.1). ``fusion``: None (no key), "required" (NC/ND v4) or "optional"
    (CR v2: listed, not required). Every type may be issued in contingency in v2.0 (CR joins them;
    the product issues no CL/DCL/CD yet)."""
    props = {
        "version": integer(const=version),
        "ambiente": string(enum=["00", "01"]),
        "tipoDte": string(const=tipo),
        "numeroControl": string(31, 31, pattern=NUMERO_CONTROL.format(tipo=tipo)),
        "codigoGeneracion": string(36, 36, pattern=UUID),
        "tipoModelo": integer(enum=[1, 2], kind="number"),
        "tipoOperacion": integer(enum=[1, 2]),
        "tipoContingencia": {"type": ["integer", "null"], "enum": [None, 1, 2, 3, 4, 5]},
        "motivoContin": string(1, 500, nullable=True),
        "fecEmi": string(fmt="date"),
        "horEmi": string(pattern=TIME),
        "tipoMoneda": string(enum=["USD"]),
    }
    required = list(props)
    if fusion:
        # The NIT of a company absorbed in a merger (sv-tax-facts-2.md §2).
        props["fusion"] = string(pattern=NIT, nullable=True)
        if fusion == "required":
            required.append("fusion")
    rules = [
        # The coupling MH's v2.0 schemas no longer write but the rules keep (facts §2.1).
        when({"tipoOperacion": {"const": 1}},
             {"tipoModelo": {"const": 1}, "tipoContingencia": {"type": "null"}, "motivoContin": {"type": "null"}},
             {"tipoModelo": {"enum": [2]}}),
        when({"tipoOperacion": {"const": 2}}, {"tipoContingencia": {"type": "integer"}}),
        when({"tipoContingencia": {"const": 5}}, {"motivoContin": {"type": "string"}}),
    ]
    return obj(props, required=required, conditions=rules)


def direccion(*, nullable=False, two_digit=False):
    """departamento (CAT-012), its 2024 municipio (CAT-013) and the distrito (CAT-008) inside it
    (facts §2.2; catalogs.territory)."""
    rules = []
    for dept, municipios in REFORM_2024.items():
        rules.append(when({"departamento": {"const": dept}}, {"municipio": {"enum": sorted(municipios)}}))
        for municipio, distritos in municipios.items():
            rules.append(when({"departamento": {"const": dept}, "municipio": {"const": municipio}},
                              {"distrito": {"enum": distritos.split()}}))
    code = {"minLength": 2, "maxLength": 2} if two_digit else {}
    return obj({
        "departamento": {**string(pattern=DEPARTAMENTO), **code},
        "municipio": {**string(pattern="^[0-9]{2}$"), **code},
        "distrito": string(pattern="^[0-9]{2}$"),
        "complemento": string(1, 200),
    }, nullable=nullable, conditions=rules)


def emisor(*, nrc_nullable=False, nombre_comercial=True, codes=True, telefono_nullable=False, correo_min=6,
           extra=None):
    props = {
        "nit": string(pattern=NIT),
        "nrc": string(2, 8, pattern=NRC, nullable=nrc_nullable),
        "nombre": string(1, 250),
        "codActividad": string(5, 6, pattern=ACTIVIDAD),
        "descActividad": string(5, 150),
    }
    if nombre_comercial:
        props["nombreComercial"] = string(1, 150, nullable=True)
    props["direccion"] = direccion()
    props["telefono"] = string(8, 30, nullable=telefono_nullable)
    props["correo"] = string(correo_min, 100)
    if codes:
        # MH's codes left the emisor for the numeroControl; the issuer's own stay (4 characters).
        props["codEstable"] = string(4, 4, nullable=True)
        props["codPuntoVenta"] = string(1, 15, nullable=True)
    props.update(extra or {})
    return obj(props)


def documento_relacionado(tipos=None, *, nullable=True):
    item = obj({
        "tipoDocumento": string(enum=tipos) if tipos else string(2, 2),
        "tipoGeneracion": integer(enum=[1, 2]),
        "numeroDocumento": string(1, 36),
        "fechaEmision": string(fmt="date"),
    }, conditions=[when({"tipoGeneracion": {"const": 2}}, {"numeroDocumento": {"pattern": UUID}})])
    return array(item, min_items=1, max_items=50, nullable=nullable)


def venta_tercero():
    # v2.0: the principal's NIT may be missing (foreign principal) and its fiscal domicile (CAT-032) is named.
    return obj({"nit": string(1, 20, nullable=True), "nombre": string(1, 250),
                "codDomiciliado": integer(enum=[None, 1, 2], nullable=True)}, nullable=True)


def otros_documentos(*, max_items=10):
    medico = obj({
        "nombre": string(1, 100, nullable=True),
        "nit": string(pattern=NIT, nullable=True),
        "docIdentificacion": string(1, 25, nullable=True),
        "tipoServicio": integer(minimum=1, maximum=6, kind="number", nullable=True),
    }, nullable=True)
    return array(obj({
        "codDocAsociado": integer(minimum=1, maximum=4, nullable=True),
        "descDocumento": string(3, 100, nullable=True),
        "detalleDocumento": string(3, 300, nullable=True),
        "medico": medico,
    }), min_items=1, max_items=max_items, nullable=True)


def apendice(*, nullable_values=False):
    """1–10 free {campo, etiqueta, valor} entries (facts §2.3); CR v2 lets each value be null."""
    return array(obj({"campo": string(1, 25, nullable=nullable_values), "etiqueta": string(1, 50, nullable=nullable_values),
                      "valor": string(1, 150, nullable=nullable_values)}), min_items=1, max_items=10, nullable=True)


def tributos_resumen():
    return array(obj({"codigo": string(2, 2), "descripcion": string(1, 300), "valor": amount()}),
                 nullable=True, unique=True)


def item_tributos():
    return array(string(2, 2), min_items=1, nullable=True, unique=True)


def pagos():
    return array(obj({
        "codigo": string(2, 2, pattern="^(0[1-9]|1[0-4]|99)$", nullable=True),  # CAT-017
        "montoPago": amount(),
        "referencia": string(max_length=50, nullable=True),
        "plazo": string(pattern="^0[1-3]$", nullable=True),  # CAT-018
        "periodo": {"type": ["number", "null"], "exclusiveMinimum": 0},
    }), min_items=1, nullable=True)


def sale_item(*, extra=None, numero_documento_nullable=True):
    """An item of FE/CCF/NR/NC/ND (facts §2.4); the keys each type adds come in ``extra``."""
    props = {
        "numItem": integer(minimum=1, maximum=2000),
        "tipoItem": integer(enum=[1, 2, 3, 4]),
        "numeroDocumento": string(1, 36, nullable=numero_documento_nullable),
        "cantidad": amount(ITEM_STEP, minimum=None, exclusive_minimum=0),
        "codigo": string(1, 25, nullable=True),
        "codTributo": string(2, 2, nullable=True),
        "uniMedida": integer(minimum=1, maximum=99),
        "descripcion": string(1, 1500),
        "precioUni": amount(ITEM_STEP),
        "montoDescu": amount(ITEM_STEP),
        "ventaNoSuj": amount(ITEM_STEP),
        "ventaExenta": amount(ITEM_STEP),
        "ventaGravada": amount(ITEM_STEP),
        "tributos": item_tributos(),
    }
    props.update(extra or {})
    return obj(props, conditions=[
        # A line with no taxed sale lists no taxes (facts §2.4).
        when({"ventaGravada": {"maximum": 0}}, {"tributos": {"type": "null"}}),
        # tipoItem 4 carries a special tax in codTributo with uniMedida 99; others no codTributo.
        when({"tipoItem": {"const": 4}}, {"uniMedida": {"const": 99}, "codTributo": {"type": "string"}},
             {"codTributo": {"type": "null"}}),
    ])


def no_gravado(step=ITEM_STEP):
    return amount(step, minimum=None, exclusive_minimum=-LIMIT)


def saldo_favor():
    return {"type": "number", "maximum": 0, "exclusiveMinimum": -LIMIT, "multipleOf": 0.01}


def porcentaje():
    return {"type": "number", "minimum": 0, "maximum": 100, "multipleOf": 0.01}


def condicion():
    return integer(enum=[1, 2, 3], kind="number")  # CAT-016


def letras(min_length=1):
    return string(min_length, 200, nullable=True)


def observaciones():
    return string(1, 3000, nullable=True)


def document(title, properties, required=None):
    out = base_document(title, properties)
    if required is not None:
        out["required"] = list(required)
    return out

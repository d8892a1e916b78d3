"""11 Factura de Exportación, version 1 (2023 generation). Sales to a buyer abroad: IVA at 0 %
(tributo C3), export data on the issuer (kind of export, customs office, regime), a foreign
receptor with its CAT-020 country, INCOTERMS, freight and insurance in the resumen (facts §1, §2.2).
There is no documentoRelacionado and no extension; otrosDocumentos gains transport lines.
"""

from dte.schemas.parts import (
    DOC_IDENTIFICACION,
    ITEM_STEP,
    NIT,
    amount,
    array,
    document,
    identificacion,
    integer,
    obj,
    pagos,
    string,
    when,
)
from dte.schemas.types.fe_fc_v1 import DUI, apendice, emisor_properties, venta_tercero

FILE = "fe-fex-v1.json"
TIPO, VERSION = "11", 1

# FEX v1 spells the contingency motive this way (facts §2.1, §10); v3 renames it to motivoContin.
MOTIVO = "motivoContigencia"
# From this operation total on, the foreign buyer must give an e-mail address (facts §2.2).
CORREO_REQUIRED_FROM = 10000
# CAT-020 país, the 4-digit codes of the 2023 edition (catalogs/cat-020-pais-4digit.csv).
PAISES = [
    "9300", "9303", "9304", "9306", "9309", "9310", "9311", "9315", "9317", "9318", "9319", "9320", "9324", "9327", "9330",
    "9332", "9333", "9336", "9338", "9339", "9342", "9345", "9348", "9349", "9350", "9353", "9354", "9357", "9359", "9360",
    "9363", "9366", "9369", "9371", "9372", "9374", "9375", "9376", "9377", "9378", "9381", "9384", "9387", "9390", "9393",
    "9394", "9396", "9399", "9402", "9405", "9408", "9411", "9414", "9415", "9417", "9420", "9423", "9426", "9432", "9435",
    "9438", "9439", "9440", "9441", "9444", "9446", "9447", "9449", "9450", "9451", "9452", "9453", "9454", "9456", "9457",
    "9459", "9462", "9465", "9468", "9471", "9472", "9474", "9477", "9480", "9481", "9482", "9483", "9486", "9487", "9489",
    "9490", "9491", "9492", "9493", "9494", "9495", "9498", "9501", "9504", "9507", "9510", "9513", "9514", "9516", "9519",
    "9521", "9522", "9523", "9524", "9525", "9526", "9527", "9528", "9529", "9530", "9531", "9532", "9533", "9534", "9535",
    "9536", "9537", "9538", "9539", "9540", "9541", "9542", "9543", "9544", "9545", "9546", "9547", "9548", "9549", "9551",
    "9552", "9555", "9558", "9561", "9564", "9565", "9567", "9568", "9570", "9571", "9573", "9574", "9576", "9577", "9579",
    "9582", "9585", "9591", "9594", "9597", "9598", "9600", "9601", "9602", "9603", "9606", "9607", "9608", "9609", "9610",
    "9611", "9612", "9615", "9618", "9621", "9622", "9623", "9624", "9627", "9633", "9636", "9638", "9639", "9640", "9641",
    "9642", "9643", "9645", "9648", "9651", "9652", "9654", "9660", "9663", "9664", "9666", "9667", "9669", "9672", "9673",
    "9675", "9676", "9677", "9678", "9679", "9680", "9681", "9682", "9683", "9684", "9685", "9686", "9687", "9688", "9689",
    "9690", "9691", "9692", "9693", "9696", "9699", "9702", "9705", "9706", "9707", "9708", "9709", "9711", "9712", "9713",
    "9714", "9715", "9716", "9717", "9718", "9719", "9720", "9722", "9723", "9725", "9726", "9727", "9729", "9732", "9733",
    "9735", "9736", "9737", "9738", "9739", "9740", "9741", "9744", "9746", "9747", "9750", "9751", "9756", "9758", "9759",
    "9760", "9850", "9862", "9863", "9865", "9886", "9887", "9888", "9897", "9898", "9899", "9900", "9901", "9902", "9903",
    "9904", "9905", "9906", "9907", "9999",
]


def _identificacion():
    ident = identificacion(tipo=TIPO, version=VERSION, motivo_key=MOTIVO, motivo_max=500)
    ident["allOf"] = [
        # Normal transmission: modelo previo and no contingency reason; contingency: modelo
        # diferido (facts §2.1). fe-fex-v1 does not ask for the motive to be null in a normal
        # transmission, nor for a reason whenever tipoOperacion is 2, so neither is required here.
        when({"tipoOperacion": {"const": 1}}, {"tipoModelo": {"const": 1}, "tipoContingencia": {"type": "null"}},
             {"tipoModelo": {"enum": [2]}}),
        # Reason 5 (otro) must be explained in words (facts §2.1, §5). MH's rule names the key
        # motivoContingencia, which the document does not have; here it names the real one.
        when({"tipoContingencia": {"const": 5}}, {MOTIVO: {"type": "string"}}),
    ]
    return ident


def emisor():
    return obj({
        **emisor_properties(),
        "tipoItemExpor": integer(enum=[1, 2, 3]),  # 1 bienes, 2 servicios, 3 ambos
        "recintoFiscal": string(2, 2, nullable=True),  # CAT-027
        "regimen": string(nullable=True),  # CAT-028; fe-fex-v1 puts no bound on the text
    }, conditions=[
        # Services do not cross a customs office: no recinto fiscal and no customs regime.
        when({"tipoItemExpor": {"const": 2}}, {"recintoFiscal": {"type": "null"}, "regimen": {"type": "null"}}),
    ])


def receptor():
    """The foreign buyer (facts §2.2): identified, with country (CAT-020) and person type (CAT-029)."""
    return obj({
        "nombre": string(1, 250),
        "tipoDocumento": string(enum=DOC_IDENTIFICACION),
        "numDocumento": string(3, 20),
        "nombreComercial": string(1, 150, nullable=True),
        "codPais": string(enum=PAISES),
        "nombrePais": string(3, 50),
        "complemento": string(5, 300),
        "tipoPersona": integer(enum=[1, 2]),
        "descActividad": string(5, 150),
        "telefono": string(8, 50, nullable=True),
        "correo": string(3, 100, fmt="email", nullable=True),
    }, nullable=True, conditions=[
        when({"tipoDocumento": {"const": "36"}}, {"numDocumento": {"pattern": NIT}}),
        when({"tipoDocumento": {"const": "13"}}, {"numDocumento": {"pattern": DUI}}),
    ])


def otros_documentos():
    """Up to 20 associated documents (CAT-021); code 4, transport, only exists in the FEX."""
    transport = ("modoTransp", "numConductor", "nombreConductor", "placaTrans")
    item = obj({
        "codDocAsociado": integer(enum=[1, 2, 3, 4]),
        "descDocumento": string(max_length=100, nullable=True),
        "detalleDocumento": string(max_length=300, nullable=True),
        "placaTrans": string(5, 70, nullable=True),
        # CAT-030 lists 7 modes, but fe-fex-v1 bounds the code to 1–4.
        "modoTransp": integer(minimum=1, maximum=4, nullable=True),
        "numConductor": string(5, 100, nullable=True),
        "nombreConductor": string(5, 200, nullable=True),
    }, conditions=[
        # A transport line says how the goods travel and who drives them; no other line does.
        # (MH's rule misspells numConductor, so it leaves that key out; here it is included.)
        when({"codDocAsociado": {"const": 4}},
             {"modoTransp": {"type": "integer"}, **{key: {"type": "string"} for key in transport[1:]}},
             {key: {"type": "null"} for key in transport}),
        # A document of the issuer or of the receptor is described.
        when({"codDocAsociado": {"enum": [1, 2]}},
             {"descDocumento": {"type": "string"}, "detalleDocumento": {"type": "string"}}),
    ])
    return array(item, min_items=1, max_items=20, nullable=True)


def item():
    return obj({
        "numItem": integer(minimum=1, maximum=2000),
        "cantidad": amount(ITEM_STEP, minimum=None, exclusive_minimum=0),
        "codigo": string(1, 200, nullable=True),
        "uniMedida": integer(minimum=1, maximum=99),
        "descripcion": string(max_length=1000),
        "precioUni": amount(ITEM_STEP, minimum=None),  # fe-fex-v1 sets no lower bound on the unit price
        "montoDescu": amount(ITEM_STEP),
        "ventaGravada": amount(ITEM_STEP),
        "tributos": array(string(2, 2), min_items=1, nullable=True, unique=True),
        "noGravado": amount(ITEM_STEP, minimum=None, exclusive_minimum=-100000000000),
    }, conditions=[
        # An export sale is taxed at IVA 0 % (C3) and nothing else; only a line carrying a charge
        # outside the tax base (noGravado) is left free (facts §1, §2.4).
        when({"noGravado": {"const": 0}}, {"tributos": {"items": {"const": "C3"}}}),
    ])


def resumen():
    # Implementers report that MH computes montoTotalOperacion = totalGravada − descuento + seguro
    # + flete, and totalPagar = montoTotalOperacion + totalNoGravado; the schema does not check sums.
    return obj({
        "totalGravada": amount(),
        "descuento": amount(),
        "porcentajeDescuento": {"type": "number", "minimum": 0, "maximum": 100, "multipleOf": 0.01},
        "totalDescu": amount(),
        "seguro": amount(nullable=True),
        "flete": amount(nullable=True),
        "montoTotalOperacion": amount(minimum=None, exclusive_minimum=0),
        "totalNoGravado": amount(minimum=None, exclusive_minimum=-100000000000),
        "totalPagar": amount(),
        "totalLetras": string(max_length=200),
        "condicionOperacion": integer(enum=[1, 2, 3], kind="number"),
        "pagos": pagos(),
        "codIncoterms": string(nullable=True),  # CAT-031; fe-fex-v1 puts no bound on the code
        "descIncoterms": string(3, 150, nullable=True),
        "numPagoElectronico": string(max_length=100, nullable=True),
        "observaciones": string(max_length=500, nullable=True),
    })


def schema():
    doc = document("Factura de Exportación v1 (Facturador)", {
        "identificacion": _identificacion(),
        "emisor": emisor(),
        "receptor": receptor(),
        "otrosDocumentos": otros_documentos(),
        "ventaTercero": venta_tercero(),
        "cuerpoDocumento": array(item(), min_items=1, max_items=2000),
        "resumen": resumen(),
        "apendice": apendice(),
    })
    # From the threshold on, the buyer gives an e-mail address (facts §2.2).
    doc["allOf"] = [when({"resumen": {"properties": {"montoTotalOperacion": {"minimum": CORREO_REQUIRED_FROM}}}},
                         {"receptor": {"type": "object", "properties": {"correo": {"type": "string"}}}})]
    return doc

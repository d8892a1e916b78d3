"""The rules MH applies to what it receives (facts §1, §3, §5, §6)."""

import datetime
import uuid as uuidlib
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from govsim import arithmetic, clock, jwsverify, schemas
from govsim.answers import Rejection, new_sello
from govsim.deadlines import VERSIONS_2026, _add_months, invalidation_deadline
from govsim.models import ContingencyEvent, ContingencyListing, Document

# NC/ND may only adjust a CCF or a Comprobante de Retención (facts §1).
NOTE_TYPES = {"05", "06"}
NOTE_TARGETS = {"03", "07"}
# Types that may be issued in contingency (2023, CAT-023); Normativa v2.0 adds the Comprobante de
# Retención (facts §5).
CONTINGENCY_TYPES = {"01", "03", "04", "05", "06", "11", "14"}
CONTINGENCY_TYPES_2026 = CONTINGENCY_TYPES | {"07"}
# What a v4 Evento de Contingencia may list: those DTEs and the Evento de Retorno (facts §5, v2.0).
CONTINGENCY_LISTED_2026 = CONTINGENCY_TYPES_2026 | {"18"}
CONTINGENCY_EVENT_2026 = 4
# A resumen that does not add up (facts §2.5). Public reports show MH answering these with
# codigoMsg 020 and "[campo] CALCULO INCORRECTO"; govsim answers every data rejection with 004.
TOTALS_CODE = "004"
MAX_OBSERVACIONES = 20
# Types whose resumen carries pagos (CAT-016/017/018: a credit sale needs plazo and periodo).
PAGOS_TYPES = {"01", "03", "11", "14"}
MAX_EVENT_ITEMS = 5000  # 2023 manual
MAX_EVENT_ITEMS_2026 = 1000  # v2.0 (facts §5)


def today():
    return clock.localdate()


def verify_signed(jws, issuer):
    try:
        return jwsverify.verify(jws, issuer.public_key_pem)
    except jwsverify.BadJWS as exc:
        raise Rejection("802", "FIRMA INVALIDA", [f"[documento] {exc}: no corresponde a la llave registrada para el NIT {issuer.nit}"]) from exc


def check_dte(document, *, issuer, envelope=None):
    """All checks before a DTE is accepted. ``envelope`` is None inside a lot."""
    errors = schemas.dte_errors(document)
    if errors:
        raise Rejection("004", "DOCUMENTO NO CUMPLE EL ESQUEMA", errors)
    ident = document["identificacion"]
    if envelope is not None:
        mismatched = [k for k in ("version", "tipoDte", "ambiente", "codigoGeneracion") if envelope.get(k) != ident.get(k)]
        if mismatched:
            raise Rejection("004", "DATOS DEL ENVIO NO CORRESPONDEN AL DOCUMENTO",
                            [f"[{k}] el valor del envío ({envelope.get(k)!r}) no es el del documento ({ident.get(k)!r})"
                             for k in mismatched])
    # The Comprobante de Donación names its issuer ``donatario`` (v1) and identifies it by
    # tipoDocumento 36 / numDocumento instead of ``nit`` (v1 and v2; sv-tax-facts-2.md §6).
    emisor = document.get("emisor") or document.get("donatario") or {}
    emisor_nit = emisor.get("nit") if "nit" in emisor else emisor.get("numDocumento")
    if emisor_nit != issuer.nit:
        raise Rejection("095", "EMISOR NO AUTORIZADO",
                        [f"[emisor.nit] {emisor_nit} no corresponde al usuario autenticado ({issuer.nit})"])
    if Document.objects.filter(codigo_generacion=ident["codigoGeneracion"]).exists():
        raise Rejection("004", "DOCUMENTO YA EXISTE",
                        ["[identificacion.codigoGeneracion] YA EXISTE UN REGISTRO CON ESE VALOR"])
    _check_totals(document)
    _check_credit_terms(document)
    _check_dates(ident)
    _check_contingency(ident, issuer)
    _check_related(document, issuer)


def _check_totals(document):
    errors = arithmetic.totals_errors(document)
    if errors:
        raise Rejection(TOTALS_CODE, "CALCULO INCORRECTO", errors[:MAX_OBSERVACIONES])


def _check_credit_terms(document):
    """condicionOperacion 2 (a crédito): every payment says in what term (plazo) and how many (periodo)."""
    if document["identificacion"].get("tipoDte") not in PAGOS_TYPES:
        return
    resumen = document.get("resumen") or {}
    if resumen.get("condicionOperacion") != 2:
        return
    pagos = resumen.get("pagos")
    missing = [f"[resumen.pagos.{i}.{key}] es obligatorio cuando condicionOperacion es 2 (a crédito)"
               for i, pago in enumerate(pagos if isinstance(pagos, list) else [])
               for key in ("plazo", "periodo") if not isinstance(pago, dict) or pago.get(key) is None]
    if missing:
        raise Rejection("004", "VENTA A CREDITO SIN PLAZO", missing[:MAX_OBSERVACIONES])


def _check_dates(ident):
    fec = datetime.date.fromisoformat(ident["fecEmi"])
    now = today()
    if fec > now + datetime.timedelta(days=1):
        raise Rejection("004", "FECHA DE EMISION FUERA DE RANGO",
                        [f"[identificacion.fecEmi] {fec} es posterior al día siguiente de la fecha de MH ({now})"])
    if ident.get("tipoOperacion") == 1 and fec < now - datetime.timedelta(days=1):
        raise Rejection("004", "FECHA DE EMISION FUERA DE RANGO",
                        [f"[identificacion.fecEmi] {fec}: un documento de transmisión normal no puede tener más de un día"])


def _check_contingency(ident, issuer):
    if ident.get("tipoOperacion") != 2:
        return
    allowed = CONTINGENCY_TYPES_2026 if VERSIONS_2026.get(ident["tipoDte"]) == ident.get("version") else CONTINGENCY_TYPES
    if ident["tipoDte"] not in allowed:
        raise Rejection("004", "TIPO DE DOCUMENTO NO PERMITIDO EN CONTINGENCIA",
                        [f"[identificacion.tipoDte] {ident['tipoDte']} no puede emitirse en contingencia"])
    code = ident["codigoGeneracion"]
    if not ContingencyListing.objects.filter(codigo_generacion=code, event__issuer=issuer).exists():
        raise Rejection("004", "DOCUMENTO DE CONTINGENCIA SIN EVENTO",
                        [f"[identificacion.codigoGeneracion] {code} no está en ningún evento de contingencia sellado"])


def _related_codes(document):
    return [r.get("numeroDocumento") for r in (document.get("documentoRelacionado") or [])
            if r.get("tipoGeneracion") == 2]


def _check_related(document, issuer):
    tipo = document["identificacion"]["tipoDte"]
    if tipo not in NOTE_TYPES:
        return
    for rel in document.get("documentoRelacionado") or []:
        if rel.get("tipoDocumento") not in NOTE_TARGETS:
            raise Rejection("004", "DOCUMENTO RELACIONADO NO PERMITIDO",
                            [f"[documentoRelacionado.tipoDocumento] {rel.get('tipoDocumento')}: una nota solo puede relacionar CCF (03) o CR (07)"])
        if rel.get("tipoGeneracion") != 2:
            continue
        code = rel.get("numeroDocumento")
        target = Document.objects.filter(codigo_generacion=code, issuer=issuer).first()
        if target is None or target.estado != "PROCESADO" or target.tipo_dte != rel.get("tipoDocumento"):
            raise Rejection("004", "DOCUMENTO RELACIONADO NO VALIDO",
                            [f"[documentoRelacionado.numeroDocumento] {code} no es un {rel.get('tipoDocumento')} sellado y vigente del emisor"])


def accept_dte(document, *, issuer, jws_text):
    ident = document["identificacion"]
    try:
        with transaction.atomic():  # a savepoint: a duplicate raced in is a rejection, not an error
            return Document.objects.create(
                codigo_generacion=ident["codigoGeneracion"], issuer=issuer, tipo_dte=ident["tipoDte"],
                version=ident["version"], ambiente=ident["ambiente"], numero_control=ident["numeroControl"],
                fec_emi=ident["fecEmi"], tipo_modelo=ident.get("tipoModelo") or 1, sello=new_sello(),
                processed_at=clock.now(), payload=document, related=_related_codes(document),
            )
    except IntegrityError as exc:  # the same document arriving twice at once
        raise Rejection("004", "DOCUMENTO YA EXISTE",
                        ["[identificacion.codigoGeneracion] YA EXISTE UN REGISTRO CON ESE VALOR"]) from exc


def check_contingency_event(event, *, issuer):
    errors = schemas.event_errors("contingencia", event)
    if errors:
        raise Rejection("004", "EVENTO NO CUMPLE EL ESQUEMA", errors)
    if event["emisor"]["nit"] != issuer.nit:
        raise Rejection("095", "EMISOR NO AUTORIZADO", [f"[emisor.nit] no corresponde al usuario autenticado ({issuer.nit})"])
    if ContingencyEvent.objects.filter(codigo_generacion=event["identificacion"]["codigoGeneracion"]).exists():
        raise Rejection("004", "EVENTO YA EXISTE", ["[identificacion.codigoGeneracion] YA EXISTE UN REGISTRO CON ESE VALOR"])
    items = event["detalleDTE"]
    v2026 = event["identificacion"].get("version") == CONTINGENCY_EVENT_2026
    most, allowed = (MAX_EVENT_ITEMS_2026, CONTINGENCY_LISTED_2026) if v2026 else (MAX_EVENT_ITEMS, CONTINGENCY_TYPES)
    if len(items) > most:
        raise Rejection("004", "EVENTO CON DEMASIADOS DOCUMENTOS", [f"[detalleDTE] máximo {most} documentos"])
    motivo = event["motivo"]
    start = datetime.datetime.fromisoformat(f"{motivo['fInicio']}T{motivo['hInicio']}")
    end = datetime.datetime.fromisoformat(f"{motivo['fFin']}T{motivo['hFin']}")
    now = clock.localtime().replace(tzinfo=None)
    if end < start:
        raise Rejection("004", "PERIODO DE CONTINGENCIA INVALIDO", ["[motivo.fFin] la contingencia termina antes de empezar"])
    if end > now + datetime.timedelta(minutes=5):
        raise Rejection("004", "PERIODO DE CONTINGENCIA INVALIDO", ["[motivo.fFin] la contingencia no puede terminar en el futuro"])
    if now - end > datetime.timedelta(hours=24):
        raise Rejection("004", "EVENTO FUERA DE PLAZO", ["[motivo.fFin] el evento debe enviarse dentro de las 24 horas siguientes al fin de la contingencia"])
    for item in items:
        if item["tipoDoc"] not in allowed:
            raise Rejection("004", "TIPO DE DOCUMENTO NO PERMITIDO EN CONTINGENCIA",
                            [f"[detalleDTE.tipoDoc] {item['tipoDoc']} no puede emitirse en contingencia"])


def accept_contingency_event(event, *, issuer):
    with transaction.atomic():
        accepted = ContingencyEvent.objects.create(
            codigo_generacion=event["identificacion"]["codigoGeneracion"], issuer=issuer, sello=new_sello(),
            payload=event, listed=[i["codigoGeneracion"] for i in event["detalleDTE"]],
        )
        ContingencyListing.objects.bulk_create([ContingencyListing(event=accepted, codigo_generacion=code)
                                                for code in accepted.listed])
    return accepted


def check_invalidation(event, *, issuer):
    errors = schemas.event_errors("anulacion", event)
    if errors:
        raise Rejection("004", "EVENTO NO CUMPLE EL ESQUEMA", errors)
    if event["emisor"]["nit"] != issuer.nit:
        raise Rejection("095", "EMISOR NO AUTORIZADO", [f"[emisor.nit] no corresponde al usuario autenticado ({issuer.nit})"])
    doc = event["documento"]
    target = Document.objects.filter(codigo_generacion=doc["codigoGeneracion"], issuer=issuer).first()
    if target is None:
        raise Rejection("004", "DOCUMENTO NO EXISTE", [f"[documento.codigoGeneracion] {doc['codigoGeneracion']} no fue recibido por MH"])
    if target.estado == "INVALIDADO":
        raise Rejection("004", "DOCUMENTO YA INVALIDADO", ["[documento.codigoGeneracion] el documento ya fue invalidado"])
    for key, stored in (("tipoDte", target.tipo_dte), ("selloRecibido", target.sello),
                        ("numeroControl", target.numero_control), ("fecEmi", target.fec_emi.isoformat())):
        if doc.get(key) != stored:
            raise Rejection("004", "DATOS DEL DOCUMENTO NO CORRESPONDEN", [f"[documento.{key}] no corresponde al documento sellado"])
    deadline = invalidation_deadline(target.tipo_dte, target.version, target.processed_at)
    if clock.localtime() > deadline:
        raise Rejection("004", "PLAZO DE INVALIDACION VENCIDO",
                        [f"[documento.codigoGeneracion] el plazo para invalidar un {target.tipo_dte} venció el {deadline:%d/%m/%Y %H:%M:%S}"])
    tipo = event["motivo"]["tipoAnulacion"]
    replacement = doc.get("codigoGeneracionR")
    if tipo == 2 and replacement:
        raise Rejection("004", "CODIGO DE REEMPLAZO NO PERMITIDO", ["[documento.codigoGeneracionR] debe ser nulo al rescindir la operación (tipo 2)"])
    if tipo in (1, 3) and target.tipo_dte not in ("05", "08"):
        if not replacement:
            raise Rejection("004", "FALTA DOCUMENTO DE REEMPLAZO", ["[documento.codigoGeneracionR] los tipos 1 y 3 requieren el documento que reemplaza al invalidado"])
        repl = Document.objects.filter(codigo_generacion=replacement, issuer=issuer, estado="PROCESADO").first()
        if repl is None or repl.pk == target.pk:
            raise Rejection("004", "DOCUMENTO DE REEMPLAZO NO VALIDO", [f"[documento.codigoGeneracionR] {replacement} no es un documento sellado y vigente del emisor"])
    if target.tipo_dte in RETURN_TARGETS:
        returns = Document.objects.filter(issuer=issuer, tipo_dte=EVENT_RETURN, estado="PROCESADO")
        if any(target.codigo_generacion in r.related for r in returns.only("related")):
            raise Rejection("004", "DOCUMENTO CON EVENTO DE RETORNO", ["[documento.codigoGeneracion] un evento de retorno "
                                                                       "vigente lo reduce: no puede invalidarse"])
    if target.tipo_dte in NOTE_TARGETS:
        notes = Document.objects.filter(issuer=issuer, tipo_dte__in=NOTE_TYPES, estado="PROCESADO")
        if any(target.codigo_generacion in n.related for n in notes.only("related")):
            raise Rejection("004", "DOCUMENTO CON NOTAS VIGENTES", ["[documento.codigoGeneracion] invalide primero las notas de crédito o débito que lo afectan"])
    return target


def new_lot_code():
    return str(uuidlib.uuid4()).upper()


def lot_ready(lot):
    return (timezone.now() - lot.received_at).total_seconds() >= settings.GOVSIM_LOT_DELAY_SECONDS


# ------------------------------------------------------------------- Normativa v2.0 events
# Evento de Retorno (18) and de Operaciones Especiales (17) (sv-tax-facts-2.md §2). MH publishes
# no endpoint for them; they arrive at /fesv/recepciondte like a DTE, the envelope's tipoDte
# carrying the tipoEvento [G]. Accepted ones are kept as Document rows of that "type".
EVENT_RETURN, EVENT_SPECIAL = "18", "17"
EVENT_KINDS = {EVENT_RETURN: "retorno", EVENT_SPECIAL: "operaciones"}
RETURN_TARGETS = {"01", "11", "14"}  # FE, FEX, FSE
RETURN_MONTHS = 3


def _money(value):
    return Decimal(str(value)) if isinstance(value, int | float | Decimal) and not isinstance(value, bool) else Decimal(0)


def check_event(event, *, issuer, envelope=None):
    ident = event["identificacion"]
    kind = EVENT_KINDS.get(ident.get("tipoEvento"))
    if kind is None:
        raise Rejection("004", "TIPO DE EVENTO NO EXISTE", [f"[identificacion.tipoEvento] {ident.get('tipoEvento')!r}"])
    errors = schemas.event_errors(kind, event)
    if errors:
        raise Rejection("004", "EVENTO NO CUMPLE EL ESQUEMA", errors)
    if envelope is not None:
        sent = {"version": ident.get("version"), "tipoDte": ident.get("tipoEvento"), "ambiente": ident.get("ambiente"),
                "codigoGeneracion": ident.get("codigoGeneracion")}
        mismatched = [k for k, v in sent.items() if envelope.get(k) != v]
        if mismatched:
            raise Rejection("004", "DATOS DEL ENVIO NO CORRESPONDEN AL DOCUMENTO",
                            [f"[{k}] el valor del envío ({envelope.get(k)!r}) no es el del evento ({sent[k]!r})"
                             for k in mismatched])
    if event["emisor"]["nit"] != issuer.nit:
        raise Rejection("095", "EMISOR NO AUTORIZADO", [f"[emisor.nit] no corresponde al usuario autenticado ({issuer.nit})"])
    if Document.objects.filter(codigo_generacion=ident["codigoGeneracion"]).exists():
        raise Rejection("004", "DOCUMENTO YA EXISTE", ["[identificacion.codigoGeneracion] YA EXISTE UN REGISTRO CON ESE VALOR"])
    _check_event_contingency(ident, kind, issuer)
    _check_dates(ident)
    _check_totals(event)  # each line's column = cantidad x precioUni - montoDescu
    if kind == "retorno":
        _check_return(event, issuer)
    else:
        _check_special(event, issuer)


def _check_event_contingency(ident, kind, issuer):
    """Only the Retorno may be issued in contingency (facts §5, v2.0), and like a DTE it must be
    listed in a sealed Evento de Contingencia first; one in normal transmission carries none."""
    if ident.get("tipoOperacion") != 2:
        if ident.get("tipoContingencia") is not None:
            raise Rejection("004", "TIPO DE CONTINGENCIA NO PERMITIDO",
                            ["[identificacion.tipoContingencia] solo en transmisión por contingencia (tipoOperacion 2)"])
        return
    if kind != "retorno":
        raise Rejection("004", "TIPO DE DOCUMENTO NO PERMITIDO EN CONTINGENCIA",
                        [f"[identificacion.tipoEvento] {ident.get('tipoEvento')} no puede emitirse en contingencia"])
    if ident.get("tipoContingencia") is None or ident.get("tipoModelo") != 2:
        raise Rejection("004", "DATOS DE CONTINGENCIA INCOMPLETOS",
                        ["[identificacion.tipoContingencia] un evento en contingencia indica tipoModelo 2 y su tipo de contingencia"])
    code = ident["codigoGeneracion"]
    if not ContingencyListing.objects.filter(codigo_generacion=code, event__issuer=issuer).exists():
        raise Rejection("004", "DOCUMENTO DE CONTINGENCIA SIN EVENTO",
                        [f"[identificacion.codigoGeneracion] {code} no está en ningún evento de contingencia sellado"])


def _item_columns(item):
    return sum((_money(item.get(c)) for c in ("ventaNoSuj", "ventaExenta", "ventaGravada", "compra")), Decimal(0))


def _parties(target):
    rec = target.payload.get("receptor") or target.payload.get("sujetoExcluido") or {}
    return (rec.get("tipoDocumento") or ("36" if rec.get("nit") else None), rec.get("numDocumento") or rec.get("nit"))


def _check_return(event, issuer):
    related = event["documentoRelacionado"]
    if len({r["tipoDocumento"] for r in related}) > 1:
        raise Rejection("004", "DOCUMENTOS RELACIONADOS DE DISTINTO TIPO",
                        ["[documentoRelacionado] un retorno reduce documentos de un solo tipo"])
    if len({r["codigoGeneracion"] for r in related}) != len(related):
        raise Rejection("004", "DOCUMENTO RELACIONADO REPETIDO", ["[documentoRelacionado] cada documento una sola vez"])
    ident = event["identificacion"]
    # A retorno issued in contingency is held to the 3 months at its own generation time, not at
    # its late transmission [G].
    when = (timezone.make_aware(datetime.datetime.fromisoformat(f"{ident['fecEmi']}T{ident['horEmi']}"),
                                timezone.get_current_timezone())
            if ident.get("tipoOperacion") == 2 else clock.localtime())
    targets = {}
    for i, rel in enumerate(related):
        target = Document.objects.filter(codigo_generacion=rel["codigoGeneracion"], issuer=issuer).first()
        if target is None or target.estado != "PROCESADO" or target.tipo_dte != rel["tipoDocumento"] \
                or target.tipo_dte not in RETURN_TARGETS:
            raise Rejection("004", "DOCUMENTO RELACIONADO NO VALIDO",
                            [f"[documentoRelacionado.{i}.codigoGeneracion] {rel['codigoGeneracion']} no es una factura, "
                             "factura de exportación o de sujeto excluido sellada y vigente del emisor"])
        if when > _add_months(timezone.localtime(target.processed_at), RETURN_MONTHS):
            raise Rejection("004", "PLAZO DE RETORNO VENCIDO",
                            [f"[documentoRelacionado.{i}.codigoGeneracion] pasaron más de 3 meses desde el sello"])
        targets[target.codigo_generacion] = target
    resumen = event["resumen"]
    columns = {"totalNoSuj": "ventaNoSuj", "totalExenta": "ventaExenta", "totalGravada": "ventaGravada",
               "totalCompraExcluidos": "compra"}
    problems = []
    for total, column in columns.items():
        summed = sum((_money(item.get(column)) for item in event["cuerpoDocumento"]), Decimal(0))
        if abs(_money(resumen.get(total)) - summed.quantize(Decimal("0.01"))) > arithmetic.HOLGURA:
            problems.append(f"[resumen.{total}] CALCULO INCORRECTO: no cuadra con la suma de {column} de los ítems")
    for i, item in enumerate(event["cuerpoDocumento"]):
        if item["codigoGeneracion"] not in targets:
            problems.append(f"[cuerpoDocumento.{i}.codigoGeneracion] no es uno de los documentos relacionados")
    if problems:
        raise Rejection(TOTALS_CODE, "CALCULO INCORRECTO", problems[:MAX_OBSERVACIONES])
    # One retorno, one counterparty (sv-tax-facts-2.md §2: documents "with the same parties").
    if len({_parties(t) for t in targets.values()}) > 1:
        raise Rejection("004", "DOCUMENTOS RELACIONADOS DE DISTINTO RECEPTOR",
                        ["[documentoRelacionado] un retorno reduce documentos emitidos a un mismo receptor"])
    # Several retornos may reduce a document while their sum stays within it: each retorno takes
    # off a document what its lines naming that document add up to.
    earlier_returns = [d for d in Document.objects.filter(issuer=issuer, tipo_dte=EVENT_RETURN, estado="PROCESADO")
                       if set(d.related) & set(targets)]
    for code, target in targets.items():
        whole = _money((target.payload.get("resumen") or {}).get("montoTotalOperacion")
                       or (target.payload.get("resumen") or {}).get("subTotal"))
        earlier = sum((_item_columns(i) for d in earlier_returns for i in d.payload.get("cuerpoDocumento") or []
                       if i.get("codigoGeneracion") == code), Decimal(0))
        this = sum((_item_columns(i) for i in event["cuerpoDocumento"] if i["codigoGeneracion"] == code), Decimal(0))
        if earlier + this > whole + arithmetic.HOLGURA:
            raise Rejection("004", "RETORNO MAYOR QUE EL DOCUMENTO",
                            [f"[resumen.montoTotalOperacion] los retornos de {code} sumarían más que el documento ({whole})"])


def _check_special(event, issuer):
    problems = []
    for i, item in enumerate(event["cuerpoDocumento"]):
        ref = item.get("codigoGeneracionRef")
        if ref and not Document.objects.filter(codigo_generacion=ref, issuer=issuer, tipo_dte=EVENT_SPECIAL).exists():
            problems.append(f"[cuerpoDocumento.{i}.codigoGeneracionRef] {ref} no es un evento de operaciones especiales "
                            "recibido del emisor")
    resumen = event["resumen"]
    sub = sum((_money(resumen.get(k)) for k in ("totalNoSuj", "totalExenta", "totalGravada")), Decimal(0))
    taxes = sum((_money(t.get("valor")) for t in resumen.get("tributos") or []), Decimal(0))
    if abs(_money(resumen.get("subTotal")) - sub) > arithmetic.HOLGURA:
        problems.append("[resumen.subTotal] CALCULO INCORRECTO: no cuadra con totalNoSuj + totalExenta + totalGravada")
    if abs(_money(resumen.get("total")) - (_money(resumen.get("subTotal")) + taxes)) > arithmetic.HOLGURA:
        problems.append("[resumen.total] CALCULO INCORRECTO: no cuadra con subTotal + la suma de tributos")
    if problems:
        raise Rejection(TOTALS_CODE, "CALCULO INCORRECTO", problems[:MAX_OBSERVACIONES])


def accept_event(event, *, issuer):
    ident = event["identificacion"]
    related = [r["codigoGeneracion"] for r in event.get("documentoRelacionado") or []]
    try:
        with transaction.atomic():
            return Document.objects.create(
                codigo_generacion=ident["codigoGeneracion"], issuer=issuer, tipo_dte=ident["tipoEvento"],
                version=ident["version"], ambiente=ident["ambiente"], numero_control="", fec_emi=ident["fecEmi"],
                tipo_modelo=ident.get("tipoModelo") or 1, sello=new_sello(), processed_at=clock.now(), payload=event,
                related=related)
    except IntegrityError as exc:
        raise Rejection("004", "DOCUMENTO YA EXISTE",
                        ["[identificacion.codigoGeneracion] YA EXISTE UN REGISTRO CON ESE VALOR"]) from exc

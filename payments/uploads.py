"""Payments received, uploaded from a spreadsheet through the bulk machinery (dry run, errors by
row and column, all or nothing). One row applies a payment to one document; the rows with the
same cliente, fecha and referencia are one payment. Rows are checked top to bottom against what
each document still owes, including what earlier rows of the file took, and written through
``payment_record`` (same rules, locks and audit as the payment form)."""

import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.modules import Module
from bulk import columns as c
from bulk.columns import CellError
from bulk.engine import BATCH, Spec
from bulk.reading import FileRejected
from catalogs.selectors import catalog_choices
from clients.columns import EXAMPLE_NIT
from clients.models import Client
from clients.selectors import clients_for_user
from core import formats
from dte.models import Document
from dte.selectors import documents_for_user
from payments import selectors
from payments.models import Payment
from payments.services import payment_record

COLUMNS = [
    c.Column("cliente", "client", c.code_text(pattern=r"^[0-9A-Za-z\- ]{3,25}$", message=gettext_lazy("tiene caracteres no válidos"),
             required=True), required=True, example=EXAMPLE_NIT, width=22,
             help=gettext_lazy("número de documento del cliente (NIT, DUI…) como en el catálogo de clientes, como texto")),
    c.Column("fecha", "date", c.date(required=True), required=True, example="2025-01-15", kind="date",
             help=gettext_lazy("fecha del pago, AAAA-MM-DD; no puede ser futura")),
    c.Column("monto", "amount", c.decimal(places=2, minimum=Decimal("0.01"), required=True, from_text=False),
             required=True, example=150, kind="number",
             help=gettext_lazy("monto total del pago; en cada fila del mismo pago, el mismo monto")),
    c.Column("forma_pago", "method", c.code_text(pattern=r"^[0-9]{2}$", message=gettext_lazy("son 2 dígitos (CAT-017)"),
             required=True), required=True, example="05",
             help=gettext_lazy("CAT-017, como texto: 01 efectivo, 02 tarjeta de débito, 03 tarjeta de crédito, "
                               "04 cheque, 05 transferencia o depósito, 99 otros")),
    c.Column("referencia", "reference", c.text(100, required=True), required=True, example="Depósito 881", width=22,
             help=gettext_lazy("número de depósito, cheque o transferencia; con cliente y fecha identifica el pago")),
    c.Column("documento", "document", c.text(36), example="DTE-03-M001P001-000000000000001", width=34,
             help=gettext_lazy("número de control o código de generación de la venta al crédito que paga; vacío: pago sin aplicar")),
    c.Column("monto_aplicado", "applied", c.decimal(places=2, minimum=Decimal("0.01"), from_text=False), example="",
             kind="number", help=gettext_lazy("vacío: lo que el documento aún debe, sin pasar de lo que queda del pago")),
    c.Column("notas", "notes", c.text(500), example="", width=30),
]
# One row per (payment, document); ``payment_id`` is the payment already recorded (row unchanged).
WRITE_FIELDS = ["client_id", "date", "reference", "document_id", "amount", "method", "applied", "notes", "payment_id"]
KEY = ("client_id", "date", "reference", "document_id")
PAYMENT_ID = WRITE_FIELDS.index("payment_id")

RULES = [
    gettext_lazy("Una fila por documento pagado. Las filas con el mismo cliente, fecha y referencia son un solo pago: "
                 "repita en ellas el mismo monto (el total del pago) y la misma forma de pago."),
    gettext_lazy("documento vacío: el pago (o lo que quede de él) queda sin aplicar, como saldo a favor del cliente."),
    gettext_lazy("monto_aplicado vacío: se aplica lo que el documento aún debe, sin pasar de lo que queda del pago. "
                 "Las filas se leen de arriba abajo y cuentan lo que aplicaron las filas anteriores del archivo."),
    gettext_lazy("Nunca se aplica a un documento más de lo que debe, ni a un pago más que su monto: esas filas son errores."),
    gettext_lazy("La referencia es obligatoria. Si ya hay un pago registrado (no anulado) con el mismo cliente, fecha y "
                 "referencia, sus filas cuentan «sin cambios» cuando coinciden con él y son error cuando no: un pago "
                 "registrado no se modifica desde una carga (anúlelo en la cuenta del cliente y súbalo de nuevo)."),
    gettext_lazy("Las notas de las filas de un pago se guardan juntas en el pago."),
]


def _context(user):
    return {"user": user, "today": timezone.localdate(), "methods": {code for code, _l in catalog_choices(catalog="CAT-017")},
            "clients": {}, "documents": {}, "existing": {}, "owed": {}, "payments": {}}


def _check(data, ctx):
    errors = {}
    if data["method"] not in ctx["methods"]:
        errors["method"] = _("«%(m)s» no está en CAT-017 (use: %(c)s)") % {"m": data["method"], "c": ", ".join(sorted(ctx["methods"]))}
    if data["date"] > ctx["today"]:
        errors["date"] = _("la fecha del pago no puede ser futura")
    if data["applied"] is not None and not data["document"]:
        errors["applied"] = _("sin documento no se aplica nada: indique el documento o deje vacío el monto aplicado")
    return errors


def _client(ctx, number):
    """The client's pk by its document number, written with or without dashes (NIT is stored
    without them, DUI as ########-#)."""
    if number not in ctx["clients"]:
        digits = re.sub(r"[\s\-]", "", number).upper()
        forms = {number, digits}
        if len(digits) == 9 and digits.isdigit():
            forms.add(f"{digits[:8]}-{digits[8]}")
        ctx["clients"][number] = list(clients_for_user(user=ctx["user"]).filter(id_number__in=forms)
                                      .values_list("pk", flat=True)[:2])
    found = ctx["clients"][number]
    if not found:
        raise CellError("client", _("no hay un cliente con el documento %(n)s") % {"n": number})
    if len(found) > 1:
        raise CellError("client", _("varios clientes tienen el documento %(n)s: corrija el catálogo de clientes") % {"n": number})
    return found[0]


def _document(ctx, value, client_id):
    """(pk, numero de control) of the document the user may see, by numero de control or codigo de
    generación. Numbers restart each year, so a numero de control may name several documents."""
    value = value.upper()
    if value not in ctx["documents"]:
        ctx["documents"][value] = list(documents_for_user(user=ctx["user"])
                                       .filter(Q(numero_control=value) | Q(codigo_generacion=value))
                                       .values_list("pk", "client_id", "numero_control", "client__name"))
    found = ctx["documents"][value]
    if not found:
        raise CellError("document", _("no hay un documento %(d)s que usted pueda ver") % {"d": value})
    mine = [d for d in found if d[1] == client_id]
    if not mine:
        raise CellError("document", _("el documento %(d)s es de otro cliente (%(c)s)") % {"d": value, "c": found[0][3] or "—"})
    if len(mine) > 1:
        raise CellError("document", _("hay varios documentos %(d)s de este cliente (de distintos años): use el código de "
                                      "generación") % {"d": value})
    return mine[0][0], mine[0][2]


def _owed(ctx, pk, label):
    """What the document still owes after the earlier rows of the file, and before them."""
    if pk not in ctx["owed"]:
        doc = selectors.credit_documents(Document.objects.filter(pk=pk)).first()
        if doc is None:
            raise CellError("document", _("el documento %(d)s no es una venta al crédito vigente") % {"d": label})
        outstanding = selectors.status_of(doc, today=ctx["today"]).outstanding
        ctx["owed"][pk] = [outstanding, outstanding]
    return ctx["owed"][pk]


def _existing(ctx, key):
    if key not in ctx["existing"]:
        client_id, date, reference = key
        payment = (Payment.objects.filter(client_id=client_id, date=date, reference=reference, voided_at__isnull=True)
                   .order_by("pk").first())
        ctx["existing"][key] = None if payment is None else (
            payment, dict(payment.applications.values_list("document_id", "amount")))
    return ctx["existing"][key]


def _same_as_recorded(data, existing, document):
    """A row of a payment already recorded: unchanged if it says what the payment holds."""
    payment, applications = existing
    differs = data["amount"] != payment.amount or data["method"] != payment.method
    if document is not None:
        differs = differs or document[0] not in applications or (
            data["applied"] is not None and data["applied"] != applications[document[0]])
    if differs:
        raise CellError("reference", _("ya hay un pago registrado de este cliente con esta fecha y referencia (%(m)s, "
                                       "forma de pago %(f)s) distinto de esta fila: un pago registrado no se modifica "
                                       "desde una carga; anúlelo en la cuenta del cliente si hay que corregirlo")
                        % {"m": formats.money(payment.amount), "f": payment.method})
    return applications.get(document[0]) if document else None


def _finalize(data, ctx):
    client_id = _client(ctx, data["client"])
    document = _document(ctx, data["document"], client_id) if data["document"] else None
    key = (client_id, data["date"], data["reference"])
    existing = _existing(ctx, key)
    row = {"client_id": client_id, "date": data["date"], "reference": data["reference"],
           "document_id": document[0] if document else None, "amount": data["amount"], "method": data["method"],
           "notes": data["notes"], "payment_id": None}
    if existing is not None:
        return row | {"applied": _same_as_recorded(data, existing, document), "payment_id": existing[0].pk}
    payment = ctx["payments"].setdefault(key, {"amount": data["amount"], "method": data["method"],
                                               "left": data["amount"], "documents": set()})
    if data["amount"] != payment["amount"]:
        raise CellError("amount", _("otra fila del mismo pago (cliente, fecha y referencia) tiene monto %(m)s: repita el "
                                    "total del pago en cada fila") % {"m": formats.money(payment["amount"])})
    if data["method"] != payment["method"]:
        raise CellError("method", _("otra fila del mismo pago tiene forma de pago %(f)s") % {"f": payment["method"]})
    if row["document_id"] in payment["documents"]:
        raise CellError("document", _("repetido: otra fila del mismo pago ya es para este documento") if document
                        else _("repetido: el mismo pago ya tiene una fila sin documento"))
    applied = None
    if document is not None:
        owed = _owed(ctx, *document)
        applied = data["applied"] if data["applied"] is not None else min(owed[0], payment["left"])
        earlier = _(" (después de lo aplicado en filas anteriores)") if owed[0] != owed[1] else ""
        if owed[0] <= 0:
            raise CellError("document", _("el documento %(d)s ya está pagado%(e)s") % {"d": document[1], "e": earlier})
        if applied > owed[0]:
            raise CellError("applied", _("el documento %(d)s solo debe %(o)s%(e)s") % {
                "d": document[1], "o": formats.money(owed[0]), "e": earlier})
        if applied > payment["left"] or applied <= 0:  # 0: the earlier rows used the whole payment
            raise CellError("applied", _("pasa del monto del pago: de %(m)s quedan %(l)s por aplicar") % {
                "l": formats.money(payment["left"]), "m": formats.money(payment["amount"])})
        owed[0] -= applied
        payment["left"] -= applied
    payment["documents"].add(row["document_id"])
    return row | {"applied": applied}


def _classify(result, batch):
    """Rows of payments already recorded are unchanged; the others are new. Nothing is ever
    modified: a recorded payment is corrected by voiding it."""
    new = [(rownum, values) for rownum, values in batch if values[PAYMENT_ID] is None]
    result.new += len(new)
    result.unchanged += len(batch) - len(new)
    return new, []


def _apply(new, changed, user):
    """One ``payment_record`` per payment, inside the upload's transaction: if any fails, none is kept."""
    payments = {}
    for rownum, values in new:
        row = dict(zip(WRITE_FIELDS, values, strict=True))
        payments.setdefault((row["client_id"], row["date"], row["reference"]), (rownum, []))[1].append(row)
    # The clients are locked (in pk order, so two uploads cannot deadlock) before looking for the
    # payments again: an upload of the same file applied meanwhile is seen, not duplicated.
    clients = {cl.pk: cl for cl in Client.objects.select_for_update().filter(
        pk__in={k[0] for k in payments}).order_by("pk")}
    recorded = set(Payment.objects.filter(voided_at__isnull=True, client_id__in=clients,
                                          reference__in={k[2] for k in payments}).values_list("client_id", "date", "reference"))
    for key, (rownum, rows) in payments.items():
        if key in recorded:
            raise FileRejected(_("Fila %(r)d: el pago ya fue registrado mientras se revisaba el archivo; revíselo de nuevo.")
                               % {"r": rownum})
        notes = "; ".join(dict.fromkeys(r["notes"] for r in rows if r["notes"]))
        try:
            payment_record(client=clients[key[0]], date=key[1], amount=rows[0]["amount"], method=rows[0]["method"],
                           acting_user=user, reference=key[2], notes=notes,
                           applications=[(Document(pk=r["document_id"]), r["applied"]) for r in rows if r["document_id"]])
        except ValidationError as exc:
            raise FileRejected(_("Fila %(r)d: %(m)s") % {"r": rownum, "m": " ".join(exc.messages)}) from exc


SPEC = Spec(
    name="pagos", title=gettext_lazy("Pagos recibidos"), model=Payment, columns=COLUMNS, key=KEY,
    module=Module.DOCUMENTOS, write_fields=WRITE_FIELDS, context=_context, check=_check, finalize=_finalize,
    # One batch: the rows of a payment are checked and written together, however far apart.
    max_rows=BATCH,
    extra={"user_context": True, "key_header": "documento", "classify": _classify, "apply": _apply, "rules": RULES},
)

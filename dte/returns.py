"""Goods that come back to stock: a sale whose invalidation MH accepted, and a credit note for
returned goods once MH seals it.

Stock follows the document's fiscal fate, never the request: a sale took its goods out when it
was issued (dte.services._move_stock); an invalidation only undoes that once MH has accepted the
event (facts §6: a refused or late event leaves the DTE valid, so the sale stands and so does
its stock), and a credit note returns its goods when it is sealed (an NC that MH rejects has no
fiscal value: nothing came back on paper). Each happens inside the transaction of the status
change that makes it true; that change is a conditional UPDATE (dte.transitions), so a retried
task or a second worker cannot move the stock a second time.

Only lines of products that keep stock count, and the person says which lines came back and how
many: a rescinded sale (tipo 2) need not bring every item back."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.models import AuditAction
from dte import arithmetic as ar
from dte.models import DocType, DocumentLine
from inventory.services import NegativeStock, stock_move

# Types whose issue took goods out of stock (the same list as dte.services._move_stock).
SALE_TYPES = (ar.FACTURA, ar.CCF, ar.FEX, ar.NR)


def returnable_lines(document):
    """The lines whose stock movement an invalidation of ``document`` undoes, and the sign of
    undoing it: +1 for a sale (the goods come back in), -1 for a credit note that had brought
    goods back (they leave again: the return is void)."""
    lines = document.lines.select_related("product").filter(product__tracks_stock=True)
    if document.tipo_dte in SALE_TYPES:
        return list(lines), 1
    if document.tipo_dte == ar.NC:
        return list(lines.filter(returns_goods=True)), -1
    return [], 0


def parse_returned(post, lines):
    """The lines the person marked as coming back (checkbox ``ret`` with the line's id) and how
    many (``ret_qty_<id>``, the whole line when empty). Returns ([{line, quantity}], errors)."""
    chosen = set(post.getlist("ret"))
    out, errors = [], []
    for line in lines:
        if str(line.pk) not in chosen:
            continue
        raw = (post.get(f"ret_qty_{line.pk}") or "").strip().replace(",", "")
        try:
            quantity = Decimal(raw) if raw else Decimal(line.quantity)
        except InvalidOperation:
            quantity = None
        if quantity is None or not quantity.is_finite() or quantity <= 0 or quantity > line.quantity:
            errors.append(_("%(p)s: la cantidad devuelta debe ser mayor que cero y no más de %(q)s.")
                          % {"p": line.code or line.description[:40], "q": line.quantity.normalize()})
            continue
        out.append({"line": line.pk, "quantity": quantity})
    return out, errors


def check_returned(document, returned):
    """The stored form of what comes back, refusing lines that are not the document's returnable
    ones or quantities beyond the line's."""
    lines, _sign = returnable_lines(document)
    by_pk = {x.pk: x for x in lines}
    out = []
    for item in returned or []:
        line = by_pk.get(int(item["line"]))
        quantity = Decimal(item["quantity"])
        if line is None:
            raise ValidationError(_("Esa línea no mueve existencias en este documento."))
        if quantity <= 0 or quantity > line.quantity:
            raise ValidationError(_("%(p)s: la cantidad devuelta debe ser mayor que cero y no más de %(q)s.")
                                  % {"p": line.code or line.description[:40], "q": line.quantity.normalize()})
        out.append({"line": line.pk, "quantity": str(quantity)})
    return out


def _move(*, document, moves, reason, actor, summary):
    """Move each (line, quantity) and write one audit row for the document."""
    done, refused = [], []
    for line, quantity in moves:
        item = {"producto": line.product.code, "linea": line.position, "cantidad": str(quantity)}
        try:
            with transaction.atomic():
                balance = stock_move(product=line.product, establishment=document.establishment, quantity=quantity,
                                     reason=reason, reference=document.codigo_generacion or "", acting_user=actor,
                                     confirm_negative=True)
        except NegativeStock as exc:
            # Only goods leaving again (a voided return) can hit this, when negative stock is not
            # allowed: MH has already decided, so the status change stands and the person sees
            # in the audit what could not be taken out.
            refused.append({**item, "motivo": exc.messages[0]})
            continue
        done.append({**item, "existencia": str(balance)})
    if done or refused:
        audit_record(actor=actor, action=AuditAction.RETURN, obj=document, summary=summary,
                     after={"lineas": done, **({"no_movidas": refused} if refused else {})})
    return done


def invalidation_accepted(record):
    """MH accepted ``record`` (an Invalidation): what the person confirmed comes back (or, for a
    credit note, leaves again). Call inside the transaction that marks it accepted."""
    if not record.returned_goods:
        return []
    document = record.document
    _lines, sign = returnable_lines(document)
    wanted = {int(x["line"]): Decimal(x["quantity"]) for x in record.returned_goods}
    lines = DocumentLine.objects.select_related("product").filter(document=document, pk__in=list(wanted))
    moves = [(x, sign * wanted[x.pk]) for x in lines if x.product_id and x.product.tracks_stock]
    if sign > 0:
        reason = _("Devolución: invalidación de %(n)s") % {"n": document.numero_control}
    else:
        reason = _("Salida: invalidación de la nota de crédito %(n)s") % {"n": document.numero_control}
    with transaction.atomic(savepoint=False):
        return _move(document=document, moves=moves, reason=reason, actor=record.created_by,
                     summary=_("Existencias por la invalidación aceptada por MH"))


def credit_note_sealed(document):
    """A credit note sealed by MH: the lines marked «mercadería devuelta» come back into the
    note's establishment. Call inside the transaction that seals it."""
    if document.tipo_dte != DocType.NC:
        return []
    lines = document.lines.select_related("product").filter(returns_goods=True, product__tracks_stock=True)
    moves = [(x, Decimal(x.quantity)) for x in lines]
    with transaction.atomic(savepoint=False):
        return _move(document=document, moves=moves,
                     reason=_("Devolución: nota de crédito %(n)s") % {"n": document.numero_control},
                     actor=document.issued_by, summary=_("Mercadería devuelta con la nota de crédito"))

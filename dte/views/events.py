"""The Normativa v2.0 events' pages (dte.events): a retorno on a sealed FE, FEX or FSE (from its
page), an operaciones especiales report, and the list of both with their state. The accountant's
grant to invalidate is the one that corrects what MH holds: it opens these too. A retorno's
document is fetched within the person's establishments; operaciones especiales report the whole
company, so only a company-wide role sends them."""

import datetime
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.modules import Module
from accounts.selectors import company_get
from core.access import module_required
from core.models import StateChange
from core.modules import Action
from core.text import clean_data
from dte import events, jsonio, selectors
from dte.models import MH_EVENT_MACHINE, EventKind, GovStatus, MHEvent, MHEventDocument

SPECIAL_ROWS = 8  # blank rows the form offers; more lines, another event
ROW_FIELDS = ("tipoDocumento", "docDel", "docAl", "numDocumento", "fechaEmision", "cantidad", "descripcion",
              "precioUni", "treatment", "codigoGeneracionRef")


def _blocked(kind):
    try:
        events.generation_for(kind)
    except ValidationError as exc:
        return exc.messages
    return []


@module_required(Module.DOCUMENTOS, Action.INVALIDATE)
def event_list(request):
    documents = selectors.documents_for_user(user=request.user).values("pk")
    rows = MHEvent.objects.filter(Q(kind=EventKind.RETURN, covered__document__in=documents)
                                  | (Q(kind=EventKind.SPECIAL) if request.user.company_wide else Q(pk__in=[])))
    # How many documents each retorno covers (the page names the first and counts the others).
    covers = (MHEventDocument.objects.filter(event=OuterRef("pk")).values("event").annotate(n=Count("pk")).values("n"))
    rows = list(rows.distinct().annotate(covers=Subquery(covers, output_field=IntegerField()))
                .select_related("document", "created_by")[:200])
    # Every row's moves in one query (the machine's history rows name the model and the id).
    moves = {}
    for move in StateChange.objects.filter(model=MH_EVENT_MACHINE.model._meta.label_lower,
                                           object_id__in=[str(r.pk) for r in rows]).order_by("at", "id"):
        moves.setdefault(move.object_id, []).append(move)
    for row in rows:
        row.moves = moves.get(str(row.pk), [])
    return render(request, "dte/events.html", {"events": rows, "may_report": request.user.company_wide})


def _companions(user, doc):
    """Other documents one retorno may cover with ``doc`` (sv-tax-facts-2.md §2): sealed, of its
    type, from its point of sale, to the same client, within the 3 months; within the person's
    establishments. A document without a client (an unnamed consumer, an FSE's seller) goes alone."""
    if not doc.client_id or doc.tipo_dte not in events.RETURNABLE_TYPES:
        return []
    since = timezone.now() - datetime.timedelta(days=93)
    rows = (selectors.documents_for_user(user=user).filter(
        tipo_dte=doc.tipo_dte, status=GovStatus.SEALED, point_of_sale_id=doc.point_of_sale_id, client_id=doc.client_id,
        processed_at__gte=since).exclude(pk=doc.pk).order_by("-processed_at", "-pk")[:events.MAX_RETURN_DOCUMENTS - 1])
    return [d for d in rows if not events.return_problems(d)]


def _quantity(raw, label, errors):
    try:
        return Decimal(raw)
    except InvalidOperation:
        errors.append(_("%(l)s, cantidad devuelta: «%(v)s» no es un número.") % {"l": label, "v": raw[:20]})
        return None


@module_required(Module.DOCUMENTOS, Action.INVALIDATE)
def return_new(request, pk):
    doc = get_object_or_404(selectors.documents_for_user(user=request.user).select_related(
        "company", "establishment", "point_of_sale"), pk=pk)
    items = jsonio.loads(doc.payload).get("cuerpoDocumento") or [] if doc.payload else []
    companions = _companions(request.user, doc) if doc.status == GovStatus.SEALED else []
    for other in companions:
        other.items = jsonio.loads(other.payload).get("cuerpoDocumento") or []
    errors, values = [], {}
    if request.method == "POST":
        post = clean_data(request.POST)
        returned, covered = [], [doc]
        for item in items:
            raw = post.get(f"qty-{item['numItem']}", "").strip().replace(",", "")
            values[str(item["numItem"])] = raw
            quantity = _quantity(raw, _("Línea %(n)s") % {"n": item["numItem"]}, errors) if raw else None
            if quantity:
                returned.append({"numItem": item["numItem"], "quantity": quantity})
        for other in companions:  # the same client's other documents this retorno also reduces
            for item in other.items:
                key = f"qty-{other.pk}-{item['numItem']}"
                raw = post.get(key, "").strip().replace(",", "")
                values[key] = raw
                label = _("%(d)s, línea %(n)s") % {"d": other.numero_control, "n": item["numItem"]}
                quantity = _quantity(raw, label, errors) if raw else None
                if quantity:
                    returned.append({"numItem": item["numItem"], "quantity": quantity, "document": other.pk})
                    if other not in covered:
                        covered.append(other)
        if not errors:
            try:
                record = events.return_request(document=doc, documents=covered, acting_user=request.user,
                                               returned=returned, reason=post.get("reason", "").strip()[:500])
                if record.contingency_period_id:
                    messages.success(request, _("Evento de retorno firmado en contingencia: %(c)s. Se enviará a MH "
                                                "cuando el evento de contingencia que lo lista esté sellado.") % {
                        "c": record.codigo_generacion})
                else:
                    messages.success(request, _("Evento de retorno firmado y enviado a MH: %(c)s.") % {
                        "c": record.codigo_generacion})
                return redirect("dte:events")
            except ValidationError as exc:
                errors += exc.messages
    blocking = _blocked(EventKind.RETURN) + events.return_problems(doc)
    return render(request, "dte/return_new.html", {
        "doc": doc, "items": items, "errors": errors, "values": values, "blocking": blocking,
        "companions": companions,
        "left": events.document_worth(doc) - events.returned_so_far(doc) if doc.payload else None,
        "deadline": events.return_deadline(doc) if doc.processed_at else None})


@module_required(Module.DOCUMENTOS, Action.INVALIDATE)
def special_new(request):
    if not request.user.company_wide:
        raise PermissionDenied(_("Las operaciones especiales se informan por toda la empresa."))
    today = timezone.localdate()
    last_month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    errors, rows, period = [], [{} for _n in range(SPECIAL_ROWS)], last_month
    if request.method == "POST":
        post = clean_data(request.POST)
        try:
            period = datetime.date.fromisoformat(post.get("period", "") + "-01")
        except ValueError:
            errors.append(_("Periodo: elija el mes que informa."))
        rows = [{f: post.get(f"row-{n}-{f}", "").strip() for f in ROW_FIELDS} for n in range(SPECIAL_ROWS)]
        # The blank rows are left out; the others keep their number on the form for the messages.
        filled = [{**r, "row": n} for n, r in enumerate(rows, start=1)
                  if r["descripcion"] or r["cantidad"] or r["docDel"] or r["numDocumento"]]
        if not errors:
            try:
                record = events.special_request(company=company_get(), acting_user=request.user, rows=filled,
                                                period=period, reason=post.get("reason", "").strip()[:500])
                messages.success(request, _("Evento de operaciones especiales firmado y enviado a MH: %(c)s.") % {
                    "c": record.codigo_generacion})
                return redirect("dte:events")
            except ValidationError as exc:
                errors += exc.messages
    return render(request, "dte/special_new.html", {
        "rows": rows, "errors": errors, "period": period, "blocking": _blocked(EventKind.SPECIAL),
        "deadline": events.special_period_deadline(period),
        "kinds": [("02", _("02 · Facturas de venta simplificada (rango)")), ("97", _("97 · Comprobante de control interno"))],
        "treatments": [("gravado", _("Gravada")), ("exento", _("Exenta")), ("no_sujeto", _("No sujeta"))]})

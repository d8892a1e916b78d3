"""Receiving, questioning and registering supplier documents. Every write by a person is audited
(core.audit) and every state change goes through RECEIVED_MACHINE (core.statemachine)."""

import datetime
import logging
import posixpath
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.modules import Module
from accounts.selectors import company_get
from core import formats
from core.audit import audit_entry, audit_record
from core.fiscal import DocType
from core.models import AuditEntry, StateChange
from core.modules import Action
from inventory.models import Provider
from purchases import checks, reading, retentions
from purchases.models import RECEIVED_MACHINE, MHStatus, ReceivedDocument, ReceivedState, Source

log = logging.getLogger(__name__)
# Ley IVA art. 63 (facts-2 §3): a purchase may be credited in its month or the three following.
LATE_PERIODS = 3
# 08: a Comprobante de Liquidación an agent sent us as its mandante (its IVA is our débito, not a
# crédito: kept out of the Libro de Compras and Anexo 3); 09: a Documento Contable de Liquidación
# a card issuer sent us as affiliated merchant, whose 2 % anticipo goes to Anexo 6 (sv-tax-facts-2.md §3, §6).
ACCEPTED_TYPES = ("01", "03", "05", "06", "07", "08", "09", "11", "14")


@dataclass
class FileResult:
    name: str
    document: ReceivedDocument | None = None
    refused: str = ""  # why the file was not kept
    problems: list = field(default_factory=list)


def _money(resumen, key):
    value = resumen.get(key)
    return Decimal(value).quantize(Decimal("0.01")) if isinstance(value, (int, Decimal)) and not isinstance(value, bool) else Decimal("0.00")


def _date(value):
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        return None


def provider_for(nit, nrc):
    """The catalogue's provider with this NIT (or, failing that, this NRC); None: a new supplier."""
    if nit:
        found = Provider.objects.filter(id_number__in=[nit, f"{nit[:4]}-{nit[4:10]}-{nit[10:13]}-{nit[13:]}"]).first()
        if found:
            return found
    if nrc:
        return Provider.objects.filter(nrc=nrc).first()
    return None


@dataclass
class _Prepared:
    """A received file parsed and checked, its row not saved yet."""

    obj: ReceivedDocument
    problems: list
    pdf: reading.Incoming | None


def _duplicate(name, existing=None, codigo=""):
    if existing is None:
        return _("«%(f)s» ya se recibió (código de generación %(c)s): no se registra dos veces.") % {"f": name, "c": codigo}
    return (_("«%(f)s» ya se recibió (código de generación %(c)s, archivo «%(o)s» del %(d)s): no se registra dos veces.")
            % {"f": name, "c": existing.codigo_generacion, "o": existing.file_name,
               "d": existing.received_at.date().isoformat()})


def _prepare(incoming, pdfs, company, acting_user, source, mail, batch, providers):
    """A _Prepared, or the refusal's message (str). ``providers``: a cache of provider_for."""
    name = incoming.name
    try:
        text, document = reading.parse_json(incoming.data, name)
    except reading.NotADocument as exc:
        return str(exc)
    ident = document["identificacion"]
    tipo, version = ident.get("tipoDte"), ident.get("version")
    if tipo not in ACCEPTED_TYPES or not isinstance(version, int):
        return _("«%(f)s»: tipo de DTE «%(t)s» no admitido en la bandeja de compras.") % {"f": name, "t": tipo}
    generation = checks.generation_of(tipo, version)
    if generation is None:
        return (_("«%(f)s»: la versión %(v)s del tipo %(t)s no es una versión de MH conocida.")
                % {"f": name, "v": version, "t": tipo})
    codigo = str(ident.get("codigoGeneracion") or "").upper()
    issue_date = _date(ident.get("fecEmi"))
    if len(codigo) != 36 or issue_date is None:
        return _("«%(f)s»: le falta el código de generación o la fecha de emisión.") % {"f": name}
    problems = checks.check(document, company, generation, text)
    emisor = document.get("emisor") if isinstance(document.get("emisor"), dict) else {}
    # A CR names the agent in emisor too; the supplier of a purchase is whoever issued it.
    nit = str(emisor.get("nit") or emisor.get("numDocumento") or "").replace("-", "")[:20]
    nrc = str(emisor.get("nrc") or "")[:8]
    if (nit, nrc) not in providers:
        providers[(nit, nrc)] = provider_for(nit, nrc)
    resumen = document.get("resumen") if isinstance(document.get("resumen"), dict) else {}
    amounts = dict(
        total_no_suj=_money(resumen, "totalNoSuj"), total_exenta=_money(resumen, "totalExenta"),
        total_gravada=_money(resumen, "totalGravada"), iva=checks.iva_of(resumen).quantize(Decimal("0.01")),
        iva_percibido=_money(resumen, "ivaPerci1"), iva_retenido=_money(resumen, "ivaRete1"),
        rete_renta=_money(resumen, "reteRenta"),
        total=_money(resumen, "montoTotalOperacion") or _money(resumen, "totalPagar"))
    if tipo == "07":
        # A Comprobante de Retención: the amount subject to retention and the IVA withheld
        # (resumen.totalSujetoRetencion / totalIVAretenido, CR schema v1).
        amounts.update(total_gravada=_money(resumen, "totalSujetoRetencion"), iva=Decimal("0.00"),
                       iva_retenido=_money(resumen, "totalIVAretenido"), total=_money(resumen, "totalSujetoRetencion"))
    if tipo == "08":
        # The mandante's sales the agent made (total: montoTotalOperacion); v1 ivaPerci1, v2 ivaPerci.
        amounts.update(iva_percibido=_money(resumen, "ivaPerci1") or _money(resumen, "ivaPerci"))
    if tipo == "09":
        # A DCL has no resumen: its settlement is cuerpoDocumento (fe-dcl-v1/v2). The amount subject
        # to the 2 % anticipo and the anticipo itself are what Anexo 6 reads; the operation's value
        # is the card sales settled. [G] The commission's IVA (ivaComision) is not taken as crédito
        # fiscal: neither the facts pages nor CT art. 141 list the DCL among a purchase's documents.
        body = document.get("cuerpoDocumento") if isinstance(document.get("cuerpoDocumento"), dict) else {}
        amounts.update(total_gravada=_money(body, "montoSujetoPercepcion"), iva=Decimal("0.00"),
                       iva_percibido=_money(body, "ivaPercibido"), total=_money(body, "valorOperaciones"))
    obj = ReceivedDocument(
        company=company, tipo_dte=tipo, version=version, generation=generation, codigo_generacion=codigo,
        numero_control=str(ident.get("numeroControl") or "")[:31], sello_recibido=str(document.get("selloRecibido") or "")[:40],
        ambiente=str(ident.get("ambiente") or "")[:2], issue_date=issue_date, supplier_nit=nit, supplier_nrc=nrc,
        supplier_name=str(emisor.get("nombre") or "")[:250], provider=providers[(nit, nrc)], **amounts,
        raw=text, file_name=name[:255], received_by=acting_user, source=source, mail=mail, batch=batch,
        state=ReceivedState.QUESTIONED if problems else ReceivedState.VERIFIED,
        question_reason=_reason(problems) if problems else "")
    pdf = pdfs.pop(posixpath.splitext(name)[0].lower(), None) or pdfs.pop(codigo.lower(), None)
    return _Prepared(obj, problems, pdf)


def _history_and_audit(prepared, acting_user):
    """The rows a received document's arrival writes beside it: its audit entry and its first
    state change (received → verified or questioned), as RECEIVED_MACHINE records one."""
    obj = prepared.obj
    audit = audit_entry(actor=acting_user, action="create", obj=obj,
                        summary=_("Documento recibido %(t)s %(n)s de %(s)s (archivo «%(f)s»)")
                        % {"t": obj.tipo_dte, "n": obj.numero_control, "s": obj.supplier_name, "f": obj.file_name})
    reason = _reason(prepared.problems)[:500] if prepared.problems else _("Revisión sin observaciones.")
    return audit, RECEIVED_MACHINE._row(obj.pk, ReceivedState.RECEIVED, obj.state, by=acting_user, reason=reason)


def _save(prepared, acting_user):
    obj = prepared.obj
    if prepared.pdf is not None:
        obj.pdf.save(f"{obj.codigo_generacion}.pdf", ContentFile(prepared.pdf.data), save=False)
    obj.save()
    audit, change = _history_and_audit(prepared, acting_user)
    audit.save(force_insert=True)
    change.save(force_insert=True)


def _receive_one(incoming, pdfs, company, acting_user, source=Source.UPLOAD, mail=None, batch=None, providers=None):
    name = incoming.name
    prepared = _prepare(incoming, pdfs, company, acting_user, source, mail, batch, {} if providers is None else providers)
    if isinstance(prepared, str):
        return FileResult(name, refused=prepared)
    existing = ReceivedDocument.objects.filter(company=company, codigo_generacion=prepared.obj.codigo_generacion).first()
    if existing:
        return FileResult(name, refused=_duplicate(name, existing))
    try:
        with transaction.atomic():
            _save(prepared, acting_user)
            _retentions([prepared.obj], acting_user)
    except IntegrityError:  # the same document in the same upload twice, or a concurrent upload
        return FileResult(name, refused=_duplicate(name, codigo=prepared.obj.codigo_generacion))
    return FileResult(name, document=prepared.obj, problems=prepared.problems)


def _retentions(documents, acting_user, *, withdrawn=False):
    """A client's CR just verified (or invalidated): its retentions told to the receivables side."""
    for doc in documents:
        if doc.tipo_dte == DocType.CR:
            retentions.retentions_apply(cr=doc, acting_user=acting_user, withdrawn=withdrawn)


def receive_many(items, pdfs, company, acting_user, *, source, batch=None):
    """The bulk form of _receive_one for a worker's chunk: every file parsed and checked as one
    upload's, the duplicates found in one query, then the rows, their audit entries and their
    first state changes inserted together (three statements). If a concurrent intake inserted one
    of them meanwhile, the chunk falls back to one document at a time."""
    providers, results, ready = {}, [], []
    for item in items:
        prepared = _prepare(item, pdfs, company, acting_user, source, None, batch, providers)
        if isinstance(prepared, str):
            results.append(FileResult(item.name, refused=prepared))
        else:
            ready.append((item, prepared))
    codes = [p.obj.codigo_generacion for _item, p in ready]
    existing = {d.codigo_generacion: d for d in ReceivedDocument.objects.filter(company=company, codigo_generacion__in=codes)}
    fresh, seen = [], set()
    for item, prepared in ready:
        code = prepared.obj.codigo_generacion
        if code in existing or code in seen:
            results.append(FileResult(item.name, refused=_duplicate(item.name, existing.get(code), code)))
        else:
            seen.add(code)
            fresh.append((item, prepared))
    try:
        with transaction.atomic():
            for _item, prepared in fresh:
                if prepared.pdf is not None:
                    prepared.obj.pdf.save(f"{prepared.obj.codigo_generacion}.pdf", ContentFile(prepared.pdf.data), save=False)
            ReceivedDocument.objects.bulk_create([p.obj for _item, p in fresh])
            rows = [_history_and_audit(p, acting_user) for _item, p in fresh]
            AuditEntry.objects.bulk_create([a for a, _c in rows])
            StateChange.objects.bulk_create([c for _a, c in rows])
            _retentions([p.obj for _item, p in fresh], acting_user)
    except IntegrityError:
        for _item, prepared in fresh:
            prepared.obj.pk = None
        return results + [_receive_one(item, {posixpath.splitext(item.name)[0].lower(): p.pdf} if p.pdf else {}, company,
                                       acting_user, source, None, batch, providers) for item, p in fresh]
    return results + [FileResult(item.name, document=p.obj, problems=p.problems) for item, p in fresh]


def _reason(problems):
    return " · ".join(problems)[:1000]


def receive_upload(*, files, acting_user, company=None, source=Source.UPLOAD, mail=None):
    """``files``: (name, bytes) pairs as uploaded (JSON, PDF or ZIP). Returns (results, skipped
    names). Raises reading.UploadRejected when the upload as a whole is refused. ``acting_user``
    None: the product itself (a mailbox read by the worker)."""
    company = company or company_get()
    if company is None:
        raise ValidationError(_("Configure primero la empresa."))
    incoming, skipped = reading.expand(files)
    pdfs = {}
    for item in incoming:
        if item.name.lower().endswith(".pdf"):
            if not item.data.startswith(b"%PDF-"):
                skipped.append(item.name)
                continue
            pdfs[posixpath.splitext(item.name)[0].lower()] = item
    results = [_receive_one(item, pdfs, company, acting_user, source, mail)
               for item in incoming if item.name.lower().endswith(".json")]
    skipped += [item.name for item in pdfs.values()]  # PDFs that match no JSON
    return results, skipped


def period_problem(document, period):
    """Why ``document`` cannot be registered in ``period`` (a month's first day), or ''."""
    first = document.issue_date.replace(day=1)
    months = (period.year - first.year) * 12 + period.month - first.month
    if months < 0:
        return _("%(n)s es de %(m)s: no puede registrarse en un periodo anterior.") % {
            "n": document.numero_control, "m": first.strftime("%m/%Y")}
    if months > LATE_PERIODS:
        return _("%(n)s es de %(m)s: solo puede acreditarse en ese mes o en los tres siguientes (Ley IVA art. 63).") % {
            "n": document.numero_control, "m": first.strftime("%m/%Y")}
    return ""


def register(*, documents, period, acting_user):
    """Register verified documents into the tax period ``period`` (any day of the month). Returns
    (registered count, problems)."""
    period = period.replace(day=1)
    problems, done = [], 0
    with transaction.atomic():
        for document in documents:
            if document.state != ReceivedState.VERIFIED:
                problems.append(_("%(n)s no está verificado (%(s)s): no se registra.") % {
                    "n": document.numero_control, "s": document.get_state_display()})
                continue
            problem = period_problem(document, period)
            if problem:
                problems.append(problem)
                continue
            RECEIVED_MACHINE.move(document, ReceivedState.REGISTERED, by=acting_user, tax_period=period,
                                  reason=_("Registrado en el periodo %(p)s") % {"p": period.strftime("%m/%Y")})
            audit_record(actor=acting_user, action="update", obj=document,
                         summary=_("Registrado en el Libro de Compras de %(p)s") % {"p": period.strftime("%m/%Y")})
            done += 1
    return done, problems


def question(*, document, reason, acting_user):
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Escriba el motivo de la observación."))
    with transaction.atomic():
        RECEIVED_MACHINE.move(document, ReceivedState.QUESTIONED, by=acting_user, reason=reason[:500],
                              question_reason=reason[:1000])
        audit_record(actor=acting_user, action="update", obj=document, summary=_("Observado: %(r)s") % {"r": reason})


def accept(*, document, acting_user):
    with transaction.atomic():
        RECEIVED_MACHINE.move(document, ReceivedState.VERIFIED, by=acting_user,
                              reason=_("Aceptado por el contador tras revisarlo."), question_reason="")
        audit_record(actor=acting_user, action="update", obj=document, summary=_("Aceptado tras revisión"))
        _retentions([document], acting_user)


def record_mh_status(*, document, status, acting_user):
    """Record what MH's public page showed for ``document``. Invalidated: the document leaves the
    books (if it was registered, the message names the period to correct). Rejected or not found:
    questioned while it is not registered. Returns a message for the accountant."""
    status = MHStatus(status)
    with transaction.atomic():
        ReceivedDocument.objects.filter(pk=document.pk).update(mh_status=status, mh_checked_at=timezone.now(),
                                                                mh_checked_by=acting_user)
        document.mh_status = status
        label = MHStatus(status).label
        message = _("Estado en MH registrado: %(s)s.") % {"s": label}
        if status == MHStatus.INVALIDATED and document.state != ReceivedState.INVALIDATED:
            period = document.tax_period
            RECEIVED_MACHINE.move(document, ReceivedState.INVALIDATED, by=acting_user,
                                  reason=_("MH lo muestra invalidado por el proveedor"))
            _retentions([document], acting_user, withdrawn=True)
            if period:
                message = _("El proveedor invalidó este documento y ya estaba registrado en el periodo %(p)s: "
                            "corrija el Libro de Compras y la declaración de ese periodo.") % {"p": period.strftime("%m/%Y")}
        elif status in (MHStatus.REJECTED, MHStatus.NOT_FOUND) and RECEIVED_MACHINE.allowed(document.state, ReceivedState.QUESTIONED):
            RECEIVED_MACHINE.move(document, ReceivedState.QUESTIONED, by=acting_user, reason=label,
                                  question_reason=_("Estado en MH: %(s)s") % {"s": label})
        audit_record(actor=acting_user, action="update", obj=document, summary=message)
    return message


def invalidation_alert(*, document, message):
    """Mail the accountants (company-wide roles holding DOCUMENTOS · Modificar, the inbox's grant)
    that a supplier invalidated ``document``, after the change is committed."""
    recipients = list(User.objects.filter(is_active=True).exclude(email="").filter(
        Q(is_superuser=True) | Q(role__company_wide=True, role__permissions__module=Module.DOCUMENTOS,
                                 role__permissions__action=Action.EDIT)).distinct().values_list("email", flat=True))
    if not recipients:
        return
    subject = _("Documento recibido invalidado por el proveedor: %(n)s") % {"n": document.numero_control}
    body = "\n".join([message, "", _("Proveedor: %(s)s") % {"s": document.supplier_name},
                      _("Código de generación: %(c)s") % {"c": document.codigo_generacion},
                      _("Fecha de emisión: %(d)s") % {"d": formats.date(document.issue_date)}])

    def send():
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
        except Exception:  # noqa: BLE001 - an alert that cannot be mailed is logged; the inbox shows it anyway
            log.exception("aviso de invalidación de %s no enviado", document.pk)

    transaction.on_commit(send)


def mailbox_save(*, form, acting_user, company=None):
    """Save the mailbox ``form`` (purchases.forms.MailboxForm, valid); the password never goes to
    the audit row."""
    company = company or company_get()
    with transaction.atomic():
        mailbox = form.save(commit=False)
        created = mailbox.pk is None
        mailbox.company = company
        mailbox.password = form.cleaned_data["password"]
        mailbox.last_error = ""
        mailbox.save()
        audit_record(actor=acting_user, action="create" if created else "update", obj=mailbox,
                     summary=_("Buzón de compras %(b)s (campos: %(f)s)")
                     % {"b": str(mailbox), "f": ", ".join(sorted(form.changed_data)) or "—"})
    return mailbox


def notes_save(*, document, notes, acting_user):
    notes = (notes or "").strip()[:4000]
    with transaction.atomic():
        ReceivedDocument.objects.filter(pk=document.pk).update(notes=notes)
        document.notes = notes
        audit_record(actor=acting_user, action="update", obj=document, summary=_("Notas actualizadas"))


def pdf_attach(*, document, data, acting_user):
    """Keep the supplier's PDF, sent on its own after the JSON, with its received document (the
    mailbox pairs a PDF with its JSON by name or código; one sent alone is paired by the
    document it is sent to). A document keeps the first PDF it got: another is refused."""
    with transaction.atomic():
        locked = ReceivedDocument.objects.select_for_update().get(pk=document.pk)
        if locked.pdf:
            raise ValidationError(_("%(n)s ya tiene su PDF.") % {"n": locked.numero_control})
        locked.pdf.save(f"{locked.codigo_generacion}.pdf", ContentFile(data), save=False)
        ReceivedDocument.objects.filter(pk=locked.pk).update(pdf=locked.pdf.name)
        audit_record(actor=acting_user, action="update", obj=locked, summary=_("PDF del proveedor agregado"))
    return locked

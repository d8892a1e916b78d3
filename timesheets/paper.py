"""The paper side of a run: the timesheet annex printed with a Factura, CCF or FSE of a run
(dte.hooks.register_print_annex: the dte printing worker renders it with the document), and the
staff member's internal statement, rendered by a worker, stored through Django storage, its
location recorded on the item, and emailed."""

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Count, Sum
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from core import formats
from timesheets.models import ItemKind, RunItem


def _days_of(item):
    days = item.billed_days if item.kind == ItemKind.CLIENT else item.paid_days
    return list(days.select_related("employee", "project").order_by("date", "employee__name"))


def _people_of(item):
    """A client's annex: one line per person and project (days, hours), not one per day: a
    project with hundreds of people would print thousands of lines."""
    return list(item.billed_days.order_by().values("employee__name", "project__name")
                .annotate(days=Count("pk"), hours=Sum("hours")).order_by("project__name", "employee__name"))


def annex_html(document):
    """The hours behind a run's document, or "" for any other document."""
    item = RunItem.objects.filter(document=document).select_related("run", "employee", "client").first()
    if item is None:
        return ""
    if item.kind == ItemKind.CLIENT:
        return render_to_string("timesheets/pdf/annex.html", {"item": item, "people": _people_of(item)})
    return render_to_string("timesheets/pdf/annex.html", {"item": item, "days": _days_of(item)})


def render_statement(item):
    from weasyprint import HTML  # noqa: PLC0415 - start-up cost: WeasyPrint loads only in the worker

    html = render_to_string("timesheets/pdf/statement.html", {"item": item, "days": _days_of(item),
                                                              "company": item.run.point_of_sale.establishment.company})
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def statement_store(item_id):
    """Render the staff statement, store it and record where; returns the item."""
    item = RunItem.objects.select_related("run__point_of_sale__establishment__company", "employee").get(pk=item_id)
    if item.file:
        return item
    data = render_statement(item)
    name = default_storage.save(f"timesheets/{item.run.period_start:%Y}/{item.run_id}/constancia-{item.pk}.pdf",
                                ContentFile(data))
    with transaction.atomic():
        changed = RunItem.objects.filter(pk=item.pk, file="").update(file=name)
    if not changed:  # another worker stored it first: keep theirs
        default_storage.delete(name)
        item.refresh_from_db()
    else:
        item.file.name = name
    return item


def statement_message(item, link):
    company = item.run.point_of_sale.establishment.company
    body = "\n".join([
        _("Estimado(a) %(n)s:") % {"n": item.employee.name}, "",
        _("Adjuntamos su constancia de horas del periodo %(p)s: %(h)s horas, %(m)s.") % {
            "p": str(item.run), "h": formats.quantity(item.hours), "m": formats.money(item.amount)},
        _("Es un documento interno: no es un documento tributario."), "",
        _("También puede descargarla aquí: %(u)s") % {"u": link}, "", company.legal_name])
    message = EmailMessage(subject=_("Constancia de horas %(p)s") % {"p": str(item.run)}, body=body,
                           from_email=company.email or settings.DEFAULT_FROM_EMAIL, to=[item.employee.email])
    with item.file.open("rb") as fh:
        message.attach(f"constancia-{item.run.period_start:%Y%m%d}.pdf", fh.read(), "application/pdf")
    return message

"""Workdays uploaded from a spreadsheet through the bulk machinery (dry run, errors by row and
column, all or nothing). Each row is one person's hours on one project and day; rows are written
through ``workday_save`` (the same locks and audit as the weekly grid): a day already approved or
in a period already issued is an error naming the row, never a silent change."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.modules import Module
from bulk import columns as c
from bulk.columns import CellError
from bulk.engine import BATCH, Spec
from bulk.reading import FileRejected
from timesheets import selectors, services
from timesheets.models import Employee, Project, Workday, WorkdayState

_CODE = c.code_text(pattern=r"^[0-9A-Za-z\-_.]{1,20}$", message=gettext_lazy("tiene caracteres no válidos"),
                    required=True)
COLUMNS = [
    c.Column("colaborador", "employee", _CODE, required=True, example="C1",
             help=gettext_lazy("código del colaborador, como en su ficha")),
    c.Column("proyecto", "project", _CODE, required=True, example="PORTAL",
             help=gettext_lazy("código del proyecto; vacío no se admite")),
    c.Column("fecha", "date", c.date(required=True), required=True, example="2026-11-16", kind="date",
             help=gettext_lazy("AAAA-MM-DD")),
    c.Column("horas", "hours", c.decimal(places=2, minimum=Decimal("0.25"), maximum=Decimal("24"), required=True,
                                         from_text=False), required=True, example=8, kind="number",
             help=gettext_lazy("de 0.25 a 24")),
    c.Column("descripcion", "description", c.text(300), example="Módulo de pagos", width=30),
]
WRITE_FIELDS = ["employee_id", "project_id", "date", "hours", "description", "existing"]
KEY = ("employee_id", "project_id", "date")
RULES = [
    gettext_lazy("Una fila por colaborador, proyecto y día. Una jornada ya aprobada o de un periodo ya facturado no "
                 "se modifica: esas filas son errores."),
    gettext_lazy("Las jornadas cargadas quedan por aprobar, como las de la semana."),
]


def _context(user):
    return {"user": user, "employees": {e.code: e for e in selectors.employees_for_user(user=user)
                                        .select_related("department")},
            "projects": {p.code: p for p in selectors.projects_for_user(user=user)}, "seen": set()}


def _check(data, ctx):
    return {}


def _finalize(data, ctx):
    employee = ctx["employees"].get(data["employee"])
    if employee is None:
        raise CellError("employee", _("no hay un colaborador «%(c)s» que usted pueda ver") % {"c": data["employee"]})
    project = ctx["projects"].get(data["project"])
    if project is None:
        raise CellError("project", _("no hay un proyecto «%(c)s» que usted pueda ver") % {"c": data["project"]})
    key = (employee.pk, project.pk, data["date"])
    if key in ctx["seen"]:
        raise CellError("date", _("el archivo ya trae otra fila de este colaborador, proyecto y día"))
    ctx["seen"].add(key)
    run = selectors.locked_period(establishment_id=employee.department.establishment_id, date=data["date"])
    if run is not None:
        raise CellError("date", _("el periodo %(p)s ya fue facturado y está cerrado") % {"p": str(run)})
    found = Workday.objects.filter(employee=employee, project=project, date=data["date"]).values_list(
        "pk", "state", "hours", "description").first()
    if found and found[1] != WorkdayState.DRAFT:
        raise CellError("date", _("esa jornada ya está %(s)s: no admite cambios") % {"s": WorkdayState(found[1]).label.lower()})
    if found and (found[2], found[3]) == (data["hours"], data.get("description") or ""):
        existing = "same"
    else:
        existing = "changed" if found else None
    return (employee.pk, project.pk, data["date"], data["hours"], data.get("description") or "", existing)


def _classify(result, batch):
    new = [(n, v) for n, v in batch if v[-1] is None]
    changed = [(n, v) for n, v in batch if v[-1] == "changed"]
    result.new += len(new)
    result.changed += len(changed)
    result.unchanged += len(batch) - len(new) - len(changed)
    return new, changed


def _apply(new, changed, user):
    employees = {e.pk: e for e in Employee.objects.select_related("department").filter(
        pk__in={v[0] for _n, v in new + changed})}
    projects = {p.pk: p for p in Project.objects.filter(pk__in={v[1] for _n, v in new + changed})}
    for rownum, values in sorted(new + changed):
        try:
            services.workday_save(employee=employees[values[0]], project=projects[values[1]], date=values[2],
                                  hours=values[3], description=values[4], acting_user=user)
        except ValidationError as exc:
            raise FileRejected(_("Fila %(r)d: %(m)s") % {"r": rownum, "m": " ".join(exc.messages)}) from exc


SPEC = Spec(
    name="jornadas", title=gettext_lazy("Jornadas (horas trabajadas)"), model=Workday, columns=COLUMNS, key=KEY,
    module=Module.DOCUMENTOS, write_fields=WRITE_FIELDS, context=_context, check=_check, finalize=_finalize,
    max_rows=BATCH * 10,
    extra={"user_context": True, "key_header": "fecha", "classify": _classify, "apply": _apply, "rules": RULES},
)

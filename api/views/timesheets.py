"""Work time through the API (issue 22), through timesheets.services with its checks: employees
read, workdays entered (a locked or approved day refused, 409) and listed, and the periodic run:
its dry run (every document it would produce, no number used), the run itself (once per period:
asking again answers 409 naming the run; a reopened period runs again, only what is new) and its
status. Scope is the pages' (core.scope: a manager's establishments, an employee's own data);
every POST that writes honours Idempotency-Key."""

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response

from accounts.modules import Module
from accounts.selectors import points_of_sale_for_user
from api.errors import ApiError
from api.idempotency import idempotent
from api.views.base import AFTER, IDEMPOTENCY, LANGUAGE, LIMIT, ApiView, errors, id_page
from core import scope
from core.modules import Action
from timesheets import services
from timesheets.models import BillingRun, Employee, ItemKind, Project, Workday

MANAGE = (Module.DOCUMENTOS, Action.APPROVE)  # the run pages' grant (timesheets.views)
ENTER = (Module.DOCUMENTOS, Action.VIEW)  # hours: a manager's employees or one's own (scope)


class EmployeeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Employee
        fields = ["id", "code", "name", "email", "fiscal_status", "department", "project", "hourly_rate", "is_active"]


class WorkdaySerializer(serializers.ModelSerializer):
    class Meta:
        model = Workday
        fields = ["id", "employee", "project", "date", "hours", "description", "state"]


class WorkdayInSerializer(serializers.Serializer):
    employee = serializers.IntegerField()
    date = serializers.DateField()
    hours = serializers.DecimalField(max_digits=4, decimal_places=2, min_value=Decimal("0.01"), max_value=24)
    project = serializers.IntegerField(required=False, help_text="Vacío: el proyecto del colaborador.")
    description = serializers.CharField(required=False, allow_blank=True, max_length=300)


class PeriodInSerializer(serializers.Serializer):
    point_of_sale = serializers.IntegerField()
    desde = serializers.DateField()
    hasta = serializers.DateField()


class PlanItemSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ItemKind.choices)
    tipo_dte = serializers.CharField(allow_blank=True)
    recipient = serializers.CharField()
    hours = serializers.DecimalField(max_digits=10, decimal_places=2)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    withheld = serializers.DecimalField(max_digits=14, decimal_places=2)
    iva = serializers.DecimalField(max_digits=14, decimal_places=2)
    to_pay = serializers.DecimalField(max_digits=14, decimal_places=2)


class RunItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    round = serializers.IntegerField()
    kind = serializers.CharField()
    recipient = serializers.CharField(source="recipient_name")
    state = serializers.CharField()
    hours = serializers.DecimalField(max_digits=10, decimal_places=2)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    withheld = serializers.DecimalField(max_digits=14, decimal_places=2)
    to_pay = serializers.DecimalField(max_digits=14, decimal_places=2)
    document = serializers.IntegerField(source="document_id", allow_null=True)
    error = serializers.CharField()


class RunSerializer(serializers.ModelSerializer):
    percent = serializers.IntegerField()
    items = serializers.SerializerMethodField()

    class Meta:
        model = BillingRun
        fields = ["id", "point_of_sale", "period_start", "period_end", "state", "round", "scheduled", "total_items",
                  "done_items", "failed_items", "percent", "error", "created_at", "started_at", "finished_at", "items"]

    @extend_schema(exclude=True)
    def get_items(self, run) -> list[dict]:
        if not self.context.get("with_items"):
            return []
        return RunItemSerializer(run.items.select_related("employee", "client").order_by("pk"), many=True).data


def _invalid(message, field):
    return ApiError(message, code="invalid", status_code=400, field=field)


def _date_param(request, name):
    raw = request.query_params.get(name, "")
    if not raw:
        return None
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        raise _invalid(_("«%(f)s» es una fecha AAAA-MM-DD.") % {"f": name}, name) from None


def _period(request):
    incoming = PeriodInSerializer(data=request.data)
    incoming.is_valid(raise_exception=True)
    data = incoming.validated_data
    if data["hasta"] < data["desde"]:
        raise _invalid(_("El periodo termina antes de empezar."), "hasta")
    if (data["hasta"] - data["desde"]).days > 31:
        raise _invalid(_("Un periodo abarca a lo sumo un mes."), "hasta")
    point = points_of_sale_for_user(user=request.user).filter(pk=data["point_of_sale"]).first()
    if point is None:
        raise _invalid(_("El punto de venta no existe o la clave no opera en él."), "point_of_sale")
    return point, data["desde"], data["hasta"]


class EmployeeListView(ApiView):
    grants = {"GET": MANAGE}

    @extend_schema(operation_id="employees_list", parameters=[AFTER, LIMIT, LANGUAGE],
                   responses={200: inline_serializer("EmployeePage", {
                       "results": EmployeeSerializer(many=True), "next": serializers.CharField(allow_null=True)}),
                       **errors(400)}, tags=["horas"])
    def get(self, request):
        return Response(id_page(request, scope.rows(Employee, request.user).order_by(), EmployeeSerializer))


class WorkdayListView(ApiView):
    grants = {"GET": ENTER, "POST": ENTER}

    @extend_schema(operation_id="workdays_list",
                   parameters=[OpenApiParameter("colaborador", int), OpenApiParameter("desde", datetime.date),
                               OpenApiParameter("hasta", datetime.date), AFTER, LIMIT, LANGUAGE],
                   responses={200: inline_serializer("WorkdayPage", {
                       "results": WorkdaySerializer(many=True), "next": serializers.CharField(allow_null=True)}),
                       **errors(400)}, tags=["horas"])
    def get(self, request):
        qs = scope.rows(Workday, request.user).order_by()
        who = request.query_params.get("colaborador", "")
        if who:
            if not who.isdigit():
                raise _invalid(_("«colaborador» es el id de un colaborador."), "colaborador")
            qs = qs.filter(employee_id=int(who))
        start, end = _date_param(request, "desde"), _date_param(request, "hasta")
        if start:
            qs = qs.filter(date__gte=start)
        if end:
            qs = qs.filter(date__lte=end)
        return Response(id_page(request, qs, WorkdaySerializer))

    @extend_schema(operation_id="workdays_create", request=WorkdayInSerializer, parameters=[IDEMPOTENCY, LANGUAGE],
                   responses={201: WorkdaySerializer, **errors(400, 409, 422)}, tags=["horas"])
    @idempotent
    def post(self, request):
        incoming = WorkdayInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        employee = scope.rows(Employee, request.user).filter(pk=data["employee"], is_active=True).first()
        if employee is None:
            raise _invalid(_("El colaborador no existe o queda fuera del alcance de la clave."), "employee")
        project = employee.project
        if data.get("project"):
            project = scope.rows(Project, request.user).filter(pk=data["project"], is_active=True).first()
            if project is None:
                raise _invalid(_("El proyecto no existe o queda fuera del alcance de la clave."), "project")
        try:
            day = services.workday_save(employee=employee, project=project, date=data["date"], hours=data["hours"],
                                        description=data.get("description", ""), acting_user=request.user)
        except ValidationError as exc:
            raise ApiError(" ".join(exc.messages), code="conflict", status_code=409) from exc
        return Response(WorkdaySerializer(day).data, status=status.HTTP_201_CREATED)


class DryRunView(ApiView):
    """What the run would produce; writes nothing and uses no control number."""

    grants = {"POST": MANAGE}

    @extend_schema(operation_id="billing_dry_run", request=PeriodInSerializer, parameters=[IDEMPOTENCY, LANGUAGE],
                   responses={200: inline_serializer("DryRun", {
                       "items": PlanItemSerializer(many=True), "existing_run": serializers.IntegerField(allow_null=True)}),
                       **errors(400, 422)}, tags=["horas"])
    @idempotent
    def post(self, request):
        point, start, end = _period(request)
        plan = services.run_plan(establishment_id=point.establishment_id, period_start=start, period_end=end)
        existing = BillingRun.objects.filter(point_of_sale=point, period_start=start, period_end=end).first()
        return Response({"items": PlanItemSerializer(plan, many=True).data,
                         "existing_run": existing.pk if existing else None})


class RunListView(ApiView):
    grants = {"GET": MANAGE, "POST": MANAGE}

    @extend_schema(operation_id="billing_runs_list", parameters=[AFTER, LIMIT, LANGUAGE],
                   responses={200: inline_serializer("RunPage", {
                       "results": RunSerializer(many=True), "next": serializers.CharField(allow_null=True)}),
                       **errors(400)}, tags=["horas"])
    def get(self, request):
        return Response(id_page(request, scope.rows(BillingRun, request.user).order_by(), RunSerializer))

    @extend_schema(operation_id="billing_runs_create", request=PeriodInSerializer, parameters=[IDEMPOTENCY, LANGUAGE],
                   responses={201: RunSerializer, **errors(400, 409, 422)}, tags=["horas"])
    @idempotent
    def post(self, request):
        point, start, end = _period(request)
        try:
            run, created = services.run_request(point_of_sale=point, period_start=start, period_end=end,
                                                acting_user=request.user)
        except (ValidationError, PermissionDenied) as exc:
            raise _invalid(" ".join(getattr(exc, "messages", [str(exc)])), None) from exc
        if not created:
            raise ApiError(_("El periodo %(p)s ya tiene su corrida (id %(id)d): no se emite nada nuevo.")
                           % {"p": str(run), "id": run.pk}, code="conflict", status_code=409)
        return Response(RunSerializer(run, context={"with_items": True}).data, status=status.HTTP_201_CREATED)


class RunDetailView(ApiView):
    grants = {"GET": MANAGE}

    @extend_schema(operation_id="billing_runs_read", parameters=[LANGUAGE], responses={200: RunSerializer, **errors(404)},
                   tags=["horas"])
    def get(self, request, pk):
        run = scope.get_or_404(BillingRun, request.user, pk=pk)
        return Response(RunSerializer(run, context={"with_items": True}).data)

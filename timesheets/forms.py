"""The work-time catalogue's forms (departments, projects, employees). Every choice a form
offers is narrowed to what the user may reach: their establishments, the departments and
projects of those, the clients they see."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.selectors import establishments_for_user, users_reachable_by
from clients.selectors import clients_for_user
from core.text import CleanTextFormMixin
from timesheets import selectors
from timesheets.models import Department, Employee, Project


class _Scoped(CleanTextFormMixin, forms.ModelForm):
    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if "establishment" in self.fields:
            self.fields["establishment"].queryset = establishments_for_user(user=user)
        for field in self.fields.values():
            css = "form-check-input" if isinstance(field.widget, forms.CheckboxInput) else (
                "form-select" if isinstance(field.widget, forms.Select) else "form-control")
            field.widget.attrs.setdefault("class", css)


class DepartmentForm(_Scoped):
    class Meta:
        model = Department
        fields = ["establishment", "code", "name"]


class ProjectForm(_Scoped):
    class Meta:
        model = Project
        fields = ["establishment", "code", "name", "client", "rate", "budget_hours", "budget_amount"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["client"].queryset = clients_for_user(user=user).filter(is_active=True).order_by("name")
        self.fields["client"].help_text = _("A quien se facturan las horas del proyecto; vacío: trabajo interno.")


class EmployeeForm(_Scoped):
    class Meta:
        model = Employee
        fields = ["code", "name", "email", "fiscal_status", "department", "project", "id_type", "id_number",
                  "hourly_rate", "departamento", "municipio", "address", "phone", "user"]
        widgets = {"id_type": forms.Select(choices=[("13", _("DUI")), ("36", _("NIT"))])}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["department"].queryset = selectors.departments_for_user(user=user).filter(is_active=True)
        self.fields["project"].queryset = selectors.projects_for_user(user=user).filter(is_active=True)
        # the account the employee signs in with to see their own hours and statements: one the
        # manager may name (accounts.selectors.users_reachable_by), not linked to another employee
        taken = Employee.objects.exclude(pk=self.instance.pk).filter(user__isnull=False).values("user_id")
        self.fields["user"].queryset = users_reachable_by(user=user).exclude(pk__in=taken)
        self.fields["user"].label = _("Usuario del sistema")
        self.fields["user"].help_text = _("Opcional: con él, el colaborador ve solo sus propias horas y documentos.")

    def clean(self):
        data = super().clean()
        dept, project = data.get("department"), data.get("project")
        if dept is not None and project is not None and dept.establishment_id != project.establishment_id:
            self.add_error("project", _("El proyecto es de otro establecimiento que el departamento."))
        return data

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TimesheetsConfig(AppConfig):
    """Work time turned into documents (issue 22). Its manager pages need DOCUMENTOS · Aprobar
    (the supervisor: approving hours and issuing the company's FSE are approvals), reports need
    REPORTES; an employee linked to a user reaches only their own hours and documents. No
    module code of its own: a new one needs a migration of accounts' grant constraint."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "timesheets"
    verbose_name = _("Horas y facturación periódica")

    def ready(self):
        from accounts.modules import Module, register_home_panel  # noqa: PLC0415 - apps load before their registries are filled
        from bulk.registry import register_upload  # noqa: PLC0415 - idem
        from core import scope  # noqa: PLC0415 - idem
        from core.modules import Action  # noqa: PLC0415 - idem
        from dte import hooks  # noqa: PLC0415 - idem
        from timesheets import paper, selectors, uploads  # noqa: PLC0415 - imports models, not loaded when apps.py is
        from timesheets.models import BillingRun, Department, Employee, Project, RunItem, Workday  # noqa: PLC0415 - idem

        scope.register(Department, lambda user: selectors.departments_for_user(user=user))
        scope.register(Project, lambda user: selectors.projects_for_user(user=user))
        scope.register(Employee, lambda user: selectors.employees_for_user(user=user))
        scope.register(Workday, lambda user: selectors.workdays_for_user(user=user))
        scope.register(BillingRun, lambda user: selectors.runs_for_user(user=user))
        scope.register(RunItem, lambda user: selectors.items_for_user(user=user))
        hooks.register_print_annex(paper.annex_html)
        register_home_panel(selectors.home_panel)
        register_upload(uploads.SPEC, grant=(Module.DOCUMENTOS, Action.APPROVE))  # /cargas/jornadas/

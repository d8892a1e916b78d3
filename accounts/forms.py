from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.modules import ALL, MODULE_ACTIONS, Module
from accounts.services import grants_clean, login_failed_record
from core.models import AuditAction
from core.modules import Action


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("Usuario o contraseña incorrectos. Tras 5 intentos fallidos la cuenta se bloquea 15 minutos."),
        "inactive": _("Esta cuenta está desactivada."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"class": "form-control", "autofocus": True})
        self.fields["password"].widget.attrs.update({"class": "form-control"})

    def clean(self):
        """Django's login form does not enforce the username's length, and django-axes stores the
        name tried in 255 characters: a longer one was a 500. No account has such a name: refused
        as any wrong login, and recorded as a failed one (authentication never runs for it)."""
        username = self.cleaned_data.get("username") or ""
        if len(username) > User._meta.get_field("username").max_length:
            login_failed_record(username=username, request=self.request)
            raise forms.ValidationError(self.error_messages["invalid_login"], code="invalid_login")
        return super().clean()


class AuditFilterForm(forms.Form):
    text = forms.CharField(label=_("Buscar"), required=False)
    actor = forms.ModelChoiceField(label=_("Usuario"), queryset=User.objects.order_by("username"), required=False)
    action = forms.ChoiceField(label=_("Acción"), choices=[("", _("Todas"))] + AuditAction.choices, required=False)
    content_type = forms.ModelChoiceField(
        label=_("Tipo de objeto"),
        queryset=ContentType.objects.filter(app_label__in=["accounts", "catalogs"]).order_by("model"),
        required=False,
    )
    date_from = forms.DateField(label=_("Desde"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("Hasta"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)


# ------------------------------------------------------------------------------- role grants

GRANT_CHOICES = [(f"{m.value}:{a.value}", f"{m.label} · {a.label}") for m, a in ALL]


class GrantGridWidget(forms.CheckboxSelectMultiple):
    """The role's grants as a grid: a row per module, a column per action, a checkbox only where
    the module has that action (accounts.modules.MODULE_ACTIONS). Used by the configuration page
    and by the Django admin's role form, rendered with the project's templates in both."""

    template_name = "accounts/widgets/grant_grid.html"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        options = {o["value"]: o for _group, opts, _i in context["widget"]["optgroups"] for o in opts}
        actions = [a for a in Action if any(a in MODULE_ACTIONS[m] for m in Module)]
        context["actions"] = actions
        context["rows"] = [(m, [options.get(f"{m.value}:{a.value}") for a in actions]) for m in Module]
        return context

    def render(self, name, value, attrs=None, renderer=None):
        # a template's output is already marked safe (its variables were escaped)
        return render_to_string(self.template_name, self.get_context(name, value, attrs))


class GrantsField(forms.MultipleChoiceField):
    """(module, action) pairs; a pair the module does not have is refused as an invalid choice,
    and the rules of accounts.services.grants_clean apply."""

    widget = GrantGridWidget

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Módulos y acciones"))
        kwargs.setdefault("help_text", _("Lo que el rol puede hacer en cada módulo. «Ver» es necesario para entrar al módulo."))
        super().__init__(choices=GRANT_CHOICES, required=False, **kwargs)
        self.error_messages["invalid_choice"] = _("«%(value)s» no es una acción de ese módulo.")

    def clean(self, value):
        pairs = [tuple(v.split(":", 1)) for v in super().clean(value)]
        try:
            grants_clean(pairs)
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from exc
        return sorted(pairs)


class RoleGrantsForm(forms.Form):
    """The grid of one role on the configuration page."""

    grants = GrantsField()

    def __init__(self, *args, role, disabled=False, **kwargs):
        kwargs.setdefault("auto_id", f"id_role{role.pk}_%s")
        super().__init__(*args, **kwargs)
        self.role = role
        self.fields["grants"].disabled = disabled
        if not self.is_bound:
            self.initial["grants"] = [f"{p.module}:{p.action}" for p in role.permissions.all()]

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext_lazy as _

from accounts.models import AuditAction, User


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
            from accounts.services import login_failed_record

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

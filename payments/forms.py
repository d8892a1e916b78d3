from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalogs.selectors import catalog_choices
from core.text import CleanTextFormMixin


class PaymentForm(CleanTextFormMixin, forms.Form):
    date = forms.DateField(label=_("Fecha"), widget=forms.DateInput(attrs={"type": "date"}))
    amount = forms.DecimalField(label=_("Monto"), max_digits=19, decimal_places=2, min_value=0.01)
    method = forms.ChoiceField(label=_("Forma de pago (CAT-017)"))
    reference = forms.CharField(label=_("Referencia"), max_length=100, required=False)
    notes = forms.CharField(label=_("Notas"), max_length=500, required=False)

    def __init__(self, *args, documents=(), **kwargs):

        super().__init__(*args, **kwargs)
        self.fields["method"].choices = catalog_choices(catalog="CAT-017")
        self.fields["date"].initial = timezone.localdate().isoformat()  # what <input type=date> shows
        self.documents = list(documents)
        for doc in self.documents:
            self.fields[f"apply_{doc.pk}"] = forms.DecimalField(
                label=doc.numero_control, max_digits=19, decimal_places=2, min_value=0, required=False)

    def applications(self):
        return [(doc, self.cleaned_data[f"apply_{doc.pk}"]) for doc in self.documents
                if self.cleaned_data.get(f"apply_{doc.pk}")]


# What each credential key is called on the page (payments.gateways.*.credential_fields).
CREDENTIAL_LABELS = {
    "client_id": _("ID de cliente (App ID)"),
    "client_secret": _("Secreto de cliente (API secret)"),
    "webhook_secret": _("Secreto de firma de webhooks"),
    "webhook_id": _("ID del webhook (PayPal)"),
}


def credential_label(key):
    return CREDENTIAL_LABELS.get(key, key)


class GatewayAccountForm(forms.Form):
    """A company's account at one gateway. The credential fields are the adapter's
    ``credential_fields``; they are never shown back (``render_value=False``): on an existing
    account a blank field keeps the value saved."""

    gateway = forms.ChoiceField(label=_("Pasarela"))
    base_url = forms.URLField(label=_("URL de la API"), max_length=300, required=False, assume_scheme="https",
                              help_text=_("Vacío: la de producción de la pasarela; si no, un sandbox o paysim."))
    enabled = forms.BooleanField(label=_("Habilitada"), required=False, initial=True)

    def __init__(self, *args, account=None, **kwargs):
        from payments.gateways.base import gateway_classes  # noqa: PLC0415 - the adapters import requests

        super().__init__(*args, **kwargs)
        self.account = account
        classes = gateway_classes()
        self.fields["gateway"].choices = [(code, cls.name) for code, cls in sorted(classes.items())]
        if account is not None:
            self.fields["gateway"].disabled = True
            self.fields["gateway"].initial = account.gateway
            self.fields["base_url"].initial = account.base_url
            self.fields["enabled"].initial = account.enabled
            keys = list(getattr(classes.get(account.gateway), "credential_fields", ()))
        else:
            keys = sorted({k for cls in classes.values() for k in cls.credential_fields})
        self.credential_keys = keys
        for key in keys:
            self.fields[f"cred_{key}"] = forms.CharField(
                label=credential_label(key), required=False, strip=True, max_length=500,
                widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}))

    def clean(self):
        from payments.gateways.base import gateway_classes  # noqa: PLC0415 - the adapters import requests

        data = super().clean()
        code = self.account.gateway if self.account is not None else data.get("gateway")
        cls = gateway_classes().get(code)
        if cls is None:
            return data
        saved = self.account.credentials_dict() if self.account is not None else {}
        for key in cls.credential_fields:
            if not data.get(f"cred_{key}") and not saved.get(key):
                self.add_error(f"cred_{key}", _("Obligatorio para %(g)s.") % {"g": cls.name})
        return data

    def credentials(self):
        """The credential values typed (blank ones left out: the saved value stays)."""
        return {key: self.cleaned_data[f"cred_{key}"] for key in self.credential_keys
                if self.cleaned_data.get(f"cred_{key}")}


class SettlementImportForm(forms.Form):
    """Import a gateway's settlement: fetched from its API for a payout date, or its report file."""

    account = forms.ModelChoiceField(label=_("Pasarela"), queryset=None, empty_label=None)
    payout_date = forms.DateField(label=_("Fecha de pago"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    file = forms.FileField(label=_("Archivo del reporte"), required=False,
                           help_text=_("El reporte exportado de la pasarela (PayPal: STL-…CSV; Wompi y n1co: JSON)."))

    def __init__(self, *args, accounts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = accounts
        self.fields["account"].label_from_instance = lambda a: a.gateway

    def clean(self):
        data = super().clean()
        if not data.get("file") and not data.get("payout_date"):
            raise forms.ValidationError(_("Indique la fecha de pago a consultar o suba el archivo del reporte."))
        if data.get("file") and data["file"].size > 20 * 1024 * 1024:
            raise forms.ValidationError(_("El archivo pasa de 20 MB."))
        return data

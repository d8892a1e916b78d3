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

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

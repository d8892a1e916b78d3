from django import forms
from django.utils.translation import gettext_lazy as _

from catalogs.selectors import catalog_choices
from reconciliation.mappings import DATE_FORMATS, FIELDS, bank_choices
from reconciliation.models import BankAccount


class BankAccountForm(forms.ModelForm):
    bank = forms.ChoiceField(label=_("Banco"), choices=bank_choices)
    methods = forms.MultipleChoiceField(label=_("Formas de pago que se depositan aquí"), required=False,
                                        widget=forms.CheckboxSelectMultiple,
                                        help_text=_("Ninguna marcada: todas."))

    class Meta:
        model = BankAccount
        fields = ["name", "bank", "number", "establishment", "methods", "date_window_days", "tolerance",
                  "opening_balance"]

    def __init__(self, *args, establishments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["establishment"].queryset = establishments
        self.fields["methods"].choices = catalog_choices(catalog="CAT-017")


class MappingForm(forms.Form):
    date_format = forms.ChoiceField(label=_("Formato de fecha"), choices=DATE_FORMATS)
    decimal_comma = forms.BooleanField(label=_("Coma decimal (1.234,56)"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in FIELDS:
            self.fields[name] = forms.CharField(label=label, required=False, max_length=60,
                                                help_text=_("Encabezado de la columna en el archivo del banco."))


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Extracto (.xlsx, .csv, .ofx, .xml CAMT.053)"))


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("Desde"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("Hasta"), widget=forms.DateInput(attrs={"type": "date"}))

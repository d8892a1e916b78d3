from django import forms
from django.utils.translation import gettext_lazy as _

from catalogs.selectors import catalog_choices
from core.text import CleanTextFormMixin
from inventory.models import Product, Provider


def _style(form):
    for field in form.fields.values():
        css = "form-select" if isinstance(field.widget, forms.Select) else "form-check-input" \
            if isinstance(field.widget, forms.CheckboxInput) else "form-control"
        field.widget.attrs.setdefault("class", css)


class ProductForm(CleanTextFormMixin, forms.ModelForm):
    special_taxes = forms.CharField(label=_("Tributos especiales (CAT-015)"), required=False,
                                    help_text=_("Códigos separados por coma, p. ej. A8"))

    class Meta:
        model = Product
        fields = ["code", "description", "item_type", "unit", "price", "price_includes_iva", "cost", "tax_treatment",
                  "special_taxes", "category", "tracks_stock"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["special_taxes"] = ",".join(self.instance.special_taxes)
        self.fields["unit"] = forms.TypedChoiceField(label=_("Unidad de medida"), coerce=int,
                                                     choices=catalog_choices(catalog="CAT-014"))
        _style(self)


class ProviderForm(CleanTextFormMixin, forms.ModelForm):
    class Meta:
        model = Provider
        fields = ["id_type", "id_number", "nrc", "name", "contact_name", "email", "phone", "activity_code", "departamento",
                  "municipio", "address"]
        widgets = {"id_type": forms.Select(choices=[("36", "NIT"), ("13", "DUI"), ("03", _("Pasaporte")), ("37", _("Otro"))])}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.selectors import establishments_for_user
from catalogs.selectors import catalog_choices, distrito_choices
from clients.models import Client
from core.text import CleanTextFormMixin


class ClientForm(CleanTextFormMixin, forms.ModelForm):
    class Meta:
        model = Client
        fields = ["kind", "id_type", "id_number", "nrc", "name", "trade_name", "activity_code", "taxpayer_size",
                  "is_exempt", "departamento", "municipio", "distrito", "address", "country_code", "person_type", "email", "other_emails", "phone",
                  "credit_limit", "payment_term_days", "sales_rep", "establishment", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            self._scope_to(user)
        self.fields["departamento"] = forms.ChoiceField(
            label=_("Departamento"), required=False,
            choices=[("", "—")] + [c for c in catalog_choices(catalog="CAT-012") if c[0] != "00"])
        self.fields["departamento"].widget.attrs.update({
            "hx-get": "/catalogos/municipios/", "hx-target": "#id_municipio", "hx-trigger": "change"})
        dept = self.data.get("departamento") or self.initial.get("departamento") or getattr(self.instance, "departamento", "")
        self.fields["municipio"] = forms.ChoiceField(
            label=_("Municipio"), required=False,
            choices=[("", "—")] + (catalog_choices(catalog="CAT-013", parent=dept) if dept else []))
        # Shown: the distritos of the municipio chosen; a posted form accepts any of the departamento's
        # (clients.rules says in words when the distrito and the municipio disagree).
        muni = None if self.is_bound else (self.initial.get("municipio") or getattr(self.instance, "municipio", ""))
        self.fields["distrito"] = forms.ChoiceField(
            label=_("Distrito"), required=False,
            choices=[("", _("— el del municipio —"))] + (distrito_choices(dept, muni) if dept else []),
            help_text=_("CAT-008, reforma territorial de 2024. Vacío: el del municipio de antes de la reforma."))
        # The list follows the departamento and municipio chosen (catalogs.views.distrito_options):
        # reloaded when the municipio changes and once the departamento's municipios are in.
        self.fields["distrito"].widget.attrs.update({
            "hx-get": "/catalogos/distritos/", "hx-include": "#id_departamento, #id_municipio",
            "hx-trigger": "change from:#id_municipio, municipios-cargados from:body"})
        for _name, field in self.fields.items():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-check-input" \
                if isinstance(field.widget, forms.CheckboxInput) else "form-control"
            field.widget.attrs.setdefault("class", css)
        self.fields["id_number"].help_text = _("NIT con o sin guiones; DUI como 01234567-8.")

    def _scope_to(self, user):
        """A role bound to establishments files clients under its own ones only (or shared, with
        none): the list offers no other, and a posted id of another is refused as an invalid
        choice. With a single establishment, a new client is filed under it unless changed."""
        self.fields["sales_rep"].queryset = self.fields["sales_rep"].queryset.filter(is_active=True)
        if user.company_wide:
            return
        own = establishments_for_user(user=user)
        self.fields["establishment"].queryset = own
        self.fields["establishment"].empty_label = _("— Compartido (todos los establecimientos) —")
        if not self.instance.pk and not self.is_bound:
            ids = list(own.values_list("pk", flat=True)[:2])
            if len(ids) == 1:
                self.initial["establishment"] = ids[0]

    def validate_unique(self):
        try:
            super().validate_unique()
        except ValidationError as exc:
            if "__all__" in exc.message_dict:
                self.add_error("id_number", _("Ya existe un cliente con ese documento."))
            else:
                raise

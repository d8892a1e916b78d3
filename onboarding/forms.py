from django import forms
from django.utils.translation import gettext_lazy as _

from core.text import CleanTextFormMixin
from dte.signing.certificates import CertificateError, load_signing_key

MAX_CERTIFICATE_BYTES = 256 * 1024


class StartForm(forms.Form):
    """The types (and optional events) the company will use; MH's always-required events are added."""

    items = forms.MultipleChoiceField(label=_("Tipos de documento y eventos que la empresa usará"), required=False,
                                      widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, offers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.offers = list(offers)
        self.fields["items"].choices = [(o.code, o.requirement.name) for o in self.offers
                                        if o.available and not o.requirement.mandatory]

    def clean_items(self):
        items = self.cleaned_data["items"]
        if not items:
            raise forms.ValidationError(_("Elija al menos un tipo de documento."))
        return items


class ProductionForm(CleanTextFormMixin, forms.Form):
    """What production needs, from MH's productive environment (facts-2 §1 step 6). Secrets are
    never shown back: left empty, the stored one is kept."""

    authorization_date = forms.DateField(label=_("Fecha de notificación de la autorización de MH"), required=False,
                                         widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    api_url = forms.URLField(label=_("URL de la API de producción"), required=False, assume_scheme="https",
                             help_text=_("Vacío: la de MH, https://api.dtes.mh.gob.sv"))
    api_user = forms.CharField(label=_("Usuario de la API de producción"), max_length=50, required=False)
    new_api_password = forms.CharField(label=_("Contraseña de la API de producción"), required=False,
                                       widget=forms.PasswordInput(render_value=False),
                                       help_text=_("Vacío: se conserva la guardada."))
    new_certificate = forms.FileField(label=_("Certificado de producción (.crt de MH, PEM o .p12)"), required=False)
    new_certificate_password = forms.CharField(label=_("Contraseña de la llave privada"), required=False,
                                               widget=forms.PasswordInput(render_value=False),
                                               help_text=_("Vacío: se conserva la guardada."))

    def clean_new_certificate(self):
        upload = self.cleaned_data.get("new_certificate")
        if upload and upload.size > MAX_CERTIFICATE_BYTES:
            raise forms.ValidationError(_("El certificado supera 256 KB: no parece un certificado."))
        return upload

    def clean(self):
        data = super().clean()
        upload, password = data.get("new_certificate"), data.get("new_certificate_password")
        if upload and password:
            content = upload.read()
            upload.seek(0)
            try:
                load_signing_key(content, password)
            except (CertificateError, ValueError) as exc:
                self.add_error("new_certificate", str(exc))
        return data

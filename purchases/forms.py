from django import forms
from django.utils.translation import gettext_lazy as _

from purchases.models import Mailbox


class MailboxForm(forms.ModelForm):
    """The company's purchases mailbox. The password is never shown back: blank keeps the one saved."""

    password = forms.CharField(label=_("Contraseña"), required=False, strip=False,
                               widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}))

    class Meta:
        model = Mailbox
        fields = ["host", "port", "use_ssl", "username", "folder", "active"]  # and password, above

    def clean_password(self):
        value = self.cleaned_data.get("password") or ""
        if not value and not (self.instance.pk and self.instance.password):
            raise forms.ValidationError(_("Escriba la contraseña del buzón."))
        return value or self.instance.password

from django import forms
from django.utils.translation import gettext_lazy as _

from notifications.catalogue import CATALOGUE
from notifications.models import Channel, Kind


class PreferencesForm(forms.Form):
    """One choice of channel per kind of event of the catalogue."""

    def __init__(self, *args, chosen=None, **kwargs):
        super().__init__(*args, **kwargs)
        chosen = chosen or {}
        for kind, entry in CATALOGUE.items():
            self.fields[self.field_name(kind)] = forms.ChoiceField(
                label=Kind(kind).label,
                choices=Channel.choices,
                initial=chosen.get(str(kind), str(entry.default)),
                help_text=_("Predeterminado: %(c)s") % {"c": Channel(entry.default).label},
            )

    @staticmethod
    def field_name(kind):
        return "k_" + str(kind).replace(".", "__")

    def choices(self):
        return {kind: self.cleaned_data[self.field_name(kind)] for kind in CATALOGUE}

from django import forms
from django.utils.translation import gettext_lazy as _

from core.text import CleanTextFormMixin
from dte.models import OfflineReason


class PeriodForm(CleanTextFormMixin, forms.Form):
    """A supervisor declares a contingency: where, why (CAT-005) and whether it ends by itself."""

    scope = forms.ChoiceField(label=_("Alcance"))
    tipo = forms.TypedChoiceField(label=_("Tipo de contingencia (CAT-005)"), choices=OfflineReason.choices, coerce=int)
    motivo = forms.CharField(label=_("Motivo"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("Obligatorio para «Otro motivo»."))
    end_automatically = forms.BooleanField(label=_("Terminar sola cuando MH vuelva a responder"), required=False,
                                           initial=True)

    def __init__(self, *args, locations=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("company", _("Toda la empresa"))]
        self.targets = {"company": (None, None)}
        for est, points in locations:
            choices.append((f"e{est.pk}", est.name))
            self.targets[f"e{est.pk}"] = (est, None)
            for pos in points:
                choices.append((f"p{pos.pk}", f"— {est.name} · {pos.name}"))
                self.targets[f"p{pos.pk}"] = (est, pos)
        self.fields["scope"].choices = choices

    def clean(self):
        data = super().clean()
        if data.get("tipo") == OfflineReason.OTHER and not (data.get("motivo") or "").strip():
            self.add_error("motivo", _("Describa el motivo: el tipo 5 «Otro» lo exige."))
        return data

    @property
    def target(self):
        return self.targets[self.cleaned_data["scope"]]

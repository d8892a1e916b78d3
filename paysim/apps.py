from django.apps import AppConfig


class PaysimConfig(AppConfig):
    name = "paysim"
    label = "paysim"
    verbose_name = "Simulador de pasarelas de pago"

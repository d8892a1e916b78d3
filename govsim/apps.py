from django.apps import AppConfig


class GovsimConfig(AppConfig):
    name = "govsim"
    label = "govsim"
    verbose_name = "Simulador MH"

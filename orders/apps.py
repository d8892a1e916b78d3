from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "orders"
    verbose_name = _("Pedidos")

    def ready(self):
        from accounts import modules  # noqa: PLC0415 - imports models
        from core import scope  # noqa: PLC0415 - imports models through the rule
        from orders.models import Order  # noqa: PLC0415 - models not loaded when apps.py is imported
        from orders.selectors import home_panel, orders_for_user, settlement_expected  # noqa: PLC0415 - imports orders.models
        from payments import hooks  # noqa: PLC0415 - idem

        scope.register(Order, lambda user: orders_for_user(user=user))  # core.scope
        modules.register_home_panel(home_panel)  # the home page's card: orders to collect or ship
        hooks.register_settlement_source(settlement_expected)  # gateway settlements match our captures

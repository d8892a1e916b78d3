from django import template

register = template.Library()


@register.filter
def gateway_name(code):
    """A gateway's code ("wompi", "paypal") as its payers know it ("Wompi", "PayPal")."""
    from payments.gateways.base import gateway_classes  # noqa: PLC0415 - the adapters import requests; load on use

    adapter = gateway_classes().get(code or "")
    return adapter.name if adapter else code

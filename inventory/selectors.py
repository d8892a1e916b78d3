from django.db.models import Prefetch, Sum
from django.shortcuts import get_object_or_404

from clients.rules import search_condition
from inventory.models import Product, Provider, Stock, StockMovement


def _search(qs, query):
    condition = search_condition(query)
    return qs if condition is None else qs.filter(condition)


def product_search(*, query, active_only=True, limit=20):
    """Type-ahead by any part of code, description or category (trigram index on PostgreSQL)."""
    qs = Product.objects.all()
    if active_only:
        qs = qs.filter(is_active=True)
    qs = _search(qs, query).order_by("code")
    return qs[:limit] if limit else qs


def product_list(*, query="", active="1", treatment=""):
    qs = product_search(query=query, active_only=False, limit=None).annotate(total_stock=Sum("stock__quantity"))
    if active in ("1", "0"):
        qs = qs.filter(is_active=active == "1")
    if treatment:
        qs = qs.filter(tax_treatment=treatment)
    return qs


def product_get(*, pk):
    return get_object_or_404(Product.objects.prefetch_related(
        Prefetch("stock", queryset=Stock.objects.select_related("establishment")), "supplied_by__provider"), pk=pk)


def product_for_line(*, pk):
    """The product alone, as a document's line copies it (code, description, price, treatment):
    without product_get's stock and providers, two queries the editor would read for nothing."""
    return get_object_or_404(Product, pk=pk)


def provider_list(*, query="", active="1"):
    qs = _search(Provider.objects.all(), query).order_by("name")
    if active in ("1", "0"):
        qs = qs.filter(is_active=active == "1")
    return qs


def provider_get(*, pk):
    return get_object_or_404(Provider.objects.prefetch_related("supplies__product"), pk=pk)


def stock_levels(*, product_ids, establishment):
    """{product id: quantity on hand} at one establishment (missing rows are zero)."""
    return dict(Stock.objects.filter(product_id__in=product_ids, establishment=establishment)
                .values_list("product_id", "quantity"))


def stock_moved_by(*, reference, product_ids, establishment):
    """The net quantity each product moved under ``reference`` (a document's código de
    generación) in ``establishment``: what a credit note brought back, less what its invalidation
    took out again."""
    if not reference or not product_ids:
        return {}
    rows = (StockMovement.objects.filter(reference=reference, product_id__in=list(product_ids), establishment=establishment)
            .order_by().values_list("product_id").annotate(net=Sum("quantity")))
    return dict(rows)

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from catalogs.selectors import catalog_entries
from clients.rules import CatalogSets
from core.audit import audited_save
from inventory.models import Stock, StockMovement, StockReservation
from inventory.uploads.products import check_product
from inventory.uploads.providers import check_provider


class NegativeStock(ValidationError):
    """Taking the stock below zero: refused, or allowed only with the user's confirmation."""


def product_save(*, product, data, acting_user):
    values = dict(data)
    errors = check_product(values, {"units": {e.code for e in catalog_entries(catalog="CAT-014")}})
    if errors:
        raise ValidationError(errors)
    for k, v in values.items():
        setattr(product, k, v)
    return audited_save(instance=product, acting_user=acting_user)


def provider_save(*, provider, data, acting_user):
    values = dict(data)
    errors = check_provider(values, {"catalogs": CatalogSets()})
    if errors:
        raise ValidationError(errors)
    for k, v in values.items():
        setattr(provider, k, v)
    return audited_save(instance=provider, acting_user=acting_user)


def set_active(*, obj, active, acting_user):
    obj.is_active = active
    return audited_save(instance=obj, acting_user=acting_user, summary="Activado" if active else "Desactivado")


def stock_move(*, product, establishment, quantity, reason, reference="", acting_user=None, confirm_negative=False):
    """Add (or with a negative quantity, take) stock. The row is changed with an F() update, so
    concurrent movements never overwrite each other; the movement records the balance after."""
    quantity = Decimal(quantity)
    if not product.tracks_stock:
        raise ValidationError(_("%(p)s no controla existencias.") % {"p": product.code})
    with transaction.atomic():
        Stock.objects.get_or_create(product=product, establishment=establishment)
        Stock.objects.filter(product=product, establishment=establishment).update(quantity=F("quantity") + quantity)
        balance = Stock.objects.select_for_update().get(product=product, establishment=establishment).quantity
        if balance < 0 and quantity < 0:
            if not settings.ALLOW_NEGATIVE_STOCK:
                raise NegativeStock(_("No hay existencias suficientes de %(p)s (quedarían %(b)s).")
                                    % {"p": product.code, "b": balance})
            if not confirm_negative:
                raise NegativeStock(_("La existencia de %(p)s quedaría en %(b)s: confirme para continuar.")
                                    % {"p": product.code, "b": balance})
        StockMovement.objects.create(product=product, establishment=establishment, quantity=quantity, balance=balance,
                                     reason=reason[:120], reference=reference[:120], created_by=acting_user)
    return balance




def stock_reserve(*, reference, establishment, wanted):
    """Reserve ``wanted`` ({product: quantity}) at ``establishment`` for ``reference`` (an
    order), all or nothing: each Stock row is locked (in product order, so two reservations
    cannot deadlock) and what is free there (stock less open reservations) must cover it."""
    problems = []
    with transaction.atomic():
        for product in sorted(wanted, key=lambda p: p.pk):
            quantity = Decimal(wanted[product])
            if not product.tracks_stock:
                continue
            Stock.objects.get_or_create(product=product, establishment=establishment)
            on_hand = Stock.objects.select_for_update().get(product=product, establishment=establishment).quantity
            reserved = (StockReservation.objects.filter(product=product, establishment=establishment,
                                                        released_at__isnull=True)
                        .aggregate(s=Sum("quantity"))["s"] or Decimal(0))
            if on_hand - reserved < quantity:
                problems.append(_("%(p)s: hay %(f)s disponibles en %(e)s y se piden %(q)s.") % {
                    "p": product.code, "f": (on_hand - reserved).normalize(), "e": establishment.name,
                    "q": quantity.normalize()})
                continue
            StockReservation.objects.create(product=product, establishment=establishment, quantity=quantity,
                                            reference=reference[:120])
        if problems:
            raise NegativeStock(problems)


def stock_release(*, reference):
    """Release every open reservation of ``reference``; the count released (0 the second time)."""
    return StockReservation.objects.filter(reference=reference[:120], released_at__isnull=True).update(
        released_at=timezone.now())

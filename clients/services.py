from django.core.exceptions import ValidationError
from django.db import transaction

from clients.models import Client
from clients.rules import CatalogSets, check_client
from core.audit import audited_save

EDITABLE = ["kind", "id_type", "id_number", "nrc", "name", "trade_name", "activity_code", "activity_description",
            "taxpayer_size", "is_exempt", "departamento", "municipio", "distrito", "address", "country_code",
            "person_type", "email", "other_emails", "phone", "credit_limit", "payment_term_days", "sales_rep", "establishment", "notes"]


def _validated(data):
    values = {k: data.get(k) for k in EDITABLE if k in data}
    for k in ("nrc", "trade_name", "activity_code", "activity_description", "departamento", "municipio", "distrito", "address",
              "country_code", "person_type", "email", "other_emails", "phone", "notes"):
        values[k] = values.get(k) or ""
    errors = check_client(values, CatalogSets())
    if errors:
        raise ValidationError(errors)
    return values


def client_create(*, data, acting_user):
    values = _validated(data)
    with transaction.atomic():
        return audited_save(instance=Client(**values), acting_user=acting_user)


def client_update(*, client, data, acting_user):
    values = _validated(data)
    with transaction.atomic():
        for k, v in values.items():
            setattr(client, k, v)
        return audited_save(instance=client, acting_user=acting_user)


def client_set_active(*, client, active, acting_user):
    """Clients are never deleted (documents point at them): they are deactivated."""
    client.is_active = active
    return audited_save(instance=client, acting_user=acting_user,
                        summary="Cliente reactivado" if active else "Cliente desactivado")

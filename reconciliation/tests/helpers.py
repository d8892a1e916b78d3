import datetime
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from clients.models import Client
from payments.models import Payment
from reconciliation.mappings import shipped
from reconciliation.models import BankAccount

D = Decimal


def day(n):
    return datetime.date(2026, 11, n)


def account_for(company, *, establishment=None, bank="otro", **extra):
    return BankAccount.objects.create(company=company, establishment=establishment, bank=bank, name="Cuenta corriente",
                                      number=f"100-{BankAccount.objects.count() + 1}", mapping=shipped(bank),
                                      methods=["05"], **extra)


def client(name="ACME Distribuidora", nit="06142507861023", establishment=None):
    return Client.objects.create(kind="contribuyente", id_type="36", id_number=nit, name=name, nrc="1234567",
                                 establishment=establishment)


def pay(who, user, amount, date, reference="", method="05"):
    return Payment.objects.create(client=who, date=date, amount=D(amount), method=method, reference=reference,
                                  created_by=user)


def csv_file(rows, name="extracto.csv", header="fecha,monto,referencia,descripcion"):
    body = header + "\n" + "\n".join(",".join(str(v) for v in row) for row in rows) + "\n"
    return SimpleUploadedFile(name, body.encode(), content_type="text/csv")

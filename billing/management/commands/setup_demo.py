"""Demo data for ``make run``: a company with a test certificate in MH's ``.crt`` format that
points at the MH simulator, one establishment with two points of sale, and one user per default
role. It also writes ``var/demo-issuer.json`` so govsim can register the company. Running it again
changes nothing."""

import json
import os
from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.urls import reverse

from accounts import services
from accounts.models import Company, Establishment, PointOfSale, Role, User
from clients.models import Client
from clients.rules import search_text
from dte.signing.certificates import build_mh_crt, load_signing_key
from inventory.models import Product, Provider, Stock
from payments.models import GatewayAccount

DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "demo-Facturador-2026")
DEMO_NIT = "06140507071048"
DEMO_API_PASSWORD = "demo-api-password"
DEMO_CERT_PASSWORD = "demo-cert-password"
GOVSIM_URL = os.environ.get("GOVSIM_URL", "http://127.0.0.1:8800")
# paysim, the payment-gateway simulator the Procfile starts beside govsim; it registers at start
# the merchants of var/paysim-merchants.json (PAYSIM_MERCHANTS), which this command writes.
PAYSIM_URL = os.environ.get("PAYSIM_URL") or f"http://{os.environ.get('PAYSIM_BIND', '127.0.0.1:8900')}"
DEMO_GATEWAYS = ("wompi", "n1co", "paypal")
DEMO_USERS = [
    ("admin", "Administrador", "Ana", "Administradora"),
    ("supervisor", "Supervisor", "Samuel", "Supervisor"),
    ("vendedor", "Vendedor", "Valeria", "Vendedora"),
    ("contador", "Contador", "Carlos", "Contador"),
    ("auditor", "Auditor", "Aurora", "Auditora"),
]


class Command(BaseCommand):
    help = "Crea la empresa de demostración, su establecimiento y un usuario por rol."

    def handle(self, *args, **options):
        with transaction.atomic():
            company = Company.objects.filter(nit="06140507071048").first()
            if company is None:
                company = services.company_update(
                    company=Company(),
                    data=dict(nit="06140507071048", nrc="1234567", legal_name="Comercial Demostración, S.A. de C.V.",
                              trade_name="Demo Facturador", activity_code="46900",
                              activity_description="Venta al por mayor de otros productos",
                              departamento="06", municipio="14", address="Colonia Escalón, Paseo General Escalón #100",
                              phone="22223333", email="facturacion@demo.example", mh_environment="00",
                              mh_api_user="06140507071048", mh_api_url=GOVSIM_URL,
                              mh_responsible_name="María Elena Rivas", mh_responsible_id_type="13",
                              mh_responsible_id_number="00016297-5"),
                    acting_user=None,
                    mh_api_password=DEMO_API_PASSWORD,
                    certificate=build_mh_crt(nit=DEMO_NIT, password=DEMO_CERT_PASSWORD),
                    certificate_filename=f"{DEMO_NIT}.crt",
                    certificate_password=DEMO_CERT_PASSWORD,
                )
            est = Establishment.objects.filter(company=company, cod_estable_mh="M001").first()
            if est is None:
                est = services.audited_save(
                    instance=Establishment(company=company, name="Casa matriz San Salvador", establishment_type="02",
                                           cod_estable_mh="M001", cod_estable="0001", departamento="06",
                                           municipio="14", address="Paseo General Escalón #100", phone="22223333"),
                    acting_user=None,
                )
            points = []
            for code, name in (("P001", "Caja 1"), ("P002", "Caja 2")):
                pos = PointOfSale.objects.filter(establishment=est, cod_punto_venta_mh=code).first()
                if pos is None:
                    pos = services.audited_save(
                        instance=PointOfSale(establishment=est, name=name, cod_punto_venta_mh=code,
                                             cod_punto_venta=code), acting_user=None)
                points.append(pos)
            created = []
            for username, role_name, first, last in DEMO_USERS:
                if User.objects.filter(username=username).exists():
                    continue
                is_admin = role_name == "Administrador"
                user = services.user_create(
                    username=username, password=DEMO_PASSWORD, role=Role.objects.get(name=role_name),
                    email=f"{username}@demo.example", first_name=first, last_name=last, acting_user=None,
                    is_staff=is_admin, is_superuser=is_admin,
                )
                if role_name == "Vendedor":
                    services.user_assign_locations(user=user, establishments=[est], points_of_sale=points[:1],
                                                   acting_user=None)
                created.append(username)
            _demo_catalogue(est)
            accounts = _demo_gateways(company)
            demo_order = _demo_order(points[0])
        _write_paysim_merchants(accounts)
        key = load_signing_key(company.certificate, company.certificate_password)
        issuer_file = settings.VAR_DIR / "demo-issuer.json"
        issuer_file.parent.mkdir(parents=True, exist_ok=True)
        issuer_file.write_text(json.dumps({"nit": company.nit, "user": company.mh_api_user,
                                           "password": company.mh_api_password, "name": company.legal_name,
                                           "public_key_pem": key.public_pem.decode()}))
        self.stdout.write(self.style.SUCCESS(f"Empresa de demostración: {company} (NIT {company.nit_display})"))
        self.stdout.write(f"Usuarios de demostración (contraseña para todos: {DEMO_PASSWORD}):")
        for username, role_name, _f, _l in DEMO_USERS:
            mark = " (nuevo)" if username in created else ""
            self.stdout.write(f"  {username:<11} {role_name}{mark}")
        self.stdout.write(f"Pasarelas de demostración en paysim ({PAYSIM_URL}): {', '.join(DEMO_GATEWAYS)}")
        if demo_order is not None:
            self.stdout.write(f"Enlace de pago del pedido de demostración {demo_order}: {demo_pay_link(demo_order)}")


def demo_credentials(gateway):
    """The demo company's credentials at paysim's ``gateway`` (the same on both sides)."""
    return {"client_id": f"demo-{gateway}", "client_secret": f"demo-{gateway}-secreto",
            "webhook_secret": f"demo-{gateway}-webhooks", "webhook_id": f"WH-DEMO-{gateway.upper()}"}


def _demo_gateways(company):
    """The demo company's accounts at the three gateways, all pointing at paysim. Existing ones
    (perhaps edited by the admin) are left alone."""
    from payments.gateways.base import gateway_classes  # noqa: PLC0415 - the adapters import requests
    from payments.services import gateway_account_save  # noqa: PLC0415 - beside its only use

    classes = gateway_classes()
    accounts = []
    for gateway in DEMO_GATEWAYS:
        account = GatewayAccount.objects.filter(company=company, gateway=gateway).first()
        if account is None:
            creds = demo_credentials(gateway)
            account = gateway_account_save(
                company=company, gateway=gateway, base_url=f"{PAYSIM_URL}/{gateway}", enabled=True, acting_user=None,
                credentials={k: creds[k] for k in classes[gateway].credential_fields})
        accounts.append(account)
    return accounts


def _write_paysim_merchants(accounts):
    """var/paysim-merchants.json: the merchants paysim registers when it starts, with the
    credentials of the demo's accounts and where to post their webhooks."""
    site = getattr(settings, "SITE_URL", "") or "http://127.0.0.1:8000"
    rows = []
    for account in accounts:
        creds = {**demo_credentials(account.gateway), **account.credentials_dict()}
        creds.pop("base_url", None)
        rows.append({"gateway": account.gateway, **creds,
                     "webhook_url": site.rstrip("/") + reverse("pay:webhook", args=[account.webhook_token])})
    path = settings.VAR_DIR / "paysim-merchants.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(rows, indent=2))


def _demo_order(point_of_sale):
    """A pending order for the demo consumer with a pay link still valid, so the link printed
    opens the pay page at once; made again once the last one is paid, cancelled or its link expired."""
    from django.utils import timezone  # noqa: PLC0415 - beside its only use

    from orders.models import Order, OrderState  # noqa: PLC0415 - the apps above billing's settings
    from orders.services import order_create  # noqa: PLC0415 - idem

    live = Order.objects.filter(state=OrderState.PENDING, link_expires_at__gt=timezone.now(),
                                notes=DEMO_ORDER_NOTE).order_by("-pk").first()
    if live is not None:
        return live
    rep = User.objects.filter(username="vendedor").first()
    client = Client.objects.filter(id_type="13", id_number="00016297-5").first()
    lamp = Product.objects.filter(code="LAMP-LED").first()
    if rep is None or client is None or lamp is None:
        return None
    return order_create(acting_user=rep, client=client, point_of_sale=point_of_sale, confirm=True,
                        lines=[{"product": lamp, "quantity": Decimal("1")}], notes=DEMO_ORDER_NOTE)


DEMO_ORDER_NOTE = "Pedido de demostración: pague con el enlace (paysim)"


def demo_pay_link(order):
    from orders.selectors import pay_token  # noqa: PLC0415 - beside its only use

    site = getattr(settings, "SITE_URL", "") or "http://127.0.0.1:8000"
    return site.rstrip("/") + reverse("pay:page", args=[pay_token(order)])


def _demo_catalogue(est):
    """A few clients of each kind, products, a provider and some stock, so a document can be
    issued right away. Existing rows are left alone."""
    common = {"departamento": "06", "municipio": "14", "phone": "22224444"}
    clients = [
        dict(kind="contribuyente", id_type="36", id_number="06142803901121", nrc="2345678",
             name="Distribuidora Central, S.A. de C.V.", trade_name="Dicentral", activity_code="46900",
             activity_description="Venta al por mayor de otros productos", email="compras@dicentral.example",
             address="Boulevard Los Héroes 1020", credit_limit=Decimal("2500"), payment_term_days=30, **common),
        dict(kind="contribuyente", id_type="36", id_number="06140101001012", nrc="1111111", name="Gran Almacén, S.A.",
             activity_code="47190", activity_description="Venta al por menor de otros productos en comercios no especializados",
             taxpayer_size="grande", email="pagos@granalmacen.example", address="Carretera al Puerto km 9", **common),
        dict(kind="consumidor", id_type="13", id_number="00016297-5", name="Ana López", email="ana@example.com",
             address="Colonia Miramonte, pasaje 3", **common),
        dict(kind="extranjero", id_type="37", id_number="GT-4478215-3", name="Alimentos Chapines, S.A.",
             country_code="9483", person_type="2", activity_description="Venta al por mayor de alimentos",
             address="12 Calle 5-40, Zona 10, Ciudad de Guatemala", email="compras@chapines.example"),
    ]
    for data in clients:
        data["search_text"] = search_text(data["name"], data.get("trade_name"), data["id_number"],
                                          data["id_number"].replace("-", ""), data.get("nrc"))
        Client.objects.get_or_create(id_type=data["id_type"], id_number=data["id_number"], defaults=data)
    products = [
        ("SILLA-ERG", "Silla ergonómica con soporte lumbar", Decimal("113.00"), Decimal("60"), True),
        ("ESCR-120", "Escritorio de melamina 120 cm", Decimal("192.10"), Decimal("110"), True),
        ("INST-01", "Instalación y armado (servicio)", Decimal("25.00"), Decimal("0"), False),
        ("LAMP-LED", "Lámpara LED de escritorio", Decimal("28.25"), Decimal("12"), True),
    ]
    for code, description, price, cost, goods in products:
        product, made = Product.objects.get_or_create(code=code, defaults=dict(
            description=description, price=price, cost=cost, tracks_stock=goods, item_type=1 if goods else 2,
            unit=59 if goods else 99, search_text=search_text(code, description)))
        if made and goods:
            Stock.objects.get_or_create(product=product, establishment=est, defaults={"quantity": Decimal("20")})
    Provider.objects.get_or_create(id_type="36", id_number="06141506851019", defaults=dict(
        nrc="3456789", name="Repuestos del Norte, S.A.", email="ventas@norte.example", activity_code="46900",
        address="Calle a Apopa km 7", search_text=search_text("Repuestos del Norte, S.A.", "06141506851019", "3456789"),
        **common))

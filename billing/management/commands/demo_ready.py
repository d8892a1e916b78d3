"""The last line of ``make run``: waits until the web process answers, then says which URL to
open and who can log in (the Procfile's ``ready`` process). It stays up afterwards, quietly,
because honcho stops every process as soon as one of them ends."""

import threading
import time
import urllib.error
import urllib.request

from django.core.management.base import BaseCommand

from billing.healthcheck import health_url
from billing.management.commands.setup_demo import (
    DEMO_ORDER_NOTE,
    DEMO_PASSWORD,
    DEMO_USERS,
    GOVSIM_URL,
    PAYSIM_URL,
    demo_pay_link,
)


def _demo_link():
    """The pay link of the demo order setup_demo made, while it is pending and its link valid."""
    from django.utils import timezone  # noqa: PLC0415 - beside its only use

    from orders.models import Order, OrderState  # noqa: PLC0415 - idem

    try:
        order = Order.objects.filter(state=OrderState.PENDING, link_expires_at__gt=timezone.now(),
                                     notes=DEMO_ORDER_NOTE).order_by("-pk").first()
    except Exception:  # noqa: BLE001 - a convenience line: the ready message never fails for it
        return ""
    return demo_pay_link(order) if order is not None else ""


def browser_url(bind):
    """The address to open for a gunicorn ``--bind`` value: a bind-all host is opened on loopback."""
    return health_url(bind).removesuffix("salud/")


def answers(url, timeout=2):
    """Whether a web server answers at ``url`` (any HTTP status counts: it is up)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout):  # noqa: S310 - the local web process
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


class Command(BaseCommand):
    help = "Espera a que el servidor web responda y muestra la dirección y los usuarios de demostración."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1:8000", help="la dirección de gunicorn (WEB_BIND)")
        parser.add_argument("--timeout", type=float, default=180, help="segundos de espera como máximo")
        parser.add_argument("--stay", action="store_true", help="seguir corriendo después (para honcho)")

    def handle(self, *args, bind, timeout, stay, **options):
        url = browser_url(bind)
        deadline = time.monotonic() + timeout
        while not answers(url + "salud/"):
            if time.monotonic() > deadline:
                self.stderr.write(f"El servidor web no respondió en {url} después de {timeout:.0f} s: revise los "
                                  "mensajes de «web» más arriba.")
                break
            time.sleep(0.5)
        else:
            self.stdout.write("")
            self.stdout.write(self.style.SUCCESS(f"Facturador está listo: abra {url}"))
            self.stdout.write(f"Usuarios de demostración (contraseña para todos: {DEMO_PASSWORD}):")
            for username, role_name, _first, _last in DEMO_USERS:
                self.stdout.write(f"  {username:<11} {role_name}")
            self.stdout.write(f"Simulador de Hacienda (govsim): {GOVSIM_URL}")
            self.stdout.write(f"Simulador de pasarelas de pago (paysim): {PAYSIM_URL}")
            link = _demo_link()
            if link:
                self.stdout.write(f"Enlace de pago de un pedido de demostración (ábralo en el teléfono): {link}")
            self.stdout.write("Detenga todo con Ctrl+C.")
        self.stdout.flush()
        if stay:
            try:
                threading.Event().wait()  # until honcho stops the processes (SIGTERM ends this one)
            except KeyboardInterrupt:
                pass

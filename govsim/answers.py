"""MH-shaped answers."""

import secrets
import string
from datetime import datetime

from django.http import JsonResponse
from django.utils import timezone

from govsim import clock

_ALNUM = string.ascii_uppercase + string.digits


def new_sello():
    # 40 uppercase alphanumerics, beginning with the year, like MH's (facts §3).
    return f"{clock.localtime():%Y}" + "".join(secrets.choice(_ALNUM) for _ in range(36))


def fh(moment: datetime | None = None):
    return f"{timezone.localtime(moment or clock.now()):%d/%m/%Y %H:%M:%S}"


def spring_error(request, status, error):
    """What MH's Spring front answers to a malformed envelope or a missing token: no MH codes."""
    return JsonResponse(
        {"timestamp": timezone.now().isoformat(timespec="milliseconds"), "status": status, "error": error,
         "path": request.path},
        status=status,
    )


def reception(*, estado, codigo_generacion, ambiente="00", version=2, sello=None, moment=None, codigo="001",
              descripcion="RECIBIDO", observaciones=()):
    return {
        "version": version,
        "ambiente": ambiente,
        "versionApp": 2,
        "estado": estado,
        "codigoGeneracion": codigo_generacion,
        "selloRecibido": sello,
        "fhProcesamiento": fh(moment),
        "clasificaMsg": "10" if estado == "PROCESADO" else "20",
        "codigoMsg": codigo,
        "descripcionMsg": descripcion,
        "observaciones": list(observaciones),
    }


class Rejection(Exception):
    """A rule MH applies failed: answered RECHAZADO with the rule named in observaciones."""

    def __init__(self, codigo, descripcion, observaciones=()):
        super().__init__(descripcion)
        self.codigo = codigo
        self.descripcion = descripcion
        self.observaciones = list(observaciones) or [descripcion]

"""The MH client as transmission uses it, MH's answers read, and the MH call log marked with the
status each call left the document in."""

import datetime

from django.conf import settings
from django.utils import timezone

from dte.mh import client as mh_client
from dte.models import MHCall


def client_for(company):
    """The shared client of the company's MH environment, with MH's timeout."""
    return mh_client.client_for_company(company, shared=True, timeout=float(settings.DTE_MH_TIMEOUT_SECONDS))


def ask(doc, client):
    """MH's answer about the document, asked by its codigoGeneracion."""
    return client.query_dte(nit_emisor=doc.company.nit, tipo_dte=doc.tipo_dte, codigo_generacion=doc.codigo_generacion)


def already_there(answer):
    """MH refusing a codigoGeneracion it already has: a resend after a lost answer."""
    text = " ".join([answer.descripcion_msg or "", *map(str, answer.observaciones)]).upper()
    return answer.rejected and "YA EXISTE" in text


def parse_mh_time(text):
    if not text:
        return None
    for fmt in ("%d/%m/%Y %H:%M:%S", "%Y-%m-%dT%H:%M:%S"):
        try:
            return timezone.make_aware(datetime.datetime.strptime(text, fmt))
        except ValueError:
            continue
    return None


def mark_calls(doc, started):
    """The calls made about the document since ``started`` record the status they left it in."""
    MHCall.objects.filter(codigo_generacion=doc.codigo_generacion, at__gte=started).update(document_status=doc.status)

"""Whether MH is unreachable: the circuit breaker reads the MH call log (dte.MHCall); the health
check asks MH a cheap question to learn it answers again."""

import datetime

from django.conf import settings
from django.utils import timezone

from dte.mh.errors import MHError
from dte.selectors import recent_mh_outcomes
from dte.transmission import mh

PROBE_CODE = "00000000-0000-4000-8000-000000000000"  # asked about by the health check: never a real DTE


def mh_unreachable(base_url, *, now=None):
    """The circuit breaker: the last DTE_BREAKER_FAILURES calls to MH all failed without an
    answer, within the window. Read from the calls already recorded (dte.models.MHCall)."""
    now = now or timezone.now()
    wanted = settings.DTE_BREAKER_FAILURES
    recent = recent_mh_outcomes(base_url, wanted)
    if len(recent) < wanted:
        return False
    since = now - datetime.timedelta(seconds=settings.DTE_BREAKER_WINDOW_SECONDS)
    return all(outcome in ("transient", "in_doubt") and at >= since for outcome, at in recent)


def mh_answers(company):
    """A cheap authenticated call: ask MH about a code that never exists. Any answer from MH
    (even "not found") means it is reachable again."""
    client = mh.client_for(company)
    try:
        client.query_dte(nit_emisor=company.nit, tipo_dte="01", codigo_generacion=PROBE_CODE)
    except MHError:
        return False
    return True

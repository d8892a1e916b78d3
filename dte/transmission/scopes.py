"""Offline scopes (dte.OfflineScope, facts §5): which point of sale issues offline, and entering
and leaving that state, by hand or by the system.

- By hand: a supervisor declares a scope (CAT-005 reason; company, establishment or point of
  sale) and may end it (the contingency pages, which check the permission).
- By the system: when MH's retry rule is exhausted for a document, its point of sale goes
  offline; when the last calls to MH all failed (dte.transmission.breaker), the whole company does.
- A periodic health check (a cheap authenticated call) ends automatic scopes when MH answers
  again; then contingency's catch-up (told through dte.hooks) reports them to MH.
"""

import logging
import time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Company
from core.audit import audit_record
from dte import hooks
from dte.models import OfflineReason, OfflineScope
from dte.transmission import breaker, offline

log = logging.getLogger(__name__)

# ------------------------------------------------------------------------------------ reading


def _covering(company_id, establishment_id, point_of_sale_id):
    return (Q(company_id=company_id)
            & ((Q(establishment__isnull=True) & Q(point_of_sale__isnull=True))
               | (Q(establishment_id=establishment_id) & Q(point_of_sale__isnull=True))
               | Q(point_of_sale_id=point_of_sale_id)))


def _active_covering(company_id, establishment_id, point_of_sale_id):
    return (OfflineScope.objects.filter(_covering(company_id, establishment_id, point_of_sale_id), ended_at__isnull=True)
            .order_by("started_at", "id"))


def scope_covering(*, company_id, establishment_id, point_of_sale_id):
    """The active scope covering this point of sale (the oldest, if several), or None."""
    return _active_covering(company_id, establishment_id, point_of_sale_id).first()


def scope_id_for_documents():
    """scope_covering as a subquery on a Document queryset (the scope's id, or NULL): issuing reads
    it in the query that loads and locks the document, and loads the scope only when there is one."""
    return Subquery(_active_covering(OuterRef("company_id"), OuterRef("establishment_id"),
                                     OuterRef("point_of_sale_id")).values("pk")[:1])


_MEMO = {}  # company id -> (monotonic expiry, [active scopes]): the pipeline asks for every document
MEMO_SECONDS = 1.0


def scope_for(doc, *, fresh=False):
    """The active scope covering the document's point of sale. The transmission pipeline asks
    this for every document, so the answer is kept for a second per process (a scope opened
    within that second holds the document on its next try)."""
    now = time.monotonic()
    cached = None if fresh else _MEMO.get(doc.company_id)
    if cached is None or cached[0] < now:
        scopes = list(OfflineScope.objects.filter(company_id=doc.company_id, ended_at__isnull=True)
                      .order_by("started_at", "id"))
        _MEMO[doc.company_id] = cached = (now + MEMO_SECONDS, scopes)
    for scope in cached[1]:
        if scope.point_of_sale_id:
            if scope.point_of_sale_id == doc.point_of_sale_id:
                return scope
        elif scope.establishment_id:
            if scope.establishment_id == doc.establishment_id:
                return scope
        else:
            return scope
    return None


# ------------------------------------------------------------------------------ opening, ending


def _notify_on_commit(registry, scope_id):
    for observer in list(registry):
        transaction.on_commit(lambda observer=observer: observer(scope_id))


def scope_open(*, company, tipo, motivo="", establishment=None, point_of_sale=None, user=None, automatic=False,
               end_automatically=True, now=None):
    """Start a scope (or return the active one that already covers the same scope). From now on
    documents of that scope are issued offline, and those waiting to be sent join it. The caller
    checks the user's permission (the contingency pages)."""
    tipo = int(tipo)
    motivo = (motivo or "").strip()
    if tipo not in OfflineReason.values:
        raise ValidationError(_("Elija el tipo de contingencia (CAT-005)."))
    if tipo == OfflineReason.OTHER and not motivo:
        raise ValidationError(_("Describa el motivo: el tipo 5 «Otro» lo exige."))
    if point_of_sale is not None:
        establishment = point_of_sale.establishment
    now = now or timezone.now()
    with transaction.atomic():
        # One scope per place at a time; a company-wide one already covers everything.
        Company.objects.select_for_update().filter(pk=company.pk).first()  # serialises concurrent openings
        existing = OfflineScope.objects.filter(company=company, ended_at__isnull=True,
                                               establishment=establishment,
                                               point_of_sale=point_of_sale).first()
        if existing is None and (establishment is not None or point_of_sale is not None):
            existing = OfflineScope.objects.filter(company=company, ended_at__isnull=True, establishment__isnull=True,
                                                   point_of_sale__isnull=True).first()
        if existing is None and point_of_sale is not None:
            existing = OfflineScope.objects.filter(company=company, ended_at__isnull=True, establishment=establishment,
                                                   point_of_sale__isnull=True).first()
        if existing is not None:
            return existing
        scope = OfflineScope.objects.create(
            company=company, establishment=establishment,
            point_of_sale=point_of_sale, tipo=tipo, motivo=motivo[:500], automatic=automatic,
            end_automatically=end_automatically, started_at=now, opened_by=user)
        if user is not None:
            audit_record(actor=user, action="create", obj=scope,
                         summary=_("Contingencia declarada: %(s)s") % {"s": scope.scope_label})
        _notify_on_commit(hooks.scope_opened, scope.pk)
    log.warning("contingencia %s: %s (%s)", scope.pk, scope.scope_label, scope.get_tipo_display())
    offline.hold_in_scope(scope)
    offline.reissue_pending(scope)
    return scope


def scope_end(*, scope, user=None, now=None):
    """The outage is over: the 24 h for the event start now and catching up begins."""
    now = now or timezone.now()
    with transaction.atomic():
        changed = OfflineScope.objects.filter(pk=scope.pk, ended_at__isnull=True).update(ended_at=now, ended_by=user)
        if not changed:
            raise ValidationError(_("La contingencia ya había terminado."))
        scope.ended_at, scope.ended_by = now, user
        if user is not None:
            audit_record(actor=user, action="update", obj=scope, summary=_("Contingencia terminada"))
        _notify_on_commit(hooks.scope_ended, scope.pk)
    return scope


# ------------------------------------------------------------------------ by the system


def note_retry_exhausted(doc):
    """MH's retry rule was exhausted for this document (facts §3, "Retry policy": no answer, ask,
    resend at most twice, "if still failing … switch to contingency"): its point of sale goes
    offline, reason 1 (MH unavailable). The till that failed, not more: a small shop with one
    cashier never makes the breaker's calls, and another till may still reach MH."""
    return scope_open(company=doc.company, point_of_sale=doc.point_of_sale, tipo=OfflineReason.MH_DOWN, automatic=True)


def note_transient_failure(company, base_url):
    """After a failed call: if MH looks unreachable, the whole company goes offline."""
    if scope_covering(company_id=company.pk, establishment_id=None, point_of_sale_id=None) is not None:
        return None
    if breaker.mh_unreachable(base_url):
        return scope_open(company=company, tipo=OfflineReason.MH_DOWN, automatic=True)
    return None


def health_check(*, now=None):
    """End the automatic scopes of companies whose MH answers again. Returns the scopes ended."""
    ended = []
    active = OfflineScope.objects.filter(ended_at__isnull=True, end_automatically=True)
    for company in Company.objects.filter(pk__in=active.values("company_id")):
        if not breaker.mh_answers(company):
            continue
        for scope in active.filter(company=company):
            try:
                ended.append(scope_end(scope=scope, now=now))
            except ValidationError:
                continue
    return ended

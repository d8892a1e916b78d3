"""The worker's side of a test run: each step (onboarding.tasks.step_task) looks at what MH has
sealed so far and does the next bounded piece of work, through dte's and contingency's own
services as the admin who started the run (so the set is issued, signed and sent in whatever
schema generation is configured):

1. the documents of each chosen type that are still missing (rejected ones are replaced);
2. credit and debit notes, each against its own sealed CCF (CCFs are issued for them if needed);
3. invalidations (type 2, rescind) of documents issued for that purpose once MH has sealed them;
4. contingency events: a test outage at one point of sale, a few documents issued offline, the
   outage ended; contingency reports the event and sends the lots. One at a time.

A step returns the seconds until the next one is worth running, or None when the run is over:
complete (every count met) or failed (a problem the admin must fix, named on the page)."""

import datetime
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import MHEnvironment
from contingency import services as contingency_services
from contingency.models import Event, EventState
from core.statemachine import TransitionRefused
from dte import generations
from dte.invalidation import invalidation_request
from dte.models import CaseCode, CaseState, Document, GovStatus, InvalidationState, InvalidationType, OfflineReason, OutboxState
from dte.schemas import registry
from dte.services.cases import case_confirm, cases_refresh
from dte.services.drafts import draft_delete, draft_save
from dte.services.issuing import IssueError, document_issue
from dte.services.totals import document_totals
from dte.transmission.scopes import scope_covering
from onboarding import catalogue, recipes
from onboarding.models import Purpose, RunState, TestDocument, TestPeriod, TestRun
from onboarding.progress import CONTINGENCY, IN_FLIGHT, INVALIDATION, REFUSED, progress
from onboarding.states import RUN

log = logging.getLogger(__name__)

STEP_BUDGET = 20  # documents issued (or events requested) by one step; the next step follows at once
MAX_REFUSED = 5  # documents of one type MH may refuse before the run stops for the admin to look
MAX_REFUSED_EVENTS = 3
CONTINGENCY_DOCUMENTS = 2  # documents issued in each test outage (listed in its event, sent in a lot)
LEASE_SECONDS = 300
# Where an invalidation target is issued, in order of preference among the chosen types: types
# MH lets invalidate for longest and that nothing else depends on (facts §6).
INVALIDATION_TYPES = ["01", "11", "14", "04", "07", "03"]


class RunProblem(Exception):
    """The run cannot go on until the admin acts; the message says what, in Spanish."""


def wait_seconds():
    return settings.ONBOARDING_WAIT_SECONDS


# ---------------------------------------------------------------------------------- the step


def step(run_id, *, now=None):
    now = now or timezone.now()
    lease = TestRun.objects.filter(pk=run_id, state__in=[RunState.QUEUED, RunState.RUNNING]).filter(
        Q(busy_until__isnull=True) | Q(busy_until__lt=now)).update(busy_until=now + datetime.timedelta(seconds=LEASE_SECONDS))
    if not lease:
        return None
    run = TestRun.objects.select_related("company", "started_by").get(pk=run_id)
    try:
        if run.state == RunState.QUEUED:
            RUN.move(run, RunState.RUNNING, reason=_("Un proceso tomó el set de pruebas"))
        wait = advance(run, now=now)
    except RunProblem as exc:
        _finish(run, RunState.FAILED, error=str(exc), now=now)
        return None
    except TransitionRefused:
        return None  # stopped by the admin meanwhile
    finally:
        TestRun.objects.filter(pk=run_id).update(busy_until=None)
    if wait is not None:
        TestRun.objects.filter(pk=run_id).update(next_step_at=now + datetime.timedelta(seconds=wait),
                                                 steps=run.steps + 1, note=run.note[:300])
    return wait


def _finish(run, state, *, now, error="", note=""):
    try:
        RUN.move(run, state, reason=error or note, finished_at=now, error=error[:1000], note=note[:300] or run.note[:300],
                 next_step_at=None)
    except TransitionRefused:
        pass  # stopped meanwhile: the admin's decision stands


def advance(run, *, now):
    company = run.company
    if company.mh_environment != MHEnvironment.TEST:
        raise RunProblem(_("La empresa ya no está en el ambiente de pruebas (00): el set de pruebas no se envía a "
                           "producción."))
    _discard_drafts(run)
    state = progress(company=company, codes=run.items)
    if state.complete:
        _finish(run, RunState.COMPLETE, now=now, note=_("Todas las pruebas mínimas tienen sello de MH."))
        return None
    _check_refusals(run, state)
    cat = catalogue.catalogue_for(user=run.started_by)
    missing = catalogue.gaps(cat, run.items)
    if missing:
        raise RunProblem(" ".join(sorted({m for found in missing.values() for m in found})))
    plan = Plan(run, state, cat)
    plan.documents()
    plan.notes()
    plan.invalidations()
    plan.contingency()
    run.note = plan.note()
    return 0.1 if plan.spent else wait_seconds()


def _discard_drafts(run):
    """A draft the run made and did not issue (its worker died in between): thrown away."""
    for doc in Document.objects.filter(authorisation_test__run=run, status=GovStatus.DRAFT):
        draft_delete(document=doc, acting_user=run.started_by)


def _latest_refusal(docs):
    doc = docs.exclude(mh_message="").order_by("-rejected_at", "-pk").first() or docs.order_by("-pk").first()
    if doc is None:
        return ""
    detail = " ".join(p for p in (doc.mh_code, doc.mh_message, "; ".join(doc.mh_observations or [])) if p)
    return detail or doc.last_error


def _check_refusals(run, state):
    company_docs = Document.objects.filter(authorisation_test__run__company=run.company)
    for row in state.rows:
        if row.code == INVALIDATION and row.rejected >= MAX_REFUSED_EVENTS:
            raise RunProblem(_("MH rechazó %(n)d invalidaciones. Revise la última en el documento invalidado.")
                             % {"n": row.rejected})
        if row.code == CONTINGENCY and row.rejected:
            raise RunProblem(_("MH rechazó un evento de contingencia. Corríjalo y reenvíelo desde Contingencia; "
                               "luego reanude el set de pruebas."))
        if row.kind == "dte" and row.rejected >= MAX_REFUSED:
            refused = company_docs.filter(tipo_dte=row.code, status__in=REFUSED)
            raise RunProblem(_("MH rechazó %(n)d documentos de tipo %(t)s; el último dice: %(m)s") % {
                "n": row.rejected, "t": row.name, "m": _latest_refusal(refused) or "—"})
    stopped = (company_docs.filter(outbox__state=OutboxState.STOPPED, status__in=IN_FLIGHT)
               .select_related("outbox").order_by("-pk").first())
    if stopped is not None:
        raise RunProblem(_("La transmisión a MH se detuvo: %(e)s. Revise las credenciales y la URL de MH de la "
                           "empresa y reanude.") % {"e": stopped.outbox.last_error or stopped.last_error})


# ---------------------------------------------------------------------------------- the plan


class Plan:
    def __init__(self, run, state, cat):
        self.run, self.state, self.cat = run, state, cat
        self.user = run.started_by
        self.budget = STEP_BUDGET
        self.spent = 0
        self.waiting = []  # what the step waits for, for the page
        self.chosen = [c for c in run.items if c in recipes.GENERATED]
        self.docs = Document.objects.filter(authorisation_test__run__company=run.company)
        self._made = {}

    # ------------------------------------------------------------------ issuing one document

    def _index(self, tipo):
        """How many documents of ``tipo`` the company's runs made so far: the next one's mix."""
        if tipo not in self._made:
            self._made[tipo] = TestDocument.objects.filter(run__company=self.run.company, document__tipo_dte=tipo).count()
        n = self._made[tipo]
        self._made[tipo] += 1
        return n

    def _point(self, n):
        return self.cat.points[n % len(self.cat.points)]

    def issue(self, recipe, purpose=Purpose.COUNT):
        """Draft, confirm its special cases, issue (dte's services, as the admin). Anything MH's
        rules or the catalogue stop is the admin's to fix: the run stops with dte's words."""
        self.budget -= 1
        self.spent += 1
        user = self.user
        try:
            doc = draft_save(acting_user=user, data=recipe.data, lines=recipe.lines, related=recipe.related)
        except (ValidationError, PermissionDenied) as exc:
            raise RunProblem(_("No se pudo preparar un documento %(t)s: %(e)s") % {"t": recipe.tipo, "e": _text(exc)})
        TestDocument.objects.create(run=self.run, document=doc, purpose=purpose)
        # A test-environment document, not a sale: the books, reports and annexes leave it out.
        Document.objects.filter(pk=doc.pk).update(is_authorisation_test=True)
        doc.is_authorisation_test = True
        try:
            if recipe.split_payment:
                self._split_payment(doc, recipe)
            for case in cases_refresh(document=doc, acting_user=user):
                if case.state in (CaseState.CONFIRMED, CaseState.APPROVED):
                    continue
                if case.needs_approval:
                    raise RunProblem(_("Su rol necesita la aprobación de un supervisor para «%(c)s»: use un usuario "
                                       "administrador sin casos que requieran aprobación.") % {"c": CaseCode(case.code).label})
                case_confirm(case=case, acting_user=user)
            return document_issue(document=doc, acting_user=user)
        except (IssueError, ValidationError, PermissionDenied) as exc:
            draft_delete(document=doc, acting_user=user)
            raise RunProblem(_("No se pudo emitir un documento %(t)s: %(e)s") % {
                "t": doc.get_tipo_dte_display(), "e": _text(exc)})
        except RunProblem:
            draft_delete(document=doc, acting_user=user)
            raise

    def _split_payment(self, doc, recipe):
        """Part cash, part card (CAT-017 01 and 03): the payment forms must add up to the total."""
        total = document_totals(doc).total_pagar.quantize(recipes.CENT)
        if total < 2:
            return
        cash = (total / 2).quantize(recipes.CENT)
        payments = [{"codigo": "01", "monto": str(cash)},
                    {"codigo": "03", "monto": str(total - cash), "referencia": "**** 4242"}]
        draft_save(acting_user=self.user, data={"payments": payments}, lines=recipe.lines, related=recipe.related,
                   document=doc)

    # ------------------------------------------------------------------ 1. the types

    def _open(self, tipo, purpose=(Purpose.COUNT, Purpose.CONTINGENCY)):
        """Sealed or on the way, of ``tipo``, counted for it."""
        return self.docs.filter(Q(status__in=IN_FLIGHT) | ~Q(sello_recibido=""), tipo_dte=tipo,
                                authorisation_test__purpose__in=purpose).count()

    def _target(self, tipo):
        row = self.state.row(tipo)
        target = row.required if row else 0
        if tipo == "03":  # each note goes against a CCF of its own
            for note in ("05", "06"):
                note_row = self.state.row(note)
                if note_row:
                    target = max(target, note_row.required + note_row.rejected)
        return target

    def documents(self):
        tipos = [t for t in self.chosen if t in recipes.MAKERS]
        if ("05" in self.chosen or "06" in self.chosen) and "03" not in tipos:
            tipos.append("03")
        for tipo in tipos:
            need = self._target(tipo) - self._open(tipo)
            while need > 0 and self.budget > 0:
                n = self._index(tipo)
                self.issue(recipes.MAKERS[tipo](self.cat, n, self._point(n)))
                need -= 1
            if need > 0:
                self.waiting.append(tipo)

    # ------------------------------------------------------------------ 2. the notes

    def notes(self):
        for tipo in ("05", "06"):
            row = self.state.row(tipo)
            if row is None:
                continue
            need = row.required - self._open(tipo)
            if need <= 0:
                continue
            targets = list(self.docs.filter(tipo_dte="03", status=GovStatus.SEALED,
                                            authorisation_test__purpose__in=[Purpose.COUNT, Purpose.CONTINGENCY])
                           .exclude(corrected_by__document__tipo_dte=tipo).select_related("client")
                           .order_by("pk")[:min(need, max(self.budget, 0))])
            for target in targets:
                n = self._index(tipo)
                self.issue(recipes.NOTE_MAKERS[tipo](target, n, self._point(n)))
            if need > len(targets):
                self.waiting.append(tipo)

    # ------------------------------------------------------------------ 3. invalidations

    def _invalidation_type(self):
        for tipo in INVALIDATION_TYPES:
            if tipo in self.chosen:
                return tipo
        return "03" if ("05" in self.chosen or "06" in self.chosen) else "01"

    def invalidations(self):
        row = self.state.row(INVALIDATION)
        if row is None:
            return
        need = row.required - row.sealed - row.in_flight
        if need <= 0:
            return
        company = self.run.company
        person = {"name": company.mh_responsible_name, "id_type": company.mh_responsible_id_type,
                  "id_number": company.mh_responsible_id_number}
        targets = self.docs.filter(authorisation_test__purpose=Purpose.INVALIDATE)
        ready = list(targets.filter(status=GovStatus.SEALED).exclude(
            invalidations__state__in=[InvalidationState.PENDING, InvalidationState.SENDING, InvalidationState.ACCEPTED])
            .order_by("pk")[:min(need, max(self.budget, 0))])
        for doc in ready:
            self.budget -= 1
            self.spent += 1
            try:
                invalidation_request(document=doc, acting_user=self.user, tipo=InvalidationType.RESCIND,
                                     reason=_("Prueba de invalidación para la autorización de MH"),
                                     responsible=person, requester=person)
            except ValidationError as exc:
                raise RunProblem(_("No se pudo invalidar %(d)s: %(e)s") % {"d": doc.numero_control, "e": _text(exc)})
        coming = targets.filter(status__in=IN_FLIGHT).count()
        more = need - len(ready) - coming
        tipo = self._invalidation_type()
        while more > 0 and self.budget > 0:
            n = self._index(tipo)
            maker = recipes.MAKERS.get(tipo, recipes.ccf)
            recipe = maker(self.cat, n, self._point(n), identified=True) if tipo == "01" else maker(self.cat, n, self._point(n))
            self.issue(recipe, Purpose.INVALIDATE)
            more -= 1
        if need > len(ready):
            self.waiting.append(INVALIDATION)

    # ------------------------------------------------------------------ 4. contingency

    def _contingency_types(self):
        # The types MH accepts in contingency in the generation each type issues in now (CAT-023;
        # v2.0 adds the CR): dte.schemas.registry, per generation.
        now = timezone.now()
        allowed = {t for t in self.chosen
                   if t in registry.contingency_types(generations.generation_in_force(t, at=now))}
        tipos = [t for t in self.chosen if t in recipes.MAKERS and t in allowed]
        return tipos or ["01"]

    def contingency(self):
        row = self.state.row(CONTINGENCY)
        if row is None:
            return
        company = self.run.company
        open_period = (TestPeriod.objects.filter(run__company=company, period__completed_at__isnull=True)
                       .select_related("period").order_by("pk").first())
        if open_period is not None:
            period = open_period.period
            if period.ended_at is None:  # the step that opened it did not end it (its worker died)
                contingency_services.period_end(period=period, acting_user=self.user)
            self.waiting.append(CONTINGENCY)
            return
        if row.sealed + row.in_flight >= row.required or self.budget < CONTINGENCY_DOCUMENTS:
            return
        point = self.cat.contingency_point
        if scope_covering(company_id=company.pk, establishment_id=point.establishment_id, point_of_sale_id=point.pk):
            self.waiting.append(CONTINGENCY)  # a real outage there: the test one waits for it to end
            return
        if point in self.cat.points and self.docs.filter(point_of_sale=point, status__in=IN_FLIGHT).exists():
            self.waiting.append(CONTINGENCY)  # the only point of sale: ordinary tests must not join the outage
            return
        try:
            period = contingency_services.period_open(
                company=company, tipo=OfflineReason.OTHER, point_of_sale=point, acting_user=self.user,
                motivo=_("Prueba de contingencia para la autorización de MH"), end_automatically=False)
        except (PermissionDenied, ValidationError) as exc:
            raise RunProblem(_("No se pudo declarar la contingencia de prueba: %(e)s") % {"e": _text(exc)})
        TestPeriod.objects.create(run=self.run, period=period)
        tipos = self._contingency_types()
        for k in range(CONTINGENCY_DOCUMENTS):
            tipo = tipos[k % len(tipos)]
            n = self._index(tipo)
            self.issue(recipes.MAKERS[tipo](self.cat, n, point), Purpose.CONTINGENCY)
        contingency_services.period_end(period=period, acting_user=self.user)
        self.waiting.append(CONTINGENCY)

    # ------------------------------------------------------------------ for the page

    def note(self):
        if self.spent:
            return _("Generando y enviando documentos a MH…")
        pending = Event.objects.filter(period__authorisation_test__run__company=self.run.company,
                                       state__in=[EventState.PENDING, EventState.IN_DOUBT]).exists()
        if pending or CONTINGENCY in self.waiting:
            return _("Esperando los sellos de MH (documentos, invalidaciones y contingencia)…")
        return _("Esperando los sellos de MH…")


def _text(exc):
    if isinstance(exc, IssueError):
        return "; ".join(exc.problems)
    if isinstance(exc, ValidationError):
        return "; ".join(str(m) for m in exc.messages)
    return str(exc) or exc.__class__.__name__

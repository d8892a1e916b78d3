"""How far the company is with MH's minimum tests: per chosen type and event, how many obtained a
seal (only those count, facts-2 §1), how many are on their way, how many MH refused. Read from
the documents, invalidations and contingency events the company's runs made, in three grouped
queries whatever their number."""

from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from contingency.models import Event, EventState
from core.fiscal import GovStatus
from dte.models import Invalidation, InvalidationState
from onboarding.models import Purpose, RequirementKind, TestDocument, TestPeriod, TestRequirement

IN_FLIGHT = (GovStatus.PENDING, GovStatus.TRANSMITTING, GovStatus.IN_DOUBT, GovStatus.CONTINGENCY)
REFUSED = (GovStatus.REJECTED, GovStatus.CORRECTING)
INVALIDATION, CONTINGENCY = "invalidacion", "contingencia"


@dataclass
class Row:
    code: str
    name: str
    kind: str
    required: int
    sealed: int = 0
    in_flight: int = 0
    rejected: int = 0
    source: str = ""

    @property
    def counted(self):
        return min(self.sealed, self.required)

    @property
    def complete(self):
        return self.sealed >= self.required

    @property
    def missing(self):
        return max(self.required - self.sealed, 0)

    @property
    def percent(self):
        return 100 if self.complete else int(100 * self.sealed / self.required)


@dataclass
class Progress:
    rows: list

    @property
    def required(self):
        return sum(r.required for r in self.rows)

    @property
    def counted(self):
        return sum(r.counted for r in self.rows)

    @property
    def complete(self):
        return bool(self.rows) and all(r.complete for r in self.rows)

    @property
    def percent(self):
        """Sealed over required, each item capped at its count; 100 only when all are complete."""
        if not self.rows:
            return 0
        if self.complete:
            return 100
        return min(99, int(100 * self.counted / self.required))

    def row(self, code):
        return next((r for r in self.rows if r.code == code), None)

    def missing_text(self):
        return [_("%(n)s: %(s)d de %(r)d sellados") % {"n": r.name, "s": r.sealed, "r": r.required}
                for r in self.rows if not r.complete]


def requirements(codes):
    return list(TestRequirement.objects.filter(code__in=codes).order_by("position", "code"))


def document_counts(company):
    """{tipo: (sealed, in flight, refused)} of the documents the company's runs issued to count for
    their type (invalidation targets are never counted)."""
    rows = (TestDocument.objects.filter(run__company=company, purpose__in=[Purpose.COUNT, Purpose.CONTINGENCY])
            .values("document__tipo_dte")
            .annotate(sealed=Count("pk", filter=~Q(document__sello_recibido="")),
                      flight=Count("pk", filter=Q(document__status__in=IN_FLIGHT)),
                      refused=Count("pk", filter=Q(document__status__in=REFUSED))))
    return {r["document__tipo_dte"]: (r["sealed"], r["flight"], r["refused"]) for r in rows}


def invalidation_counts(company):
    """(sealed, in flight, refused) of the invalidation events the company's runs requested."""
    found = Invalidation.objects.filter(document__authorisation_test__run__company=company).aggregate(
        sealed=Count("pk", filter=Q(state=InvalidationState.ACCEPTED) & ~Q(sello_recibido="")),
        flight=Count("pk", filter=Q(state__in=[InvalidationState.PENDING, InvalidationState.SENDING])),
        refused=Count("pk", filter=Q(state=InvalidationState.REJECTED)))
    return found["sealed"], found["flight"], found["refused"]


def contingency_counts(company):
    """(sealed, in flight, refused) of the contingency events of the periods the company's runs
    declared; a period not reported yet is one event on its way."""
    found = Event.objects.filter(period__authorisation_test__run__company=company).aggregate(
        sealed=Count("pk", filter=Q(state=EventState.SEALED)),
        flight=Count("pk", filter=Q(state__in=[EventState.PENDING, EventState.IN_DOUBT])),
        refused=Count("pk", filter=Q(state=EventState.REJECTED)))
    unreported = TestPeriod.objects.filter(run__company=company, period__completed_at__isnull=True).exclude(
        period__events__state__in=[EventState.SEALED, EventState.PENDING, EventState.IN_DOUBT, EventState.REJECTED]).count()
    return found["sealed"], found["flight"] + unreported, found["refused"]


def progress(*, company, codes):
    """The company's progress on the items ``codes`` (types and events), in MH's order."""
    docs = document_counts(company)
    events = {INVALIDATION: invalidation_counts(company), CONTINGENCY: contingency_counts(company)}
    rows = []
    for req in requirements(codes):
        sealed, flight, refused = (docs if req.kind == RequirementKind.DTE else events).get(req.code, (0, 0, 0))
        rows.append(Row(code=req.code, name=req.name, kind=req.kind, required=req.required, sealed=sealed,
                        in_flight=flight, rejected=refused, source=req.source))
    return Progress(rows)

"""The test set's generator and its counting, through dte's own services (no worker: MH's answers
are written by hand, as govsim would give them). What MH's test environment is meant to see is
checked in the signed JSON itself; only sealed documents and events count."""

import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from dte.models import Document, GovStatus, Invalidation, InvalidationState
from onboarding import runner
from onboarding.models import Purpose, RunState, TestDocument, TestPeriod
from onboarding.progress import progress
from onboarding.services import run_start

ALL_TYPES = ["01", "03", "04", "05", "06", "07", "11", "14"]


def _steps(run, limit=20):
    """Step the run until a step has nothing left to do (it waits for MH)."""
    for _ in range(limit):
        before = TestDocument.objects.filter(run=run).count() + Invalidation.objects.count()
        wait = runner.step(run.pk)
        run.refresh_from_db()
        after = TestDocument.objects.filter(run=run).count() + Invalidation.objects.count()
        if wait is None or after == before:
            return wait
    raise AssertionError("the run kept working")


def _seal(docs):
    """What MH answers for an accepted document (dte.transitions writes it in production)."""
    return Document.objects.filter(pk__in=[d.pk for d in docs]).update(
        status=GovStatus.SEALED, sello_recibido="2026ABCDEF0123456789ABCDEF0123456789ABCD", processed_at=timezone.now())


def _body(doc):
    return json.loads(doc.payload)


def _docs(run, tipo, purpose=Purpose.COUNT):
    return list(Document.objects.filter(authorisation_test__run=run, authorisation_test__purpose=purpose,
                                        tipo_dte=tipo).order_by("pk"))


@pytest.fixture
def started(requirements, catalogue, admin_user, signing_company):
    return run_start(company=signing_company, codes=ALL_TYPES, acting_user=admin_user)


def test_mh_always_required_events_join_the_chosen_types(started):
    assert started.items == ALL_TYPES + ["invalidacion", "contingencia"]
    assert started.state == RunState.QUEUED


def test_the_generated_set_has_the_variety_mh_expects(started, catalogue, establishments):
    from inventory.models import StockMovement

    _steps(started)
    started.refresh_from_db()
    assert started.state == RunState.RUNNING, started.error

    facturas = [_body(d) for d in _docs(started, "01")]
    assert len(facturas) == 6
    assert any(b["receptor"] is None for b in facturas) and any(b["receptor"] for b in facturas)
    items = [i for b in facturas for i in b["cuerpoDocumento"]]
    assert any(Decimal(str(i["ventaExenta"])) > 0 for i in items)
    assert any(Decimal(str(i["ventaNoSuj"])) > 0 for i in items)
    assert any(Decimal(str(i["montoDescu"])) > 0 for i in items)
    # The seventh-of-a-kind Factura goes to the large taxpayer above the retention base: 1 % retained.
    retained = [b for b in facturas if Decimal(str(b["resumen"]["ivaRete1"])) > 0]
    assert retained and all(b["receptor"]["nombre"] == "Gran Almacén, S.A." for b in retained)
    assert any(Decimal(str(b["resumen"]["descuGravada"])) > 0 for b in facturas) or any(
        len(b["resumen"]["pagos"] or []) > 1 for b in facturas)

    ccfs = [_body(d) for d in _docs(started, "03")]
    assert len(ccfs) == 5  # its own 5, and enough for 2 credit and 2 debit notes, each against its own CCF
    rete = [b for b in ccfs if Decimal(str(b["resumen"]["ivaRete1"])) > 0]
    # 1 % of a base of at least $120.00 without IVA
    assert rete and all(Decimal(str(b["resumen"]["ivaRete1"])) == (Decimal(str(b["resumen"]["totalGravada"]))
                                                                   * Decimal("0.01")).quantize(Decimal("0.01"))
                        for b in rete)
    assert any(len(b["resumen"]["pagos"]) == 2 for b in ccfs)  # part cash, part card

    remisiones = [_body(d) for d in _docs(started, "04")]
    assert len({b["receptor"]["bienTitulo"] for b in remisiones}) == 2

    exports = [_body(d) for d in _docs(started, "11")]
    kinds = {b["emisor"]["tipoItemExpor"] for b in exports}
    assert kinds == {1, 2}
    goods = [b for b in exports if b["emisor"]["tipoItemExpor"] == 1]
    assert all(b["emisor"]["recintoFiscal"] and b["emisor"]["regimen"] for b in goods)

    fse = [_body(d) for d in _docs(started, "14")]
    # the second buys a service: 10 % income tax withheld (CT art. 156)
    assert [Decimal(str(b["resumen"]["reteRenta"])) > 0 for b in fse] == [False, True]
    assert all(b["sujetoExcluido"]["nombre"] == "Juan Pérez" for b in fse)

    retentions = [_body(d) for d in _docs(started, "07")]
    assert all(Decimal(str(b["resumen"]["totalIVAretenido"])) > 0 for b in retentions)

    # Invalidation targets: Facturas with an identified buyer, never counted for their type.
    targets = _docs(started, "01", Purpose.INVALIDATE)
    assert len(targets) == 2 and all(_body(d)["receptor"] for d in targets)

    # One test outage at the last point of sale, its documents issued offline, then ended.
    period = TestPeriod.objects.get(run=started).period
    assert period.point_of_sale == establishments["pos"]["S001P001"] and period.ended_at is not None
    offline = Document.objects.filter(authorisation_test__purpose=Purpose.CONTINGENCY)
    assert offline.count() == 2 and {d.status for d in offline} == {GovStatus.CONTINGENCY}
    assert all(_body(d)["identificacion"]["tipoModelo"] == 2 for d in offline)
    ordinary = Document.objects.filter(authorisation_test__purpose=Purpose.COUNT)
    assert not ordinary.filter(point_of_sale=establishments["pos"]["S001P001"]).exists()

    # Nothing moved the company's stock, nothing was left as a draft.
    assert not StockMovement.objects.exists()
    assert not Document.objects.filter(status=GovStatus.DRAFT).exists()


def test_notes_go_against_sealed_ccfs_and_invalidations_follow_the_seal(started):
    _steps(started)
    assert not _docs(started, "05") and not Invalidation.objects.exists()  # nothing sealed yet
    ccfs = _docs(started, "03")
    _seal(ccfs + _docs(started, "01", Purpose.INVALIDATE))
    _steps(started)

    codes = {d.codigo_generacion for d in ccfs}
    for tipo in ("05", "06"):
        notes = [_body(d) for d in _docs(started, tipo)]
        assert len(notes) == 2
        targets = [b["documentoRelacionado"][0]["numeroDocumento"] for b in notes]
        assert set(targets) <= codes and len(set(targets)) == 2
        assert all(b["cuerpoDocumento"][0]["numeroDocumento"] == b["documentoRelacionado"][0]["numeroDocumento"]
                   for b in notes)
    invalidations = list(Invalidation.objects.select_related("document"))
    assert len(invalidations) == 2
    assert {i.tipo for i in invalidations} == {2} and {i.state for i in invalidations} == {InvalidationState.PENDING}
    assert {i.document.status for i in invalidations} == {GovStatus.INVALIDATION_PENDING}


def test_only_sealed_documents_and_events_count(started, signing_company):
    from contingency.models import Event, EventState

    _steps(started)
    state = progress(company=signing_company, codes=started.items)
    assert state.percent == 0 and not state.complete
    facturas = _docs(started, "01")
    # six Facturas of their own and one issued offline in the test outage, none sealed yet
    assert state.row("01").in_flight == 7 and state.row("01").sealed == 0

    _seal(facturas[:3])
    Document.objects.filter(pk=facturas[3].pk).update(status=GovStatus.REJECTED, mh_message="Rechazado")
    # An invalidation target sealed (and then invalidated) never counts for its type.
    targets = _docs(started, "01", Purpose.INVALIDATE)
    _seal(targets)
    state = progress(company=signing_company, codes=started.items)
    assert (state.row("01").sealed, state.row("01").in_flight, state.row("01").rejected) == (3, 3, 1)

    # Invalidation events: accepted with a seal counts; accepted without one does not.
    _steps(started)
    first, second = Invalidation.objects.order_by("pk")
    Invalidation.objects.filter(pk=first.pk).update(state=InvalidationState.ACCEPTED, sello_recibido="S" * 40)
    Invalidation.objects.filter(pk=second.pk).update(state=InvalidationState.ACCEPTED, sello_recibido="")
    Document.objects.filter(pk__in=[first.document_id, second.document_id]).update(status=GovStatus.INVALIDATED)
    state = progress(company=signing_company, codes=started.items)
    assert state.row("invalidacion").sealed == 1
    assert state.row("01").sealed == 3  # the invalidated targets did not count before and do not now

    # A contingency event counts once MH sealed it, not while it waits.
    period = TestPeriod.objects.get(run=started).period
    assert state.row("contingencia").in_flight == 1 and state.row("contingencia").sealed == 0
    event = Event.objects.create(period=period, establishment=period.establishment, point_of_sale=period.point_of_sale,
                                 codigo_generacion="1F2E3D4C-0000-4000-8000-00000000CAFE", payload="{}", jws="a.b.c")
    assert progress(company=signing_company, codes=started.items).row("contingencia").sealed == 0
    Event.objects.filter(pk=event.pk).update(state=EventState.SEALED, sello_recibido="E" * 40)
    assert progress(company=signing_company, codes=started.items).row("contingencia").sealed == 1


def test_the_percentage_caps_each_item_and_reaches_100_only_when_all_are_met(requirements, catalogue, admin_user,
                                                                             signing_company):
    requirements({"01": 3, "invalidacion": 1, "contingencia": 1})
    run = run_start(company=signing_company, codes=["01"], acting_user=admin_user)
    _steps(run)
    _seal(_docs(run, "01") + _docs(run, "01", Purpose.INVALIDATE) + _docs(run, "01", Purpose.CONTINGENCY))
    state = progress(company=signing_company, codes=run.items)
    # Facturas: 3 of their own + the 2 issued offline = 5 sealed, counted as 3 (the count);
    # invalidation 0 of 1, contingency 0 of 1: 3 of 5 in all
    assert (state.row("01").sealed, state.counted, state.required) == (5, 3, 5)
    assert state.percent == 60
    _steps(run)
    invalidation = Invalidation.objects.get()
    Invalidation.objects.filter(pk=invalidation.pk).update(state=InvalidationState.ACCEPTED, sello_recibido="S" * 40)
    from contingency.models import Event, EventState

    period = TestPeriod.objects.get(run=run).period
    Event.objects.create(period=period, establishment=period.establishment, point_of_sale=period.point_of_sale,
                         codigo_generacion="1F2E3D4C-0000-4000-8000-00000000BEEF", payload="{}", jws="a.b.c",
                         state=EventState.SEALED, sello_recibido="E" * 40)
    assert progress(company=signing_company, codes=run.items).percent == 100
    assert runner.step(run.pk) is None
    run.refresh_from_db()
    assert run.state == RunState.COMPLETE and run.finished_at is not None


def test_mh_refusing_documents_stops_the_run_with_its_words(started):
    _steps(started)
    refused = _docs(started, "01")[:5]
    Document.objects.filter(pk__in=[d.pk for d in refused]).update(
        status=GovStatus.REJECTED, rejected_at=timezone.now(), mh_code="004", mh_message="RECHAZADO",
        mh_observations=["[identificacion.fecEmi] fuera de plazo"])
    assert runner.step(started.pk) is None
    started.refresh_from_db()
    assert started.state == RunState.FAILED
    assert "MH rechazó 5 documentos de tipo Factura" in started.error and "fuera de plazo" in started.error


def test_a_catalogue_gap_is_named_before_anything_is_sent(requirements, parties, products, admin_user, signing_company):
    from clients.models import Client

    Client.objects.filter(kind="extranjero").delete()
    with pytest.raises(ValidationError) as exc:
        run_start(company=signing_company, codes=["01", "11", "14"], acting_user=admin_user)
    text = " ".join(exc.value.messages)
    assert "Factura de Exportación: Registre un cliente extranjero" in text
    assert "Factura de Sujeto Excluido: Registre un proveedor sin NRC" in text
    assert not Document.objects.exists()


def test_the_liquidations_are_generated_too(requirements, catalogue, admin_user, signing_company):
    """08 and 09 (sv-tax-facts-2.md §6) join the test set: CLs listing printed documents to a
    taxpayer mandante, DCLs settling card sales with the 2 % perception."""
    run = run_start(company=signing_company, codes=["08", "09"], acting_user=admin_user)
    _steps(run)
    run.refresh_from_db()
    assert run.state == RunState.RUNNING, run.error
    cls = [_body(d) for d in _docs(run, "08")]
    assert cls and all(i["tipoGeneracion"] == 1 for b in cls for i in b["cuerpoDocumento"])
    assert any(Decimal(str(i["exportaciones"])) > 0 for b in cls for i in b["cuerpoDocumento"])
    for b in cls:  # IVA 13 % of the taxable total, once
        gravada = Decimal(str(b["resumen"]["totalGravada"]))
        assert Decimal(str(b["resumen"]["tributos"][0]["valor"])) == (gravada * Decimal("0.13")).quantize(Decimal("0.01"))
    dcls = [_body(d) for d in _docs(run, "09")]
    assert dcls
    for b in dcls:
        c = b["cuerpoDocumento"]
        net = Decimal(str(c["montoSujetoPercepcion"]))
        assert Decimal(str(c["ivaPercibido"])) == (net * Decimal("0.02")).quantize(Decimal("0.01"))


def test_a_company_in_production_sends_no_test_set(requirements, catalogue, admin_user, signing_company):
    signing_company.mh_environment = "01"
    signing_company.save()
    with pytest.raises(ValidationError, match="ya está en producción"):
        run_start(company=signing_company, codes=["01"], acting_user=admin_user)


def test_a_stopped_transmission_stops_the_run_and_resuming_goes_on(started, admin_user):
    from dte.models import Outbox, OutboxState
    from onboarding.services import run_resume

    _steps(started)
    doc = _docs(started, "03")[0]
    Outbox.objects.filter(document=doc).update(state=OutboxState.STOPPED, last_error="MH: credenciales no válidas")
    assert runner.step(started.pk) is None
    started.refresh_from_db()
    assert started.state == RunState.FAILED and "credenciales no válidas" in started.error
    Outbox.objects.filter(document=doc).update(state=OutboxState.PENDING, last_error="")
    run_resume(run=started, acting_user=admin_user)
    started.refresh_from_db()
    assert (started.state, started.error) == (RunState.QUEUED, "")
    runner.step(started.pk)
    started.refresh_from_db()
    assert started.state == RunState.RUNNING


def test_the_sweeper_steps_a_run_whose_next_step_was_lost(started):
    import datetime

    from onboarding.models import TestRun
    from onboarding.services import runs_sweep

    class Task:
        sent = []

        def apply_async(self, args, kwargs=None, **options):
            self.sent.append(args)

    now = timezone.now()
    TestRun.objects.filter(pk=started.pk).update(next_step_at=now - datetime.timedelta(seconds=30))
    assert runs_sweep(Task(), now=now) == 0  # its next step may still come
    TestRun.objects.filter(pk=started.pk).update(next_step_at=now - datetime.timedelta(minutes=5),
                                                 busy_until=now + datetime.timedelta(minutes=1))
    assert runs_sweep(Task(), now=now) == 0  # a worker holds it
    TestRun.objects.filter(pk=started.pk).update(busy_until=None)
    assert runs_sweep(Task(), now=now) == 1 and Task.sent == [(started.pk,)]


def test_the_v2_events_are_offered_only_in_the_2026_generation_and_not_yet_generated(requirements, settings):
    from onboarding.selectors import offers

    assert "retorno" not in {o.code for o in offers(generation="2023")}
    found = {o.code: o for o in offers(generation="2026")}
    assert not found["retorno"].available and not found["operaciones_especiales"].available
    assert found["invalidacion"].available and found["invalidacion"].requirement.mandatory
    assert found["01"].requirement.required == 6  # the test's count: the table is data


def test_the_test_set_is_never_emailed_to_the_clients_by_itself(started, catalogue, make_draft, issuer):
    from dte.delivery import auto_deliver
    from dte.models import Delivery
    from dte.services.issuing import document_issue

    _steps(started)
    mine = _docs(started, "03")[0]
    sale = document_issue(document=make_draft("03", client=catalogue["taxpayer"]), acting_user=issuer)
    _seal([mine, sale])
    for doc in (mine, sale):
        doc.refresh_from_db()
    assert mine.client.email == sale.client.email == "compras@central.example"
    assert auto_deliver(mine) == []
    assert [d.recipient for d in auto_deliver(sale)] == ["compras@central.example"]  # an ordinary sale still goes
    assert not Delivery.objects.filter(document=mine).exists()


def test_every_document_of_the_set_is_flagged_out_of_the_books(started, catalogue, make_draft, issuer, users):
    from dte.services.issuing import document_issue
    from reports.base import documents_in_scope

    _steps(started)
    made = Document.objects.filter(authorisation_test__run=started)
    assert made.count() >= 5
    assert not made.filter(is_authorisation_test=False).exists()
    sale = document_issue(document=make_draft("03", client=catalogue["taxpayer"]), acting_user=issuer)
    assert not sale.is_authorisation_test
    in_books = set(documents_in_scope(users["Contador"]).values_list("pk", flat=True))
    assert sale.pk in in_books and not in_books & set(made.values_list("pk", flat=True))


@pytest.mark.parametrize("generation", ["2023", "2026"])
def test_donations_are_generated_too(generation, requirements, catalogue, admin_user, signing_company):
    """15 (sv-tax-facts-2.md §6) joins the test set: the company as donatario, a client as donor,
    cash in every donation and by turns a donated good with its depreciation and donated service
    hours (CAT-026 1/2/3), the qualification as associated document; a foreign donor every fifth.
    The catalogue's goods: one chair at 113.00; donors by name: Ana López, Distribuidora Central,
    Gran Almacén (Importadora Maya is foreign)."""
    import datetime

    from dte.models import SchemaGeneration

    if generation == "2026":
        SchemaGeneration.objects.create(kind="*", generation="2026",
                                        effective_from=timezone.now() - datetime.timedelta(hours=1))
    run = run_start(company=signing_company, codes=["15"], acting_user=admin_user)
    _steps(run)
    run.refresh_from_db()
    assert run.state == RunState.RUNNING, run.error
    docs = _docs(run, "15")
    assert len(docs) >= 5 and all(d.generation == generation for d in docs)
    bodies = [_body(d) for d in docs]
    donor_key = "donante" if generation == "2023" else "receptor"
    depreciation_key = "depreciacion" if generation == "2023" else "tipoDepreciacion"

    def items(b):
        return [(i["tipoDonacion"], Decimal(str(i[depreciation_key])), Decimal(str(i["valor"])))
                for i in b["cuerpoDocumento"]]

    # n=0: cash 50.00; the chair less 25 % = 113.00 − 28.25 = 84.75 → 134.75
    assert items(bodies[0]) == [(1, 0, Decimal("50")), (2, Decimal("28.25"), Decimal("84.75"))]
    assert Decimal(str(bodies[0]["resumen"]["valorTotal"])) == Decimal("134.75")
    assert bodies[0][donor_key]["nombre"] == "Ana López"
    # n=1: cash 75.00; 2 chairs, no depreciation, 226.00; 3 hours at 15.00 = 45.00 → 346.00
    assert items(bodies[1]) == [(1, 0, Decimal("75")), (2, 0, Decimal("226")), (3, 0, Decimal("45"))]
    assert Decimal(str(bodies[1]["resumen"]["valorTotal"])) == Decimal("346.00")
    # n=2: cash 100.00; 4 hours, 60.00 → 160.00; only the cash is paid
    assert items(bodies[2]) == [(1, 0, Decimal("100")), (3, 0, Decimal("60"))]
    assert bodies[2]["resumen"]["pagos"][0]["montoPago"] == 100
    # n=4: the foreign donor, without address nor activity
    assert bodies[4][donor_key]["nombre"] == "Importadora Maya" and bodies[4][donor_key]["direccion"] is None
    assert all(b["otrosDocumentos"][0]["codDocAsociado"] == 1 for b in bodies)
    # The contingency part does not take donations (MH refuses 15 in contingency, facts §5).
    assert not Document.objects.filter(authorisation_test__run=run, authorisation_test__purpose=Purpose.CONTINGENCY,
                                       tipo_dte="15").exists()


def test_a_donation_needs_a_donor_in_the_catalogue(requirements, admin_user, signing_company, establishments, products):
    with pytest.raises(ValidationError, match="cliente donante"):
        run_start(company=signing_company, codes=["15"], acting_user=admin_user)


def test_every_document_type_mh_tests_is_offered_now(requirements):
    """With donations generated, the page offers every DTE type of MH's list (the browser test
    sees #item-15 enabled)."""
    from onboarding.selectors import offers

    dte_offers = {o.code: o.available for o in offers() if o.requirement.kind == "dte"}
    assert dte_offers["15"] is True and dte_offers["08"] is True and dte_offers["09"] is True
    assert all(dte_offers.values()), dte_offers

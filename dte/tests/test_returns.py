"""Goods that come back: a sale invalidated ("rescindir", facts §6) and a credit note for returned
goods put them back in stock through inventory's stock_move, once, and only when MH says yes.

MH is a stand-in object here (the worker path against govsim is test_pipeline's): each test
decides MH's answer, and calls the task's function itself, as a retry or a duplicate would."""

from decimal import Decimal

import pytest
from django.utils import timezone

from core.models import AuditEntry
from dte.mh.client import MHAnswer
from dte.mh.errors import MHInDoubtError
from dte.models import Document, GovStatus, Invalidation, Outbox
from dte.services.issuing import document_issue
from dte.tests.conftest import line
from dte.transitions import transition
from inventory.models import Product, Stock, StockMovement

pytestmark = pytest.mark.django_db

SELLO = "2026" + "B" * 36


class FakeMH:
    """Answers each call with the next item of ``answers`` (an MHAnswer, or an exception to raise);
    ``during`` runs inside the call, before the answer (what another worker does meanwhile)."""

    def __init__(self, *answers, during=None):
        self.answers, self.during, self.calls = list(answers), during, 0

    def _next(self):
        self.calls += 1
        if self.during is not None:
            during, self.during = self.during, None
            during()
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def invalidate(self, **kwargs):
        return self._next()

    def send_dte(self, **kwargs):
        return self._next()

    def close(self):
        pass


def accepted():
    return MHAnswer(estado="PROCESADO", sello=SELLO, codigo_msg="001", descripcion_msg="RECIBIDO",
                    raw={"estado": "PROCESADO"})


def refused():
    return MHAnswer(estado="RECHAZADO", codigo_msg="004", descripcion_msg="DOCUMENTO NO ENCONTRADO",
                    observaciones=["[documento] no coincide"], raw={"estado": "RECHAZADO"})


@pytest.fixture
def mh(monkeypatch):
    """Install a FakeMH for invalidations and transmissions: mh(*answers, during=None)."""
    def install(*answers, during=None):
        fake = FakeMH(*answers, during=during)
        monkeypatch.setattr("dte.mh.client.client_for_company", lambda company, **kw: fake)
        monkeypatch.setattr("dte.transmission.mh.client_for", lambda company: fake)
        return fake

    return install


@pytest.fixture
def goods(establishments):
    """Three products that keep stock, ten of each at M001."""
    from inventory.services import stock_move

    made = {}
    for code, name in (("MESA-01", "Mesa"), ("LAMP-01", "Lámpara"), ("ESTA-01", "Estante")):
        product = Product.objects.create(code=code, description=name, price=Decimal("11.30"), tracks_stock=True)
        stock_move(product=product, establishment=establishments["main"], quantity=10, reason="inicial")
        made[code] = product
    return made


def stock(product, establishments):
    return Stock.objects.get(product=product, establishment=establishments["main"]).quantity


def levels(goods, establishments):
    return [stock(p, establishments) for p in goods.values()]


def seal(doc):
    transition(doc, GovStatus.TRANSMITTING)
    transition(doc, GovStatus.SEALED, sello_recibido=SELLO, processed_at=timezone.now())
    return Document.objects.get(pk=doc.pk)


@pytest.fixture
def sale(make_draft, issuer, parties, goods, establishments):
    """A sealed Factura selling 2 tables, 3 lamps and 1 shelf: stock 8, 7, 9."""
    quantities = {"MESA-01": "2", "LAMP-01": "3", "ESTA-01": "1"}
    lines = [line(p.description, quantities[code], "11.30", product_id=p.pk, code=code) for code, p in goods.items()]
    doc = document_issue(document=make_draft("01", lines, client=parties["consumer"]), acting_user=issuer)
    assert levels(goods, establishments) == [Decimal(8), Decimal(7), Decimal(9)]
    return seal(doc)


def _invalidate_form(client, doc, returned, tipo="2"):
    body = {"tipo": tipo, "reason": "El cliente devolvió la mercadería", "resp_name": "Carlos Contador",
            "resp_type": "13", "resp_number": "00016297-5", "req_name": "Ana López", "req_type": "13",
            "req_number": "00016297-5", "ret": [str(pk) for pk in returned]}
    body.update({f"ret_qty_{pk}": qty for pk, qty in returned.items()})
    return client.post(f"/documentos/{doc.pk}/invalidar/", body)


def test_the_form_offers_every_sold_good_ticked(sale, users, client_as, goods):
    body = client_as(users["Contador"]).get(f"/documentos/{sale.pk}/invalidar/").content.decode()
    assert "Mercadería que vuelve a existencias" in body
    for x in sale.lines.all():
        assert f'name="ret" value="{x.pk}" id="ret-{x.pk}" checked' in body
        assert f'name="ret_qty_{x.pk}" value="{int(x.quantity)}"' in body


def test_rescinded_sale_returns_the_confirmed_lines_once_mh_accepts(sale, users, client_as, goods, establishments, mh):
    from dte.tasks import invalidate_task

    table, lamp, _shelf = sale.lines.order_by("position")
    response = _invalidate_form(client_as(users["Contador"]), sale, {table.pk: "2", lamp.pk: "2"})
    assert response.status_code == 302, response.content.decode()[:3000]
    record = Invalidation.objects.get(document=sale)
    assert record.returned_goods == [{"line": table.pk, "quantity": "2"}, {"line": lamp.pk, "quantity": "2"}]
    # Requested, not yet accepted: nothing moves.
    assert levels(goods, establishments) == [Decimal(8), Decimal(7), Decimal(9)]

    fake = mh(accepted())
    assert invalidate_task.apply(args=(record.pk,)).get() is True
    assert Document.objects.get(pk=sale.pk).status == GovStatus.INVALIDATED
    # 8 + 2 tables, 7 + 2 of the 3 lamps; the shelf did not come back.
    assert levels(goods, establishments) == [Decimal(10), Decimal(9), Decimal(9)]

    invalidate_task.apply(args=(record.pk,))  # the task again (a redelivered message): nothing more
    assert fake.calls == 1
    assert levels(goods, establishments) == [Decimal(10), Decimal(9), Decimal(9)]
    moves = StockMovement.objects.filter(reference=sale.codigo_generacion, quantity__gt=0)
    assert sorted((m.product.code, m.quantity, m.created_by.username) for m in moves) == [
        ("LAMP-01", Decimal(2), "contador"), ("MESA-01", Decimal(2), "contador")]
    assert all(sale.numero_control in m.reason for m in moves)
    entry = AuditEntry.objects.get(action="return", object_id=str(sale.pk))
    assert entry.actor == users["Contador"] and len(entry.after["lineas"]) == 2


def test_a_retry_after_a_lost_answer_and_a_duplicate_worker_move_stock_once(sale, issuer, goods, establishments, mh):
    from dte.invalidation import invalidation_request, send

    table = sale.lines.order_by("position").first()
    record = invalidation_request(document=sale, acting_user=issuer, tipo=2, reason="Cliente desistió",
                                  responsible={"name": "Carlos Contador", "id_type": "13", "id_number": "00016297-5"},
                                  requester={"name": "Ana López", "id_type": "13", "id_number": "00016297-5"},
                                  returned=[{"line": table.pk, "quantity": Decimal(2)}])
    # First send: no answer (MH may have it). The task will be retried.
    already = MHAnswer(estado="RECHAZADO", descripcion_msg="DOCUMENTO YA INVALIDADO", raw={})
    fake = mh(MHInDoubtError("sin respuesta"), already)
    assert send(record.pk) is False
    assert Invalidation.objects.get(pk=record.pk).state == "pending"
    assert stock(goods["MESA-01"], establishments) == Decimal(8)
    # The retry runs while a duplicate of it starts: the duplicate finds the record claimed and
    # neither calls MH nor settles anything.
    duplicate = []
    fake.during = lambda: duplicate.append(send(record.pk))
    assert send(record.pk) is True
    assert duplicate == [True] and fake.calls == 2
    assert Invalidation.objects.get(pk=record.pk).attempts == 2
    assert stock(goods["MESA-01"], establishments) == Decimal(10)  # 8 + 2, once
    assert StockMovement.objects.filter(reference=sale.codigo_generacion, quantity__gt=0).count() == 1
    assert Invalidation.objects.get(pk=record.pk).state == "accepted"


def test_a_refused_invalidation_moves_nothing(sale, users, client_as, goods, establishments, mh):
    from dte.invalidation import send

    lines = list(sale.lines.all())
    _invalidate_form(client_as(users["Contador"]), sale, {x.pk: str(int(x.quantity)) for x in lines})
    record = Invalidation.objects.get(document=sale)
    assert len(record.returned_goods) == 3
    mh(refused())
    send(record.pk)
    assert Invalidation.objects.get(pk=record.pk).state == "rejected"
    assert Document.objects.get(pk=sale.pk).status == GovStatus.SEALED
    assert levels(goods, establishments) == [Decimal(8), Decimal(7), Decimal(9)]
    assert not StockMovement.objects.filter(reference=sale.codigo_generacion, quantity__gt=0).exists()
    assert not AuditEntry.objects.filter(action="return").exists()


def test_the_form_refuses_more_than_was_sold(sale, users, client_as, goods, establishments):
    table = sale.lines.order_by("position").first()
    response = _invalidate_form(client_as(users["Contador"]), sale, {table.pk: "3"})
    assert response.status_code == 200
    assert "no más de 2" in response.content.decode()
    assert not Invalidation.objects.exists() and Document.objects.get(pk=sale.pk).status == GovStatus.SEALED


def test_a_line_of_another_document_is_refused(sale, issuer, make_draft, parties, goods):
    from django.core.exceptions import ValidationError

    from dte.invalidation import invalidation_request

    other = document_issue(document=make_draft("01", [line("Mesa", "1", "11.30", product_id=goods["MESA-01"].pk)],
                                               client=parties["consumer"]), acting_user=issuer)
    with pytest.raises(ValidationError, match="no mueve existencias"):
        invalidation_request(document=sale, acting_user=issuer, tipo=2, reason="x",
                             responsible={"name": "Carlos Contador", "id_type": "13", "id_number": "00016297-5"},
                             requester={"name": "Ana López", "id_type": "13", "id_number": "00016297-5"},
                             returned=[{"line": other.lines.get().pk, "quantity": Decimal(1)}])


# ------------------------------------------------------------------------------------ credit note


@pytest.fixture
def ccf(make_draft, issuer, parties, goods, establishments):
    """A sealed CCF selling 3 tables and an installation: tables 10 → 7."""
    lines = [line("Mesa", "3", "10.00", product_id=goods["MESA-01"].pk, code="MESA-01"),
             line("Instalación", "1", "20.00", item_type=2)]
    doc = document_issue(document=make_draft("03", lines, client=parties["taxpayer"]), acting_user=issuer)
    assert stock(goods["MESA-01"], establishments) == Decimal(7)
    return seal(doc)


def _credit_note(make_draft, issuer, parties, goods, ccf, *, returned=True):
    related = [{"tipo_documento": "03", "tipo_generacion": 2, "numero_documento": ccf.codigo_generacion,
                "fecha_emision": ccf.issue_date, "target_id": ccf.pk}]
    lines = [line("Mesa", "2", "10.00", product_id=goods["MESA-01"].pk, code="MESA-01", returns_goods=returned),
             line("Descuento por instalación", "1", "5.00")]
    return document_issue(document=make_draft("05", lines, client=parties["taxpayer"], related=related), acting_user=issuer)


def _returned_states(web, doc):
    """The note's page: (code, state) of each line in its «Mercadería devuelta» card."""
    import re

    page = web.get(f"/documentos/{doc.pk}/").content.decode()
    card = page.split('id="returned-goods"', 1)[1].split("</ul>", 1)[0] if 'id="returned-goods"' in page else ""
    return re.findall(r'data-state="(\w+)">\s*<span><span class="font-monospace">([^<]*)</span>', card)


def test_credit_note_with_returned_goods_puts_them_back_when_sealed(ccf, make_draft, issuer, parties, goods,
                                                                    establishments, mh, client_as):
    from dte.transmission import offline, pipeline

    note = _credit_note(make_draft, issuer, parties, goods, ccf)
    assert stock(goods["MESA-01"], establishments) == Decimal(7)  # issued, not sealed: nothing yet
    web = client_as(issuer)
    assert _returned_states(web, note) == [("waiting", "MESA-01")]  # the page says it comes back with the seal
    mh(accepted())
    outbox = Outbox.objects.get(document=note)
    assert pipeline.transmit(outbox.pk) == GovStatus.SEALED
    assert stock(goods["MESA-01"], establishments) == Decimal(9)  # 7 + 2
    assert _returned_states(web, note) == [("back", "MESA-01")]
    assert _returned_states(web, ccf) == []  # a sale's page has no such card
    move = StockMovement.objects.get(reference=note.codigo_generacion)
    assert (move.quantity, move.created_by, move.establishment) == (Decimal(2), issuer, establishments["main"])
    assert note.numero_control in move.reason
    assert AuditEntry.objects.filter(action="return", object_id=str(note.pk)).count() == 1
    # The same answer again, from the pipeline or a contingency lot: the seal happens once.
    assert pipeline.transmit(outbox.pk) == "skipped"
    assert offline.settle(Document.objects.get(pk=note.pk), accepted()) is False
    assert stock(goods["MESA-01"], establishments) == Decimal(9)


def test_credit_note_without_the_mark_and_a_rejected_one_move_nothing(ccf, make_draft, issuer, parties, goods,
                                                                      establishments, mh, client_as):
    from dte.transmission import pipeline

    plain_note = _credit_note(make_draft, issuer, parties, goods, ccf, returned=False)
    marked_note = _credit_note(make_draft, issuer, parties, goods, ccf)
    mh(accepted(), refused())
    assert pipeline.transmit(Outbox.objects.get(document=plain_note).pk) == GovStatus.SEALED
    assert pipeline.transmit(Outbox.objects.get(document=marked_note).pk) == GovStatus.REJECTED
    assert stock(goods["MESA-01"], establishments) == Decimal(7)
    assert _returned_states(client_as(issuer), marked_note) == [("never", "MESA-01")]
    assert not StockMovement.objects.filter(quantity__gt=0, reason__icontains="nota de crédito").exists()


def test_invalidating_a_credit_note_takes_its_returned_goods_out_again(ccf, make_draft, issuer, parties, goods,
                                                                        establishments, users, client_as, mh):
    from dte.invalidation import send
    from dte.transmission import pipeline

    note = _credit_note(make_draft, issuer, parties, goods, ccf)
    mh(accepted())
    pipeline.transmit(Outbox.objects.get(document=note).pk)
    assert stock(goods["MESA-01"], establishments) == Decimal(9)
    web = client_as(users["Contador"])
    returned = note.lines.get(returns_goods=True)
    assert "vuelve a salir de existencias" in web.get(f"/documentos/{note.pk}/invalidar/").content.decode()
    _invalidate_form(web, note, {returned.pk: "2"})
    mh(accepted())
    send(Invalidation.objects.get(document=note).pk)
    assert stock(goods["MESA-01"], establishments) == Decimal(7)  # 9 − 2: the return is void
    assert _returned_states(web, note) == [("out_again", "MESA-01")]


def test_the_credit_note_editor_marks_returned_goods(ccf, make_draft, issuer, parties, goods, client_as):
    related = [{"tipo_documento": "03", "tipo_generacion": 2, "numero_documento": ccf.codigo_generacion,
                "fecha_emision": ccf.issue_date, "target_id": ccf.pk}]
    draft = make_draft("05", [line("Mesa", "2", "10.00", product_id=goods["MESA-01"].pk, code="MESA-01"),
                              line("Flete", "1", "5.00")], client=parties["taxpayer"], related=related)
    web = client_as(issuer)
    body = web.get(f"/documentos/{draft.pk}/editar/").content.decode()
    assert "Mercadería devuelta" in body and body.count("-returns_goods") == 1  # only the line with stock
    table, freight = draft.lines.order_by("position")
    post = {"issue_date": timezone.localdate().isoformat(), "condition": "1"}
    for key, x in (("a", table), ("b", freight)):
        post.update({f"line-{key}-{f}": str(getattr(x, f)) for f in ("code", "description", "quantity", "unit_price")})
        post[f"line-{key}-product_id"] = str(x.product_id or "")
        post[f"line-{key}-related_code"] = ccf.codigo_generacion
    post["line-a-returns_goods"] = "on"
    assert web.post(f"/documentos/{draft.pk}/guardar/", post).status_code == 200
    assert list(draft.lines.order_by("position").values_list("returns_goods", flat=True)) == [True, False]
    # A Factura's lines never carry the mark.
    sale_draft = make_draft("01", [line("Mesa", "1", "11.30", product_id=goods["MESA-01"].pk)])
    web.post(f"/documentos/{sale_draft.pk}/guardar/", {**{k.replace("line-a", "line-z"): v for k, v in post.items()
                                                          if k.startswith("line-a")},
                                                       "issue_date": timezone.localdate().isoformat()})
    assert not sale_draft.lines.filter(returns_goods=True).exists()

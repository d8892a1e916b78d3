"""What a person reads about a document: Spanish words for every internal state (history, badges,
lists, contingency, audit log, email), MH's calls labelled by what MH meant, and a contingency
document whose note and deliveries card say the same thing about what the client got."""

import re
from html.parser import HTMLParser

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from contingency.services import period_open
from dte.delivery import deliveries_queue, send
from dte.models import Delivery, GovStatus, MHCall
from dte.services.cases import case_confirm, case_decide, case_request_approval, cases_refresh
from dte.services.issuing import document_issue
from dte.tests.conftest import line
from dte.transitions import TransitionRefused, transition
from dte.transmission.offline import to_contingency
from tests.browser_kit import ENGLISH_WORDS

SELLO = "2026B7C1D2E3F4A5B6C7D8E9F0A1B2C3D4E5F6A7"


class _Text(HTMLParser):
    """The text a person sees: no tags, attributes, scripts or styles."""

    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("script", "style", "template")

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style", "template") and self._skip > 0

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible(response):
    assert response.status_code == 200, response.status_code
    parser = _Text()
    parser.feed(response.content.decode())
    return " ".join(" ".join(parser.parts).split())


def english(text):
    return sorted({m.group(0) for m in ENGLISH_WORDS.finditer(text)})


def _not_found_call(doc):
    # What MH (and govsim) answers a consultation of a document it never received: HTTP 200, no
    # estado, codigoMsg 005.
    return MHCall.objects.create(
        endpoint="/fesv/recepcion/consultadte/", base_url="http://mh.test", codigo_generacion=doc.codigo_generacion,
        status_code=200, outcome="ok", response_body={
            "estado": None, "codigoGeneracion": doc.codigo_generacion, "selloRecibido": None, "codigoMsg": "005",
            "descripcionMsg": "DOCUMENTO NO ENCONTRADO", "observaciones": []})


@pytest.fixture
def travelled(make_draft, issuer, parties, users, signing_company):
    """A CCF that went pending → transmitting → in doubt (MH: not found) → contingency, with a
    special case confirmed on the way."""
    signing_company.email_documents = True
    signing_company.save()
    draft = make_draft("03", [line("Silla", "1", "150.00")], client=parties["large"])
    for case in cases_refresh(document=draft, acting_user=issuer):  # the IVA retention case ("retention")
        if case.needs_approval:
            case_request_approval(case=case, acting_user=issuer)
            case_decide(case=case, acting_user=users["Supervisor"], approve=True, reason="Cliente gran contribuyente")
        else:
            case_confirm(case=case, acting_user=issuer)
    doc = document_issue(document=draft, acting_user=issuer)
    assert doc.status == GovStatus.PENDING
    transition(doc, GovStatus.TRANSMITTING, reason="Transmisión, intento 1")
    transition(doc, GovStatus.IN_DOUBT, reason="MH no respondió")
    _not_found_call(doc)
    period = period_open(company=signing_company, tipo=1, acting_user=users["Supervisor"])
    to_contingency(doc, period)
    doc.refresh_from_db()
    assert doc.status == GovStatus.CONTINGENCY
    return doc


@pytest.mark.django_db
def test_every_page_of_a_document_reads_in_spanish(client, travelled, users):
    doc = travelled
    client.force_login(users["Administrador"])
    detail = visible(client.get(reverse("dte:detail", args=[doc.pk])))
    assert english(detail) == []
    assert "Por transmitir → Transmitiendo" in detail and "En duda → En contingencia" in detail
    assert "transmisión por contingencia No disponibilidad de sistema del MH" in detail  # CAT-005 1, by name
    transition(doc, GovStatus.SEALED, reason="Sellado por MH", sello_recibido=SELLO)
    pages = {
        "detalle": reverse("dte:detail", args=[doc.pk]),
        "lista": reverse("dte:list"),
        "aprobaciones": reverse("dte:approvals"),
        "contingencias": reverse("contingency:list"),
        "contingencia": reverse("contingency:detail", args=[doc.contingency_period_id]),
        "bitácora": reverse("accounts:audit"),
    }
    for name, url in pages.items():
        text = visible(client.get(url))
        assert english(text) == [], f"{name}: {english(text)}"
    detail = visible(client.get(pages["detalle"]))
    assert "En contingencia → Sellado" in detail
    audit = visible(client.get(pages["bitácora"]))
    assert "Estado : Por transmitir" in audit and "Caso especial : Aplica retención" in audit  # stored: pending, retention


@pytest.mark.django_db
def test_a_refused_move_names_the_states_in_spanish(travelled):
    with pytest.raises(TransitionRefused) as refused:
        transition(travelled, GovStatus.INVALIDATED)
    assert str(refused.value) == "No se puede pasar de «En contingencia» a «Invalidado»."


@pytest.mark.django_db
def test_a_call_mh_answered_not_found_is_labelled_not_found(client, travelled, users):
    client.force_login(users["Administrador"])
    text = visible(client.get(reverse("dte:detail", args=[travelled.pk])))
    calls = re.findall(r"MH /fesv/recepcion/consultadte/ · (.+?) · ", text)
    assert calls == ["No encontrado"]
    assert "005 DOCUMENTO NO ENCONTRADO" in text and "HTTP 200" in text
    assert "Aceptado" not in text


@pytest.mark.django_db
def test_a_contingency_document_says_what_the_client_was_sent_and_when(client, travelled, users, settings):
    settings.DTE_PDF_AUTO = False
    client.force_login(users["Administrador"])
    text = visible(client.get(reverse("dte:detail", args=[travelled.pk])))
    assert "entregado al cliente" not in text
    # Nothing was emailed yet: both the contingency note and the deliveries card say so, and
    # both say the sealed copy goes to the client's address by itself (the company emails documents).
    assert "Todavía no se ha enviado nada al cliente por correo." in text
    assert text.count("Cuando MH lo selle, la copia sellada se enviará automáticamente a pagos@gran.example.") == 2

    deliveries_queue(document=travelled, emails=["pagos@gran.example"], acting_user=users["Administrador"])
    row = Delivery.objects.get()
    send(row.pk)
    assert len(mail.outbox) == 1
    row.refresh_from_db()
    text = visible(client.get(reverse("dte:detail", args=[travelled.pk])))
    when = timezone.localtime(row.sent_at)
    assert f"Copia pendiente de sello enviada a pagos@gran.example el {when:%d/%m/%Y %H:%M}." in text
    assert "copia pendiente de sello" in text  # the card says which copy it was
    assert "Todavía no se ha enviado" not in text
    # the email says the same, in Spanish; the audit trail shows the send in Spanish words
    assert english(mail.outbox[0].subject + " " + mail.outbox[0].body) == []
    assert "pendiente del sello del Ministerio de Hacienda" in mail.outbox[0].body
    audit = visible(client.get(reverse("accounts:audit")))
    assert english(audit) == [] and "Estado : En cola" in audit and "Documento : DTE-03-M001P001-000000000000001" in audit

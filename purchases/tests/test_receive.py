"""Receiving supplier DTEs: the offline checks, duplicates, the catalogue match, hostile uploads."""

import io
import zipfile
from decimal import Decimal

import pytest

from core.models import StateChange
from purchases import reading, services
from purchases.models import ReceivedDocument, ReceivedState
from purchases.tests.factory import as_file, ccf

pytestmark = pytest.mark.django_db


@pytest.fixture
def accountant(users, company):
    return users["Contador"]


def _receive(files, user):
    return services.receive_upload(files=files, acting_user=user)


def test_a_clean_ccf_is_verified_with_its_amounts_and_matched_provider(accountant, parties):
    # 200.00 + 150.00 gravada, 20.00 exenta; IVA 13 % of 350.00 = 45.50; total 415.50
    doc = ccf([("200.00", "0"), ("150.00", "20.00")])
    results, skipped = _receive([("factura-norte.json", as_file(doc))], accountant)
    assert skipped == []
    [result] = results
    assert result.refused == "" and result.problems == []
    got = ReceivedDocument.objects.get()
    assert got.state == ReceivedState.VERIFIED
    assert (got.total_gravada, got.total_exenta, got.iva, got.total) == (Decimal("350.00"), Decimal("20.00"),
                                                                         Decimal("45.50"), Decimal("415.50"))
    assert got.provider == parties["provider"] and got.generation == "2023" and got.version == 3
    moves = list(StateChange.objects.filter(model="purchases.receiveddocument").values_list("from_state", "to_state"))
    assert moves == [("received", "verified")]


def test_a_wrong_receptor_is_questioned_with_the_reason(accountant, parties):
    doc = ccf([("100.00", "0")], receptor=("06140101001012", "1111111"))
    [result] = _receive([("ajeno.json", as_file(doc))], accountant)[0]
    got = result.document
    assert got.state == ReceivedState.QUESTIONED
    assert "El receptor no es esta empresa" in got.question_reason and "06140101001012" in got.question_reason


def test_bad_signature_form_and_bad_arithmetic_are_questioned(accountant, parties):
    doc = ccf([("100.00", "0")], iva="14.00")  # 13 % of 100.00 is 13.00
    doc["firmaElectronica"] = "no-es-un-jws"
    [result] = _receive([("raro.json", as_file(doc))], accountant)[0]
    assert result.document.state == ReceivedState.QUESTIONED
    assert any("JWS compacto" in p for p in result.problems)
    assert any("no es el 13 %" in p for p in result.problems)


def test_a_schema_error_is_questioned(accountant, parties):
    doc = ccf([("100.00", "0")])
    doc["identificacion"]["tipoMoneda"] = "EUR"
    [result] = _receive([("eur.json", as_file(doc))], accountant)[0]
    assert result.document.state == ReceivedState.QUESTIONED
    assert any(p.startswith("Esquema de MH") and "tipoMoneda" in p for p in result.problems)


def test_a_duplicate_is_refused_naming_the_file(accountant, parties):
    doc = ccf([("100.00", "0")])
    _receive([("primero.json", as_file(doc))], accountant)
    [again] = _receive([("otra-vez.json", as_file(doc))], accountant)[0]
    assert again.document is None
    assert "«otra-vez.json» ya se recibió" in again.refused and "primero.json" in again.refused
    assert ReceivedDocument.objects.count() == 1


def test_the_same_document_twice_in_one_zip_is_kept_once(accountant, parties):
    doc = ccf([("100.00", "0")])
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.json", as_file(doc))
        zf.writestr("b/a-copia.json", as_file(doc))
    results, _skipped = _receive([("lote.zip", buf.getvalue())], accountant)
    assert [bool(r.document) for r in results] == [True, False]
    assert "«a-copia.json» ya se recibió" in results[1].refused


def test_a_new_supplier_is_proposed_and_a_zip_pairs_the_pdf(accountant, parties):
    doc = ccf([("80.00", "0")], supplier=("06142010901015", "7654321", "Papelería Nueva"))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("nueva.json", as_file(doc))
        zf.writestr("nueva.pdf", b"%PDF-1.4 prueba")
        zf.writestr("leame.txt", b"hola")
    results, skipped = _receive([("correo.zip", buf.getvalue())], accountant)
    got = results[0].document
    assert got.provider is None and got.supplier_name == "Papelería Nueva"
    assert got.pdf.read() == b"%PDF-1.4 prueba"
    assert skipped == ["leame.txt"]


def _zip(entries, compression=zipfile.ZIP_DEFLATED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in entries:
            zf.writestr(name, data)
    return buf.getvalue()


def test_a_zip_bomb_is_refused_without_reading_it_whole(accountant):
    bomb = _zip([("grande.json", b"0" * (reading.MAX_JSON_BYTES * 20))])
    assert len(bomb) < 100_000  # the compressed file is small; the bounded read stops at the limit
    with pytest.raises(reading.UploadRejected, match="demasiado grande"):
        _receive([("bomba.zip", bomb)], accountant)


def test_too_many_entries_and_a_fake_zip_are_refused(accountant):
    many = _zip([(f"{i}.json", b"{}") for i in range(reading.MAX_FILES + 1)], zipfile.ZIP_STORED)
    with pytest.raises(reading.UploadRejected, match="el máximo por carga es 500"):
        _receive([("muchos.zip", many)], accountant)
    with pytest.raises(reading.UploadRejected, match="no es un ZIP válido"):
        _receive([("falso.zip", b"PK\x03\x04 no es un zip")], accountant)


def test_hostile_json_files_are_refused_one_by_one(accountant, parties):
    good = ccf([("100.00", "0")])
    entries = [("profundo.json", b"[" * 100_000 + b"]" * 100_000), ("enorme.json", b'{"identificacion": ' + b"9" * 5000 + b"}"),
               ("latin1.json", "{\"a\": \"ñ\"}".encode("latin-1")), ("lista.json", b"[1, 2]"), ("bueno.json", as_file(good))]
    results, _skipped = _receive([("mixto.zip", _zip(entries))], accountant)
    refused = {r.name: r.refused for r in results if r.refused}
    assert set(refused) == {"profundo.json", "enorme.json", "latin1.json", "lista.json"}
    assert "anida demasiados niveles" in refused["profundo.json"]
    assert [r.document.state for r in results if r.document] == [ReceivedState.VERIFIED]


def test_an_unknown_version_is_refused(accountant):
    doc = ccf([("100.00", "0")])
    doc["identificacion"]["version"] = 9
    [result] = _receive([("v9.json", as_file(doc))], accountant)[0]
    assert "versión 9 del tipo 03" in result.refused


def test_a_retention_receipt_keeps_its_amount_subject_and_iva_withheld(accountant, parties):
    """A Comprobante de Retención (07) from a client: its totalSujetoRetencion and totalIVAretenido
    (CR schema v1) are what Anexo 7 and the retention matching read; it has no crédito fiscal."""
    import json
    import uuid

    cr = {"identificacion": {"version": 1, "ambiente": "00", "tipoDte": "07", "numeroControl": "DTE-07-M001P001-000000000000001",
                             "codigoGeneracion": str(uuid.uuid4()).upper(), "fecEmi": "2026-11-20"},
          "emisor": {"nit": "06140101001012", "nrc": "1111111", "nombre": "Gran Almacén, S.A."},
          "receptor": {"tipoDocumento": "36", "numDocumento": "06140507071048", "nrc": "1234567"},
          "cuerpoDocumento": [{"numItem": 1, "tipoDte": "03", "tipoDoc": 2, "numDocumento": str(uuid.uuid4()).upper(),
                               "fechaEmision": "2026-11-05", "montoSujetoGrav": 1000.00, "codigoRetencionMH": "22",
                               "ivaRetenido": 10.00}],
          "resumen": {"totalSujetoRetencion": 1000.00, "totalIVAretenido": 10.00}}
    [result] = _receive([("cr.json", json.dumps(cr).encode())], accountant)[0]
    got = result.document
    assert (got.tipo_dte, got.total_gravada, got.iva_retenido, got.iva, got.total) == (
        "07", Decimal("1000.00"), Decimal("10.00"), Decimal("0.00"), Decimal("1000.00"))
    assert got.supplier_nit == "06140101001012"
    # no signature, no sello and not MH's full CR: questioned with the reasons, the amounts kept
    assert got.state == ReceivedState.QUESTIONED and "firmaElectronica" in got.question_reason

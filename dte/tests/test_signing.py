import base64
import hashlib

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from dte.signing import jws
from dte.signing.backends import InProcessSigner, ServiceSigner, SigningError
from dte.signing.certificates import CertificateError, build_mh_crt, detect_format, load_signing_key

DOC = {"identificacion": {"codigoGeneracion": "341CA743-70F1-4CFE-88BC-7E4AE72E60CB"}, "nombre": "Año ñandú"}


@pytest.fixture(scope="module")
def key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _verify_by_hand(token, public_key):
    # Independent check: split, re-encode, verify with cryptography directly.
    head, body, sig = token.split(".")
    pad = lambda s: s + "=" * (-len(s) % 4)  # noqa: E731
    assert base64.urlsafe_b64decode(pad(head)) == b'{"alg":"RS512"}'
    public_key.verify(base64.urlsafe_b64decode(pad(sig)), f"{head}.{body}".encode(), padding.PKCS1v15(), hashes.SHA512())
    return base64.urlsafe_b64decode(pad(body))


def test_mh_crt_checks_the_password_against_its_sha512(key):
    crt = build_mh_crt(nit="06140507071048", password="secreto", private_key=key)
    assert detect_format(crt) == "mh-crt"
    assert b"<clave>" + hashlib.sha512(b"secreto").hexdigest().encode() + b"</clave>" in crt
    loaded = load_signing_key(crt, "secreto")
    assert loaded.nit == "06140507071048" and loaded.source_format == "mh-crt"
    assert loaded.private_key.private_numbers() == key.private_numbers()
    with pytest.raises(CertificateError, match="contraseña"):
        load_signing_key(crt, "otra")


def test_mh_crt_hostile_xml_is_refused():
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><CertificadoMH>&b;</CertificadoMH>'
    with pytest.raises(CertificateError):
        load_signing_key(bomb, "x")


def test_pem_and_pkcs12(key):
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.BestAvailableEncryption(b"pw"))
    assert load_signing_key(pem, "pw").source_format == "pem"
    with pytest.raises(CertificateError):
        load_signing_key(pem, "mala")
    p12 = pkcs12.serialize_key_and_certificates(b"x", key, None, None, serialization.BestAvailableEncryption(b"pw"))
    assert load_signing_key(p12, "pw").private_key.private_numbers() == key.private_numbers()
    with pytest.raises(CertificateError):
        load_signing_key(p12, "mala")


def test_jws_is_rs512_compact_and_verifies_independently(key):
    token = jws.sign(jws.canonical_payload(DOC), key)
    payload = _verify_by_hand(token, key.public_key())
    assert payload.decode("utf-8") == '{"identificacion":{"codigoGeneracion":"341CA743-70F1-4CFE-88BC-7E4AE72E60CB"},"nombre":"Año ñandú"}'
    assert jws.verify(token, key.public_key()) == DOC
    tampered = token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]
    with pytest.raises(jws.JWSError):
        jws.verify(tampered, key.public_key())


class _Company:
    def __init__(self, pk, certificate, password):
        self.pk, self.certificate, self.certificate_password, self.nit = pk, certificate, password, "06140507071048"


def test_in_process_signer_loads_the_key_once(key, monkeypatch):
    import dte.signing.backends as backends

    calls = []
    real = backends.load_signing_key
    monkeypatch.setattr(backends, "load_signing_key", lambda data, pw: calls.append(1) or real(data, pw))
    company = _Company(1, build_mh_crt(nit="06140507071048", password="pw", private_key=key), "pw")
    signer = InProcessSigner()
    tokens = [signer.sign(DOC, company=company) for _ in range(5)]
    assert len(calls) == 1
    assert all(_verify_by_hand(t, key.public_key()) for t in tokens)
    # A replaced certificate is picked up.
    company.certificate = build_mh_crt(nit="06140507071048", password="pw")
    signer.sign(DOC, company=company)
    assert len(calls) == 2


def test_in_process_signer_explains_a_missing_certificate():
    with pytest.raises(SigningError, match="no tiene certificado"):
        InProcessSigner().sign(DOC, company=_Company(2, None, None))


def test_service_signer_against_govsim_firmador(govsim, key, tmp_path):
    # govsim plays MH's firmador; it reads <NIT>.crt from its firmador folder.
    import httpx

    health = httpx.get(f"{govsim}/_govsim/health").json()
    folder = health["firmador_dir"]
    from pathlib import Path

    Path(folder).mkdir(parents=True, exist_ok=True)
    Path(folder, "06140507071048.crt").write_bytes(build_mh_crt(nit="06140507071048", password="pw", private_key=key))
    signer = ServiceSigner(govsim)
    token = signer.sign(DOC, company=_Company(3, None, "pw"))
    assert jws.verify(token, key.public_key()) == DOC
    with pytest.raises(SigningError, match="802"):
        signer.sign(DOC, company=_Company(3, None, "mala"))
    company = _Company(3, None, "pw")
    company.nit = "06140101900018"
    with pytest.raises(SigningError, match="812"):
        signer.sign(DOC, company=company)

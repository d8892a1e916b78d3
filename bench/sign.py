"""Signatures per second on one core: the key held in memory (what the project does) versus
reloading the certificate and key for every document (the obvious alternative).

    .venv/bin/python bench/sign.py [--seconds 5] [--small]
"""

import argparse
import os
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(__file__))
from _setup import SMALL_HELP, django_setup, is_small, sample_document  # noqa: E402


def rate(fn, seconds):
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        fn()
        done += 1
    return done / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--small", action="store_true", help=SMALL_HELP)
    args = parser.parse_args()
    if is_small(args.small):
        args.seconds = 0.5
    django_setup()
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    from dte.signing import jws
    from dte.signing.backends import InProcessSigner
    from dte.signing.certificates import build_mh_crt, load_signing_key

    crt = build_mh_crt(nit="06140507071048", password="clave-bench")

    class Company:
        pk, certificate, certificate_password, nit = 1, crt, "clave-bench", "06140507071048"

    doc = sample_document()
    signer = InProcessSigner()

    def cached():
        doc["identificacion"]["codigoGeneracion"] = str(uuid.uuid4()).upper()
        signer.sign(doc, company=Company)

    def reload_each_time():
        doc["identificacion"]["codigoGeneracion"] = str(uuid.uuid4()).upper()
        key = load_signing_key(crt, "clave-bench")
        jws.sign(jws.canonical_payload(doc), key.private_key)

    size = len(jws.canonical_payload(doc))
    held = rate(cached, args.seconds)
    reloaded = rate(reload_each_time, args.seconds)
    print(f"documento de {size} bytes (CCF de ejemplo de MH), RSA-2048, RS512, un núcleo")
    print(f"{'llave en memoria':<28}{held:>10.0f} firmas/s")
    print(f"{'recargar llave cada vez':<28}{reloaded:>10.0f} firmas/s")
    print(f"sign_key_in_memory_per_s={held:.0f} sign_reload_key_per_s={reloaded:.0f} speedup={held / reloaded:.2f}")


if __name__ == "__main__":
    main()

"""The issuing fixtures (a company that signs, parties, products, govsim wired in) and what the
test set needs on top: MH's counts loaded (a transactional test's flush empties them) and made
small, a seller outside IVA for the Factura de Sujeto Excluido, an exempt product."""

from decimal import Decimal

import pytest

from dte.tests.conftest import issuer, make_draft, parties, products, signing_company, wired  # noqa: F401

SMALL = {"01": 6, "03": 5, "04": 2, "05": 2, "06": 2, "07": 2, "11": 3, "14": 2, "invalidacion": 2, "contingencia": 1}


@pytest.fixture
def requirements(db):
    """MH's table as the migration loads it, with the counts a test can reach quickly."""
    from onboarding import seed
    from onboarding.models import TestRequirement

    seed.load(TestRequirement)

    def set_counts(counts):
        for code, n in counts.items():
            TestRequirement.objects.filter(code=code).update(required=n)

    set_counts(SMALL)
    return set_counts


@pytest.fixture
def catalogue(parties, products):  # noqa: F811 - the dte fixtures imported above
    from clients.rules import search_text
    from inventory.models import Product, Provider

    seller = Provider.objects.create(id_type="13", id_number="04567891-2", name="Juan Pérez", departamento="05",
                                     municipio="11", address="Cantón El Progreso", phone="77778888")
    book = Product.objects.create(code="LIB-01", description="Libro de texto", price=Decimal("12.00"),
                                  tax_treatment="exento")
    for obj in (book,):
        obj.search_text = search_text(obj.code, obj.description)
        obj.save(update_fields=["search_text"])
    return {**parties, **products, "seller": seller, "book": book}


@pytest.fixture
def admin_user(users, signing_company, establishments):  # noqa: F811 - idem
    return users["Administrador"]

"""Issuing fixtures from dte's tests (a company that signs, clients, products, a rep's drafts)."""

from dte.tests.conftest import issuer, make_draft, parties, products, signing_company  # noqa: F401 - fixtures

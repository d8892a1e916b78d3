from dte.tests.conftest import issuer, make_draft, parties, products, signing_company  # noqa: F401 - the documents' world

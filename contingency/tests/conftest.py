# The issuing fixtures (a signing company, parties, a sales rep, drafts, govsim wired in).
from dte.tests.conftest import issuer, make_draft, parties, products, signing_company, wired  # noqa: F401

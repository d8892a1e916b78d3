# The issuing fixtures (a signing company, parties, a sales rep, drafts, govsim wired in) for the
# page and browser tests here; test_mh_wire.py defines its own ``issuer``, which takes precedence there.
from dte.tests.conftest import issuer, make_draft, parties, products, signing_company, wired  # noqa: F401

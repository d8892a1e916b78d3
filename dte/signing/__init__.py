"""Signing DTEs as MH wants them: JWS compact serialisation, RS512, header {"alg":"RS512"}
(facts §4). ``get_signer()`` returns the backend chosen in settings (DTE_SIGNER)."""

from dte.signing.backends import SigningError, get_signer

__all__ = ["SigningError", "get_signer"]

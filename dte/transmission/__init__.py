"""Transmission to MH and "MH is unreachable", owned by dte (DESIGN.md, "Layers"):

- ``outbox``: the rows issuing writes, claimed, re-queued and swept (retry policy, backoff);
- ``mh``: the MH client as transmission uses it, MH's answers read, the MH call log marked;
- ``pipeline``: one document sent exactly once, whatever fails on the way;
- ``breaker``: whether MH is unreachable (the call log) or answers again (a probe);
- ``scopes``: the offline scopes (dte.OfflineScope): which point of sale is offline, opened and
  ended by hand or by the system;
- ``offline``: the documents' side of a scope: held, re-signed as contingency documents, listed
  and settled (the only way contingency changes documents).

Apps above dte hear about scopes through dte.hooks."""

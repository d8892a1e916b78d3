"""Building and issuing documents, by concern: drafts, totals, special cases (cases), what stops an
issue (problems), issuing, corrections and retransmission (corrections), the office's internal
marks (internal). Callers import the module they need."""

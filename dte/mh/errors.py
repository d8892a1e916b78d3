"""How a call to MH failed decides what to do next (facts §3, retry policy):

- transient: nothing reached MH, or MH said it failed (connection refused, connect timeout, 5xx):
  retry later with backoff;
- in doubt: the request was sent but no answer came (read timeout, connection dropped): MH may
  have accepted it, so consult by codigoGeneracion before any resend;
- permanent: MH refused the request itself (4xx, bad credentials): retrying will not help.
A rejection of the document (estado RECHAZADO) is an answer, not an error.
"""


class MHError(Exception):
    kind = "error"

    def __init__(self, message, *, status_code=None, body=None):
        super().__init__(message)
        self.status_code = status_code
        self.body = body


class MHTransientError(MHError):
    kind = "transient"


class MHInDoubtError(MHError):
    kind = "in_doubt"


class MHPermanentError(MHError):
    kind = "permanent"


class MHAuthError(MHPermanentError):
    kind = "permanent"

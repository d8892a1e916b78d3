"""What a person reads for the internal words the code stores: a document's states on either
track, the special cases, the transmission queue, deliveries, contingency events and lots, bulk
jobs, and what MH's answer to a call meant. The stored values stay in English (they are keys);
every page, PDF, email and audit line shows these Spanish labels (gettext, so the English UI
still reads through its translations)."""

from django.utils.translation import gettext_lazy as _

from bulk.models import ImportStatus
from dte import hooks
from dte.models import CaseCode, CaseState, DeliveryState, GovStatus, InternalStatus, MHCallOutcome, OutboxState

# Audit rows store the state they record under one of these keys (dte.services, dte.delivery…):
# their values are state words, shown through state_label.
STATE_KEYS = {"estado", "estado_interno", "status", "state", "to_status", "from_status"}
CASE_KEYS = {"caso", "casos", "code", "approval_cases"}  # special cases (dte.models.CaseCode)


def _choices():
    # First wins when two enums share a value: a document's own states come first, then the
    # states of apps above dte (contingency's events and lots, registered in dte.hooks).
    enums = {"gov": GovStatus, "internal": InternalStatus, "case": CaseState, "special_case": CaseCode,
             "outbox": OutboxState, "delivery": DeliveryState, "mh_call": MHCallOutcome}
    for kinds in hooks.state_label_kinds:
        enums.update(kinds())
    enums["import"] = ImportStatus
    return enums


# Values stored without an enum of their own.
EXTRA = {
    "invalidation": {"pending": _("Solicitada"), "accepted": _("Aceptada por MH"), "rejected": _("Rechazada por MH"),
                     "failed": _("Fallida")},
    "job": {"queued": _("En cola"), "running": _("Preparando"), "done": _("Listo"), "failed": _("Fallido")},
    "printed": {"pending": _("Pendiente de sello"), "contingency": _("Contingencia, pendiente de sello"),
                "sealed": _("Sellado"), "invalidated": _("Invalidado"), "rejected": _("Rechazado")},
}


def state_label(value, kind=None):
    """The Spanish label of a stored state word; ``kind`` names its enum when the same word means
    different things (an event's "pending" is not a document's). Unknown values come back as they
    are (a free text, a number)."""
    if value is None or value == "":
        return value
    enums = _choices()
    if kind in EXTRA:
        return EXTRA[kind].get(value, value)
    order = [enums[kind]] if kind in enums else list(enums.values())
    for enum in order:
        try:
            return enum(value).label
        except ValueError:
            continue
    for table in EXTRA.values():
        if value in table:
            return table[value]
    return value


def audit_state_words(key, value):
    """accounts.audit_display's labeler (registered in DteConfig.ready): a state or special case
    word, or a list of them, under the keys that hold them; None for anything else."""
    kind = "special_case" if key in CASE_KEYS else None if key in STATE_KEYS else False
    if kind is False:
        return None
    if isinstance(value, str):
        return state_label(value, kind)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ", ".join(str(state_label(v, kind)) for v in value)
    return None


# MH's message codes that change what an answer means whatever its HTTP status (facts §3: store
# and show the raw codigoMsg; these few are read for the label only). A consultation of a document
# MH does not have answers 200 with codigoMsg 005 "DOCUMENTO NO ENCONTRADO".
NOT_FOUND_CODES = {"005"}


def mh_call_meaning(call):
    """What MH's answer to ``call`` meant, in words: not the HTTP status (a 200 may say "not
    found"), not only the transport's classification."""
    body = call.response_body if isinstance(call.response_body, dict) else {}
    estado = body.get("estado")
    message = str(body.get("descripcionMsg") or body.get("mensaje") or "").upper()
    if call.outcome == MHCallOutcome.OK:
        if str(body.get("codigoMsg") or "") in NOT_FOUND_CODES or "NO ENCONTRADO" in message:
            return _("No encontrado")
        if call.endpoint == "/seguridad/auth":
            return _("Sesión iniciada")
        if estado == "PROCESADO":
            return _("Procesado (sellado)") if body.get("selloRecibido") else _("Procesado")
        if estado == "RECIBIDO":
            return _("Recibido")
        if estado == "INVALIDADO":
            return _("Invalidación aceptada")
        if body.get("codigoLote"):
            return _("Lote recibido")
        return _("Respondido")
    if call.outcome == MHCallOutcome.REJECTED:
        return _("Rechazado por MH")
    return MHCallOutcome(call.outcome).label if call.outcome in MHCallOutcome.values else call.outcome

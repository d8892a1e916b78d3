"""Statement files read into one table the bulk engine checks: xlsx/CSV through the account's
column mapping (bulk.reading reads them, with its limits on size, zip bombs and formulas), OFX
through ofxtools (a maintained parser of both OFX 1.x SGML and 2.x XML), CAMT.053 through
defusedxml (no entities, no external references).

Formats (payments-facts §5): OFX ``STMTTRN`` with ``TRNTYPE``, ``DTPOSTED``, ``TRNAMT`` (signed),
``FITID`` (the bank's unique id: the dedupe key), ``REFNUM``/``CHECKNUM``, ``NAME``, ``MEMO``
[F1, hackage.haskell.org/package/ofx]. CAMT.053 ``Stmt/Ntry`` with ``Amt`` (positive),
``CdtDbtInd`` CRDT|DBIT, ``BookgDt``/``ValDt``, ``AcctSvcrRef``, ``NtryDtls/TxDtls/Refs/EndToEndId``,
``RmtInf/Ustrd``, ``AddtlNtryInf``; ``Bal`` with ``Cd`` CLBD the closing balance
[F3, docs.rs/fints-client camt]."""

import io
import operator
from decimal import Decimal, InvalidOperation

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException
from django.utils.translation import gettext as _

from bulk.reading import FileRejected, Table, read_upload
from reconciliation.mappings import FIELDS

# The canonical columns of a statement read from OFX or CAMT (values already typed).
CANONICAL = {"date": "fecha", "amount": "monto", "reference": "referencia", "description": "descripcion",
             "kind": "tipo", "bank_id": "id_banco"}
MAX_LINES = 200_000


def detect_format(name, data):
    lower = name.lower()
    if lower.endswith((".ofx", ".qfx")):
        return "ofx"
    if lower.endswith(".xml"):
        return "camt"
    if lower.endswith(".csv"):
        return "csv"
    if lower.endswith(".xlsx"):
        return "xlsx"
    raise FileRejected(_("Formatos aceptados: .xlsx, .csv, .ofx/.qfx (OFX) y .xml (CAMT.053)."))


def read_statement(data, name, *, mapping):
    """(format, Table, {header: field}, closing balance or None)."""
    fmt = detect_format(name, data)
    if fmt == "ofx":
        table, balance = _ofx(data)
        return fmt, table, {v: k for k, v in CANONICAL.items()}, balance
    if fmt == "camt":
        table, balance = _camt(data)
        return fmt, table, {v: k for k, v in CANONICAL.items()}, balance
    return fmt, *_tabular(data, name, mapping), None


def _tabular(data, name, mapping):
    """The file's mapped columns only (others, a running balance say, are left out), in the
    order of FIELDS, under the file's own header names so errors name the user's columns."""
    table = read_upload(data, name, max_rows=MAX_LINES, max_cols=40)
    wanted = [(f, mapping[f].strip().lower()) for f, _l in FIELDS if mapping.get(f)]
    missing = [h for _f, h in wanted if h not in table.header]
    if missing:
        raise FileRejected(_("El archivo no tiene las columnas que indica la configuración de la cuenta: %(c)s. "
                             "Columnas del archivo: %(h)s. Corrija la configuración de columnas de la cuenta.")
                           % {"c": ", ".join(missing), "h": ", ".join(h for h in table.header if h)})
    indexes = [table.header.index(h) for _f, h in wanted]
    width = max(indexes) + 1

    def project(rows):
        pick = operator.itemgetter(*indexes) if len(indexes) > 1 else (lambda r: (r[indexes[0]],))
        for raw in rows:
            if len(raw) < width:
                raw = [*raw, *([None] * (width - len(raw)))]
            yield list(pick(raw))

    header = [h for _f, h in wanted]
    return Table(header=header, rows=project(table.rows), first_row_number=table.first_row_number,
                 count=table.count, source=table.source), {h: f for f, h in wanted}


def _ofx(data):
    from ofxtools.Parser import OFXTree  # noqa: PLC0415 - loaded only for OFX files

    try:
        parser = OFXTree()
        parser.parse(io.BytesIO(data))
        ofx = parser.convert()
    except Exception as exc:  # ofxtools raises its own errors and ValueError/KeyError on bad input
        raise FileRejected(_("El archivo OFX no se pudo leer: %(e)s") % {"e": str(exc)[:200]}) from exc
    rows, balance = [], None
    for stmt in ofx.statements:
        for tx in stmt.transactions:
            rows.append([tx.dtposted.date(), Decimal(tx.trnamt), (tx.refnum or tx.checknum or "")[:100],
                         " ".join(p for p in (tx.name, tx.memo) if p)[:500], tx.trntype or "", tx.fitid or ""])
            if len(rows) > MAX_LINES:
                raise FileRejected(_("El extracto tiene más de %(n)d movimientos.") % {"n": MAX_LINES})
        ledger = getattr(stmt, "ledgerbal", None)
        if ledger is not None and ledger.balamt is not None:
            balance = Decimal(ledger.balamt)
    if not rows:
        raise FileRejected(_("El archivo OFX no tiene movimientos."))
    return Table(header=list(CANONICAL.values()), rows=rows, first_row_number=1, count=len(rows), source="xlsx"), balance


def _local(tag):
    return tag.rsplit("}", 1)[-1]


def _child(el, *path):
    for name in path:
        if el is None:
            return None
        el = next((c for c in el if _local(c.tag) == name), None)
    return el


def _text(el, *path):
    found = _child(el, *path)
    return (found.text or "").strip() if found is not None else ""


def _camt(data):
    if len(data) > 50 * 1024 * 1024:
        raise FileRejected(_("El archivo CAMT pesa más de 50 MB."))
    try:
        root = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (SafeET.ParseError, DefusedXmlException, ValueError) as exc:
        raise FileRejected(_("El archivo XML no es un CAMT.053 válido: %(e)s") % {"e": str(exc)[:200]}) from exc
    body = _child(root, "BkToCstmrStmt")
    if body is None:
        raise FileRejected(_("El archivo XML no es un extracto CAMT.053 (falta BkToCstmrStmt)."))
    rows, balance = [], None
    for stmt in (c for c in body if _local(c.tag) == "Stmt"):
        for bal in (c for c in stmt if _local(c.tag) == "Bal"):
            if _text(bal, "Tp", "CdOrPrtry", "Cd") == "CLBD":
                value = Decimal(_text(bal, "Amt") or "0")
                balance = -value if _text(bal, "CdtDbtInd") == "DBIT" else value
        for ntry in (c for c in stmt if _local(c.tag) == "Ntry"):
            if _text(ntry, "Sts") not in ("", "BOOK") and _text(ntry, "Sts", "Cd") not in ("BOOK",):
                continue  # pending entries are not on the account yet
            try:
                amount = Decimal(_text(ntry, "Amt"))
            except InvalidOperation:
                amount = _text(ntry, "Amt")  # the engine names the bad cell
            if isinstance(amount, Decimal) and _text(ntry, "CdtDbtInd") == "DBIT":
                amount = -amount
            if _text(ntry, "RvslInd").lower() == "true" and isinstance(amount, Decimal):
                amount = -amount
            date = _text(ntry, "BookgDt", "Dt") or _text(ntry, "BookgDt", "DtTm")[:10] or _text(ntry, "ValDt", "Dt")
            tx = _child(ntry, "NtryDtls", "TxDtls")
            reference = _text(tx, "Refs", "EndToEndId") if tx is not None else ""
            if reference == "NOTPROVIDED":
                reference = ""
            text = " ".join(p for p in (_text(tx, "RmtInf", "Ustrd") if tx is not None else "",
                                        _text(ntry, "AddtlNtryInf")) if p)
            rows.append([date, amount, reference[:100], text[:500], _text(ntry, "BkTxCd", "Domn", "Cd"),
                         _text(ntry, "AcctSvcrRef") or _text(ntry, "NtryRef")])
            if len(rows) > MAX_LINES:
                raise FileRejected(_("El extracto tiene más de %(n)d movimientos.") % {"n": MAX_LINES})
    if not rows:
        raise FileRejected(_("El extracto CAMT.053 no tiene movimientos."))
    return Table(header=list(CANONICAL.values()), rows=rows, first_row_number=1, count=len(rows), source="xlsx"), balance

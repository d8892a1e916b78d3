"""Where each field of a statement lies in a bank's xlsx/CSV export: one mapping per bank account,
edited on the account's page, starting from the layout shipped for its bank.

The layouts of the Salvadoran banks' exports are not published: payments-facts §5 records them as
searched and not found, and a new search (bank names with «estado de cuenta», «exportar», «CSV»)
found nothing either. The shipped layouts below are therefore GUESSES built from the column names
Spanish-language online banking commonly uses (fecha, descripción/concepto, referencia, cargo,
abono, saldo); each one says so, and the mapping editor exists to correct them against a real
export. BICs (payments-facts §5, source B1): CAGRSVSS (Agrícola), BACUSVSS (BAC), BAMCSVSS.
"""

from django.utils.translation import gettext_lazy as _

# The statement's fields. ``amount`` (signed) or ``debit`` and ``credit`` (both positive, two
# columns) say how much; the others are optional except the date.
FIELDS = [
    ("date", _("Fecha")),
    ("amount", _("Monto (con signo)")),
    ("debit", _("Cargo / débito")),
    ("credit", _("Abono / crédito")),
    ("reference", _("Referencia")),
    ("description", _("Descripción")),
    ("bank_id", _("Identificador único del banco")),
]
OPTIONS = {"date_format": "%d/%m/%Y", "decimal_comma": False}

DATE_FORMATS = [("%d/%m/%Y", "DD/MM/AAAA"), ("%Y-%m-%d", "AAAA-MM-DD"), ("%m/%d/%Y", "MM/DD/AAAA"),
                ("%d-%m-%Y", "DD-MM-AAAA")]

GUESS = _("Supuesto: el banco no publica su formato; compruébelo con un archivo real.")

# code: (name, mapping, note). Header names are compared in lower case (bulk.reading lowers them).
BANKS = {
    "agricola": (_("Banco Agrícola"), {"date": "fecha", "description": "descripción", "reference": "referencia",
                                       "debit": "cargo", "credit": "abono", "date_format": "%d/%m/%Y"}, GUESS),
    "cuscatlan": (_("Banco Cuscatlán"), {"date": "fecha", "description": "concepto", "reference": "documento",
                                         "debit": "débito", "credit": "crédito", "date_format": "%d/%m/%Y"}, GUESS),
    "davivienda": (_("Davivienda"), {"date": "fecha", "description": "descripción", "reference": "referencia",
                                     "amount": "valor", "date_format": "%d/%m/%Y"}, GUESS),
    "bac": (_("BAC Credomatic"), {"date": "fecha", "description": "descripción", "reference": "referencia",
                                  "debit": "débitos", "credit": "créditos", "date_format": "%d/%m/%Y"}, GUESS),
    "promerica": (_("Banco Promerica"), {"date": "fecha", "description": "descripción", "reference": "no. documento",
                                         "debit": "cargos", "credit": "abonos", "date_format": "%d/%m/%Y"}, GUESS),
    "hipotecario": (_("Banco Hipotecario"), {"date": "fecha", "description": "concepto", "reference": "referencia",
                                             "debit": "cargo", "credit": "abono", "date_format": "%d/%m/%Y"}, GUESS),
    # A neutral layout: the columns of this project's own template, for any other bank.
    "otro": (_("Otro banco"), {"date": "fecha", "amount": "monto", "reference": "referencia",
                               "description": "descripcion", "date_format": "%Y-%m-%d"}, ""),
}


def bank_choices():
    return [(code, name) for code, (name, _m, _n) in BANKS.items()]


def shipped(bank):
    return dict(BANKS.get(bank, BANKS["otro"])[1])


def mapping_problems(mapping):
    """What makes a mapping unusable (its editor shows these)."""
    problems = []
    if not mapping.get("date"):
        problems.append(_("Indique la columna de la fecha."))
    if not mapping.get("amount") and not (mapping.get("debit") or mapping.get("credit")):
        problems.append(_("Indique la columna del monto, o las de cargo y abono."))
    if mapping.get("amount") and (mapping.get("debit") or mapping.get("credit")):
        problems.append(_("Use el monto con signo o cargo y abono, no ambos."))
    headers = [mapping[f].strip().lower() for f, _l in FIELDS if mapping.get(f)]
    if len(headers) != len(set(headers)):
        problems.append(_("Dos campos no pueden leer la misma columna."))
    return problems

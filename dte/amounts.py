"""Money as MH wants it: Decimal end to end, item amounts to 8 decimals and totals to 2, rounded
half-up (facts §2.5, "Rounding and tolerance"), and the total in Spanish words (`totalLetras`)."""

from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0")
CENT = Decimal("0.01")
ITEM = Decimal("0.00000001")


def D(value) -> Decimal:  # noqa: N802 - reads like the type it makes
    if isinstance(value, Decimal):
        return value
    if value is None or value == "":
        return ZERO
    if isinstance(value, float):
        return Decimal(str(value))
    return Decimal(value)


def q2(value) -> Decimal:
    """A resumen amount: 2 decimals, half-up."""
    return D(value).quantize(CENT, rounding=ROUND_HALF_UP)


def q8(value) -> Decimal:
    """An item amount: up to 8 decimals, half-up."""
    return D(value).quantize(ITEM, rounding=ROUND_HALF_UP)


_UNITS = ["", "UNO", "DOS", "TRES", "CUATRO", "CINCO", "SEIS", "SIETE", "OCHO", "NUEVE", "DIEZ", "ONCE", "DOCE",
          "TRECE", "CATORCE", "QUINCE", "DIECISÉIS", "DIECISIETE", "DIECIOCHO", "DIECINUEVE", "VEINTE", "VEINTIUNO",
          "VEINTIDÓS", "VEINTITRÉS", "VEINTICUATRO", "VEINTICINCO", "VEINTISÉIS", "VEINTISIETE", "VEINTIOCHO",
          "VEINTINUEVE"]
_TENS = ["", "", "", "TREINTA", "CUARENTA", "CINCUENTA", "SESENTA", "SETENTA", "OCHENTA", "NOVENTA"]
_HUNDREDS = ["", "CIENTO", "DOSCIENTOS", "TRESCIENTOS", "CUATROCIENTOS", "QUINIENTOS", "SEISCIENTOS", "SETECIENTOS",
             "OCHOCIENTOS", "NOVECIENTOS"]


def _below_thousand(n: int) -> str:
    if n == 0:
        return ""
    if n == 100:
        return "CIEN"
    hundreds, rest = divmod(n, 100)
    words = [_HUNDREDS[hundreds]] if hundreds else []
    if rest < 30:
        if rest:
            words.append(_UNITS[rest])
    else:
        tens, units = divmod(rest, 10)
        words.append(_TENS[tens] + (f" Y {_UNITS[units]}" if units else ""))
    return " ".join(words)


def _apocope(words: str) -> str:
    """Before a noun «uno» becomes «un» (UN MILLÓN, VEINTIÚN DÓLARES, TREINTA Y UN DÓLARES)."""
    if words.endswith("VEINTIUNO"):
        return words[:-9] + "VEINTIÚN"
    if words.endswith("UNO"):
        return words[:-3] + "UN"
    return words


def number_words(n: int) -> str:
    """A whole number in Spanish capitals: 2260 -> DOS MIL DOSCIENTOS SESENTA."""
    if n == 0:
        return "CERO"
    parts = []
    millions, rest = divmod(n, 1_000_000)
    if millions:
        parts.append("UN MILLÓN" if millions == 1 else f"{_apocope(number_words(millions))} MILLONES")
    thousands, units = divmod(rest, 1000)
    if thousands:
        parts.append("MIL" if thousands == 1 else f"{_apocope(_below_thousand(thousands))} MIL")
    if units:
        parts.append(_below_thousand(units))
    return " ".join(parts)


def amount_in_words(amount) -> str:
    """`totalLetras` (≤ 200 characters, free format, facts §2.5). Whole amounts read as MH's own
    example does ("DOS MIL DOSCIENTOS SESENTA DÓLARES"); cents are added as "CON 45/100"."""
    amount = q2(amount)
    sign = "MENOS " if amount < 0 else ""
    amount = abs(amount)
    whole = int(amount)
    cents = int((amount - whole) * 100)
    words = _apocope(number_words(whole))
    if words.endswith(("MILLÓN", "MILLONES")):
        words += " DE"
    currency = "DÓLAR" if whole == 1 else "DÓLARES"
    text = f"{sign}{words} {currency}"
    if cents:
        text += f" CON {cents:02d}/100"
    return text[:200]

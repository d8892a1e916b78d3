"""Salvadoran tax identifiers: NIT, NRC and DUI.

Formats follow MH's schemas (facts §2.2): NIT is 14 digits (or 9, a DUI homologated as NIT
since 2021), NRC 1–8 digits, DUI 8 digits plus a check digit. Values are stored without dashes,
as MH's JSON wants them.
"""

import re
from operator import mul

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.exceptions import InvalidChecksum, InvalidComponent
from stdnum.sv import nit as stdnum_nit

_DIGITS = re.compile(r"^\d+$")
_SEPARATORS = re.compile(r"[\s\-]")


def _clean(value):
    if value.__class__ is str and value.isdigit():
        return value  # the usual cell, digits only: nothing to remove
    return _SEPARATORS.sub("", str(value or ""))


_DUI_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2)
_DIGIT_VALUES = bytes.maketrans(b"0123456789", bytes(range(10)))


def _weighted_sum(digits, weights):
    """Σ digit × weight. ASCII digits are read as bytes (one translate, not an int() a digit: the
    check digits run for every row of a 100,000-row upload)."""
    if digits.isascii() and digits.isdigit():
        return sum(map(mul, digits.encode().translate(_DIGIT_VALUES), weights))
    return sum(map(mul, map(int, digits), weights))


def dui_check_digit(first8: str) -> str:
    # DUI: weights 9..2 over the first eight digits; the check digit makes the sum a multiple of 10.
    total = _weighted_sum(first8, _DUI_WEIGHTS)
    return str((10 - total % 10) % 10)


def normalize_dui(value):
    """Return the DUI as ``########-#`` or raise ValidationError with a Spanish message."""
    digits = _clean(value)
    if not _DIGITS.match(digits) or len(digits) != 9:
        raise ValidationError(
            _("El DUI debe tener 9 dígitos (8 más el verificador), por ejemplo 01234567-8."), code="dui_format"
        )
    if dui_check_digit(digits[:8]) != digits[8]:
        raise ValidationError(
            _("El DUI %(dui)s no es válido: el dígito verificador no corresponde.") % {"dui": f"{digits[:8]}-{digits[8]}"},
            code="dui_checksum",
        )
    return f"{digits[:8]}-{digits[8]}"


def normalize_nit(value):
    """Return the NIT as MH wants it (14 or 9 digits, no dashes) or raise ValidationError."""
    digits = _clean(value)
    if not _DIGITS.match(digits) or len(digits) not in (9, 14):
        raise ValidationError(
            _("El NIT debe tener 14 dígitos (0614-010101-101-0) o 9 si es un DUI homologado."),
            code="nit_format",
        )
    if len(digits) == 9:
        try:
            normalize_dui(digits)
        except ValidationError as exc:
            raise ValidationError(
                _("El NIT de 9 dígitos es un DUI homologado y su dígito verificador no corresponde."),
                code="nit_checksum",
            ) from exc
        return digits
    if _nit_check_digit(digits) == digits[13] and digits[0] in "019":
        return digits  # the common case, checked without python-stdnum's general machinery
    try:
        stdnum_nit.validate(digits)
    except InvalidComponent as exc:
        raise ValidationError(_("El NIT debe comenzar con 0, 1 o 9."), code="nit_format") from exc
    except InvalidChecksum as exc:
        raise ValidationError(
            _("El NIT %(nit)s no es válido: el dígito verificador no corresponde.") % {"nit": stdnum_nit.format(digits)},
            code="nit_checksum",
        ) from exc
    return digits


_OLD_WEIGHTS = (14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2)
_NEW_WEIGHTS = (2, 7, 6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def _nit_check_digit(digits):
    # NITs whose correlative (digits 11-13) is up to 100 use weights 14..2 and (sum mod 11) mod 10;
    # later ones weights 2,7,6,5,4,3,2,7,6,5,4,3,2 and (-sum mod 11) mod 10 (same rule as python-stdnum).
    if digits[10:13] <= "100":
        return str(_weighted_sum(digits[:13], _OLD_WEIGHTS) % 11 % 10)
    return str(-_weighted_sum(digits[:13], _NEW_WEIGHTS) % 11 % 10)


def normalize_nrc(value):
    """NRC: 1 to 8 digits (MH schema pattern ^[0-9]{1,8}$); no public check digit is defined."""
    digits = _clean(value)
    if not _DIGITS.match(digits) or not 1 <= len(digits) <= 8:
        raise ValidationError(_("El NRC debe tener de 1 a 8 dígitos, sin guiones."), code="nrc_format")
    return digits


def validate_nit(value):
    normalize_nit(value)


def validate_nrc(value):
    normalize_nrc(value)


def validate_dui(value):
    normalize_dui(value)


def format_nit(nit):
    if nit and len(nit) == 14:
        return stdnum_nit.format(nit)
    if nit and len(nit) == 9:
        return f"{nit[:8]}-{nit[8]}"
    return nit or ""


MAX_LOGO_BYTES = 2 * 1024 * 1024


def validate_logo(upload):
    """A logo printed on every document: an image (Pillow checks it) of at most 2 MB."""
    if upload and upload.size > MAX_LOGO_BYTES:
        raise ValidationError(_("El logotipo pesa más de 2 MB: use una imagen más liviana."))

"""The 2024 territorial reform (in force since May 2024) as the 2026 generation of
MH's schemas writes it: every address names a departamento (CAT-012), one of the 44 municipios
(CAT-013, 2024 edition) and the distrito inside it (CAT-008). The 262 distritos are the 262
municipios of before the reform, with the same codes per departamento (MH reused the old CAT-013
list as CAT-008; facts §2.2, catalogs SOURCES §3.1), so a 2023 address (departamento, municipio)
is already a distrito, and its 2024 municipio is the one below that groups it. MH numbered the 44
new municipios after each departamento's last old one (San Salvador's 19 → 20…24), so a 2024
municipio code is never mistaken for a distrito.

Written for this project in its own form, from MH's CAT-008 / CAT-013 and the reform's
distrito → municipio assignment; catalogs/tests checks every pair against the shared CSVs
(../shared/spec/catalogs/cat-008-distrito-municipio-2024.csv).
"""

from django.db.models import F
from django.utils.translation import gettext as _

# departamento → {municipio (2024 code) → the CAT-008 distritos it groups}
REFORM_2024 = {
    "01": {"13": "03 05 09 12", "14": "01 02 04 11", "15": "06 07 08 10"},
    "02": {"14": "06 07 11 13", "15": "10", "16": "02 04", "17": "01 03 05 08 09 12"},
    "03": {"17": "07 08 10 13", "18": "09 11 14 15 16", "19": "02 03 04 05 06 12", "20": "01"},
    "04": {"34": "04 12 25", "35": "01 08 10 13 16 22 24 31 32 33",
           "36": "02 03 05 06 07 09 11 14 15 17 18 19 20 21 23 26 27 28 29 30"},
    "05": {"23": "12 16 17", "24": "02 15", "25": "03 07 13 19 21", "26": "01 06 10 14 22", "27": "05 08 09 18 20",
           "28": "04 11"},
    "06": {"20": "01 05 06", "21": "02 09", "22": "07 13 17 18", "23": "03 04 08 14 19", "24": "10 11 12 15 16"},
    "07": {"17": "06 07 09 10 15", "18": "01 02 03 04 05 08 11 12 13 14 16"},
    "08": {"23": "01 05 09 11 13 15 20", "24": "02 03 04 06 07 08 12 14 16 18 19 22", "25": "10 17 21"},
    "09": {"10": "01 03 04 07", "11": "02 05 06 08 09"},
    "10": {"14": "01 04 05 06 07 08 09", "15": "02 03 10 11 12 13"},
    "11": {"24": "01 02 05 07 09 11 12 16 21", "25": "03 04 06 10 13 17 18 20 22 23", "26": "08 14 15 19"},
    "12": {"21": "01 02 04 11 13 14 16 19", "22": "03 06 09 12 17 20", "23": "05 07 08 10 15 18"},
    "13": {"27": "01 02 03 07 10 11 14 16 18 20 24", "28": "04 05 06 08 09 12 13 15 17 19 21 22 23 25 26"},
    "14": {"19": "01 02 03 06 09 11 12 13 15 16", "20": "04 05 07 08 10 14 17 18"},
}

# (departamento, distrito) → municipio (2024)
MUNICIPIO_OF_DISTRITO = {
    (dept, distrito): municipio
    for dept, municipios in REFORM_2024.items()
    for municipio, distritos in municipios.items()
    for distrito in distritos.split()
}


def distrito_of_municipio_2023(departamento, municipio):
    """The CAT-008 distrito a pre-reform municipio became (the same code), or "" if unknown."""
    return municipio if (departamento, municipio) in MUNICIPIO_OF_DISTRITO else ""


def municipio_2024(departamento, distrito):
    """The 2024 municipio (CAT-013) that groups a distrito, or "" if unknown."""
    return MUNICIPIO_OF_DISTRITO.get((departamento, distrito), "")


def is_distrito(departamento, distrito):
    return (departamento, distrito) in MUNICIPIO_OF_DISTRITO


def settle_distrito(departamento, municipio, distrito):
    """(distrito, problem) for an address being saved: a blank distrito becomes the one the
    pre-reform municipio became (same code); a given one must lie in the departamento and agree
    with the municipio (the pre-reform one, or the 2024 one that groups it). ``problem`` is None
    or a Spanish sentence."""
    if not distrito:
        return distrito_of_municipio_2023(departamento, municipio), None
    if not is_distrito(departamento, distrito):
        return distrito, _("El distrito %(x)s no pertenece al departamento %(d)s (CAT-008).") % {
            "x": distrito, "d": departamento}
    if municipio and municipio not in (distrito, municipio_2024(departamento, distrito)):
        return distrito, _("El distrito %(x)s no está en el municipio %(m)s: deje el distrito vacío o corrija el "
                           "municipio.") % {"x": distrito, "m": municipio}
    return distrito, None


def fill_distritos(model):
    """Give every row of ``model`` (a client, provider, company or establishment, historical
    models included) whose pre-reform address names a known municipio the distrito it became,
    so nobody retypes an address for the 2026 generation. One UPDATE per departamento; rows with
    a distrito already, or an address that is not a pre-reform municipio, are left alone.
    Returns how many rows were filled."""
    filled = 0
    for dept, municipios in REFORM_2024.items():
        codes = [code for distritos in municipios.values() for code in distritos.split()]
        filled += model.objects.filter(departamento=dept, municipio__in=codes, distrito="").update(
            distrito=F("municipio"))
    return filled

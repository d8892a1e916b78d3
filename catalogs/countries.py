"""CAT-020 across editions: the 2023 generation names countries with MH's 4-digit codes
(9483 Guatemala), the 2026 one with ISO 3166 alpha-2 (GT) (catalogs SOURCES §3.2). A client
saved with a 4-digit code is written in a 2026 document with its ISO code. The pairs are this
project's, for the countries its exporters sell to most; catalogs/tests checks each against MH's
two lists by name. A country not here is refused before issuing (dte.services.problems)."""

ISO_OF_4DIGIT = {
    "9300": "SV",  # El Salvador
    "9349": "BZ",  # Belice
    "9384": "CA",  # Canadá
    "9393": "CO",  # Colombia
    "9411": "CR",  # Costa Rica
    "9441": "DO",  # República Dominicana
    "9447": "ES",  # España
    "9450": "US",  # Estados Unidos
    "9483": "GT",  # Guatemala
    "9501": "HN",  # Honduras
    "9600": "MX",  # México
    "9615": "NI",  # Nicaragua
    "9642": "PA",  # Panamá
}


def iso_code(code):
    """The ISO alpha-2 code of a CAT-020 code of either edition ("" when unknown)."""
    code = (code or "").strip().upper()
    if len(code) == 2 and code.isalpha():
        return code
    return ISO_OF_4DIGIT.get(code, "")

"""A small seed of MH catalogs, written for this project: enough for the demo company and the
forms. The full set comes from MH's own workbook (``manage.py load_mh_catalogs --workbook``).
A test checks every row here against MH's published catalogs."""

from catalogs.loader import Row

_DEPARTAMENTOS = [
    ("01", "Ahuachapán"), ("02", "Santa Ana"), ("03", "Sonsonate"), ("04", "Chalatenango"),
    ("05", "La Libertad"), ("06", "San Salvador"), ("07", "Cuscatlán"), ("08", "La Paz"),
    ("09", "Cabañas"), ("10", "San Vicente"), ("11", "Usulután"), ("12", "San Miguel"),
    ("13", "Morazán"), ("14", "La Unión"),
]

# CAT-013 before the 2024 reform (2023 schemas): the municipios of San Salvador and La Libertad.
_MUNICIPIOS_2023 = {
    "06": ["Aguilares", "Apopa", "Ayutuxtepeque", "Cuscatancingo", "El Paisnal", "Guazapa", "Ilopango",
           "Mejicanos", "Nejapa", "Panchimalco", "Rosario de Mora", "San Marcos", "San Martín",
           "San Salvador", "Santiago Texacuangos", "Santo Tomás", "Soyapango", "Tonacatepeque",
           "Ciudad Delgado"],
    "05": ["Antiguo Cuscatlán", "Ciudad Arce", "Colón", "Comasagua", "Chiltiupán", "Huizúcar", "Jayaque",
           "Jicalapa", "La Libertad", "Nuevo Cuscatlán", "Santa Tecla", "Quezaltepeque", "Sacacoyo",
           "San José Villanueva", "San Juan Opico", "San Matías", "San Pablo Tacachico", "Tamanique",
           "Talnique", "Teotepeque", "Tepecoyo", "Zaragoza"],
}

# CAT-013 after the 2024 reform (2026 generation).
_MUNICIPIOS_2024 = {
    "06": [("20", "San Salvador Norte"), ("21", "San Salvador Oeste"), ("22", "San Salvador Este"),
           ("23", "San Salvador Centro"), ("24", "San Salvador Sur")],
    "05": [("23", "La Libertad Norte"), ("24", "La Libertad Centro"), ("25", "La Libertad Oeste"),
           ("26", "La Libertad Este"), ("27", "La Libertad Costa"), ("28", "La Libertad Sur")],
}

_COMMON = {
    "CAT-001": [("00", "Modo prueba"), ("01", "Modo producción")],
    "CAT-002": [("01", "Factura"), ("03", "Comprobante de crédito fiscal"), ("04", "Nota de remisión"),
                ("05", "Nota de crédito"), ("06", "Nota de débito"), ("07", "Comprobante de retención"),
                ("11", "Facturas de exportación"), ("14", "Factura de sujeto excluido")],
    "CAT-005": [("1", "No disponibilidad de sistema del MH"), ("2", "No disponibilidad de sistema del emisor"),
                ("3", "Falla en el suministro de servicio de Internet del Emisor"),
                ("4", "Falla en el suministro de servicio de energía eléctrica del emisor"),
                ("5", "Otro")],
    "CAT-009": [("01", "Sucursal"), ("02", "Casa Matriz"), ("04", "Bodega"), ("07", "Patio")],
    "CAT-011": [("1", "Bienes"), ("2", "Servicios"), ("3", "Ambos (bienes y servicios)"),
                ("4", "Otros tributos por ítem")],
    "CAT-012": _DEPARTAMENTOS,
    "CAT-014": [("23", "Litro"), ("34", "Kilogramo"), ("36", "Libra"), ("58", "Docena"), ("59", "Unidad"),
                ("99", "Otra")],
    "CAT-016": [("1", "Contado"), ("2", "A crédito"), ("3", "Otro")],
    # MH's CAT-017 as published (../shared/spec/catalogs/cat-017-forma-pago.csv; sv-dte-facts §2.5):
    # 06, 07 and 10 are admitted by the schema's pattern but are not in the catalogue.
    "CAT-017": [("01", "Billetes y monedas"), ("02", "Tarjeta Débito"), ("03", "Tarjeta Crédito"),
                ("04", "Cheque"), ("05", "Transferencia-Depósito Bancario"), ("08", "Dinero electrónico"),
                ("09", "Monedero electrónico"), ("11", "Bitcoin"), ("12", "Otras Criptomonedas"),
                ("13", "Cuentas por pagar del receptor"), ("14", "Giro bancario"), ("99", "Otros")],
    "CAT-019": [("10711", "Elaboración de tortillas"), ("46510", "Venta al por mayor de computadoras, equipo periférico y programas informáticos"),
                ("46900", "Venta al por mayor de otros productos"),
                ("47190", "Venta al por menor de otros productos en comercios no especializados"),
                ("56101", "Restaurantes"), ("62010", "Programación informática"),
                ("62020", "Consultorías y gestión de servicios informáticos"),
                ("69200", "Actividades de contabilidad, teneduría de libros y auditoría; asesoramiento en materia de impuestos"),
                ("70200", "Actividades de consultoría en gestión empresarial"), ("96092", "Servicios n.c.p.")],
    "CAT-022": [("36", "NIT"), ("13", "DUI"), ("02", "Carnet de Residente"), ("03", "Pasaporte"), ("37", "Otro")],
    "CAT-024": [("1", "Error en la información del DTE a invalidar"), ("2", "Rescindir de la operación realizada"),
                ("3", "Otro")],
}

# CAT-027: the customs offices and free zones goods leave through (the main ones; the full
# catalogue comes from MH's workbook). A goods export names one in emisor.recintoFiscal.
_RECINTOS = [("01", "Terrestre San Bartolo"), ("02", "Marítima de Acajutla"), ("03", "Aérea De Comalapa"),
             ("04", "Terrestre Las Chinamas"), ("05", "Terrestre La Hachadura"), ("07", "Terrestre San Cristóbal"),
             ("08", "Terrestre Anguiatú"), ("09", "Terrestre El Amatillo"), ("10", "Marítima La Unión"),
             ("11", "Terrestre El Poy"), ("15", "Fardos Postales")]

# CAT-028: the customs regime of a goods export (emisor.regimen). The 2023 schemas' generation
# writes the code with its regime-type prefix ("EX-1.1000.000"); MH's 2026 workbook keeps the
# prefix apart (CAT-033) and lists "1000.000".
_REGIMENES = {
    "2023": [("EX-1.1000.000", "Exportación Definitiva, Exportación Definitiva, Régimen Común"),
             ("EX-1.1040.000", "Exportación Definitiva, Exportación Definitiva Sustitución de  Mercancías, "
                               "Régimen Común")],
    "2026": [("1000.000", "Exportación Definitiva, Régimen Común"),
             ("1040.000", "Exportación Definitiva Sustitución de Mercancías, Régimen Común")],
}

# CAT-033 (2026 edition only): the regime type the 2026 CAT-028 codes leave apart (fe-fex-v3 emisor.tipoRegimen).
_TIPOS_REGIMEN = [("EX-1", "Exportación Definitiva"), ("EX-2", "Exportación Temporal"), ("EX-3", "Reexportación"),
                  ("TA-1", "Tránsito Aduanero")]

_PAISES = {
    "2023": [("9300", "El Salvador"), ("9450", "Estados Unidos"), ("9483", "Guatemala")],
    "2026": [("SV", "El Salvador"), ("US", "Estados Unidos"), ("GT", "Guatemala")],
}


def seed_rows(edition):
    rows = [Row(cat, code, name) for cat, entries in _COMMON.items() for code, name in entries]
    rows += [Row("CAT-020", code, name) for code, name in _PAISES[edition]]
    rows += [Row("CAT-027", code, name) for code, name in _RECINTOS]
    rows += [Row("CAT-028", code, name) for code, name in _REGIMENES[edition]]
    if edition == "2026":
        rows += [Row("CAT-033", code, name) for code, name in _TIPOS_REGIMEN]
    if edition == "2023":
        for dept, names in _MUNICIPIOS_2023.items():
            rows += [Row("CAT-013", f"{i:02d}", name, dept) for i, name in enumerate(names, start=1)]
    else:
        for dept, entries in _MUNICIPIOS_2024.items():
            rows += [Row("CAT-013", code, name, dept) for code, name in entries]
        # CAT-008 (2026): the pre-reform municipios, now distritos, with their codes (catalogs.territory).
        for dept, names in _MUNICIPIOS_2023.items():
            rows += [Row("CAT-008", f"{i:02d}", name, dept) for i, name in enumerate(names, start=1)]
    return rows

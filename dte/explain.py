"""MH's rejection messages in plain Spanish: which field failed and what to do about it. MH's raw
codigoMsg, descripcionMsg and observaciones are always shown too; this only adds a reading where
the failing field can be recognised (observaciones usually start with "[path] …")."""

import re

from django.utils.translation import gettext_lazy as _

_PATH = re.compile(r"^\s*\[([A-Za-z0-9_.]+)\]\s*(.*)$")

# (path prefix, field in words, hint). The first prefix that matches wins: specific ones first.
FIELDS = [
    ("identificacion.codigoGeneracion", _("Código de generación"),
     _("MH ya tiene un documento con este código: consulte su estado antes de volver a enviarlo.")),
    ("identificacion.fecEmi", _("Fecha de emisión"),
     _("MH acepta la fecha de hoy (o hasta un día adelante); corrija la fecha y transmita de nuevo.")),
    ("identificacion.numeroControl", _("Número de control"),
     _("Revise los códigos MH del establecimiento y del punto de venta en Configuración.")),
    ("identificacion", _("Identificación del documento"), _("Revise el tipo, la versión y el ambiente.")),
    ("emisor", _("Datos de la empresa"), _("Revise Configuración → Empresa y el establecimiento.")),
    ("receptor.nrc", _("NRC del cliente"), _("Corrija el NRC en la ficha del cliente y vuelva a emitir.")),
    ("receptor.nit", _("NIT del cliente"), _("Corrija el NIT en la ficha del cliente.")),
    ("receptor.numDocumento", _("Documento del cliente"), _("Corrija el número de documento del cliente.")),
    ("receptor.direccion.municipio", _("Municipio del cliente"),
     _("El municipio debe pertenecer al departamento (CAT-013); corrija la dirección del cliente.")),
    ("receptor.direccion.distrito", _("Distrito del cliente"),
     _("El distrito (CAT-008, reforma de 2024) debe estar en el municipio; corrija la dirección del cliente.")),
    ("receptor.direccion", _("Dirección del cliente"), _("Complete la dirección del cliente.")),
    ("receptor.correo", _("Correo del cliente"), _("Escriba un correo válido en la ficha del cliente.")),
    ("receptor.codActividad", _("Actividad económica del cliente"), _("Elija la actividad (CAT-019) del cliente.")),
    ("receptor", _("Datos del cliente"), _("Revise la ficha del cliente.")),
    ("sujetoExcluido", _("Datos del sujeto excluido"), _("Revise los datos de la persona a quien se compró.")),
    ("documentoRelacionado", _("Documento relacionado"),
     _("El documento corregido debe estar sellado y vigente; revise cuál se eligió.")),
    ("resumen.pagos", _("Formas de pago"), _("Las formas de pago deben sumar el total; al crédito indique el plazo.")),
    ("resumen", _("Totales"), _("Los totales no cuadran con las líneas: revise cantidades, precios y descuentos.")),
    ("cuerpoDocumento", _("Líneas"), _("Revise la línea indicada.")),
]


def explain(observation):
    """(field in words or None, hint or None, the detail) for one MH observation."""
    text = str(observation)
    match = _PATH.match(text)
    if not match:
        return None, None, text
    path, detail = match.groups()
    for prefix, label, hint in FIELDS:
        if path == prefix or path.startswith(prefix + "."):
            if prefix == "cuerpoDocumento":
                line = re.match(r"cuerpoDocumento\.(\d+)", path)
                if line:
                    label = _("Línea %(n)d") % {"n": int(line.group(1)) + 1}
            return str(label), str(hint), detail or text
    return path, None, detail or text


def explain_all(observations):
    return [dict(zip(("field", "hint", "detail"), explain(o), strict=True), raw=str(o)) for o in observations or []]


# --- our own schema check, before anything is sent -------------------------------------------

# The invalidation event's fields (anulacion-schema-v2, facts §6) in the words of its form.
EVENT_FIELDS = {
    "motivo.tipoAnulacion": _("Tipo de invalidación"),
    "motivo.motivoAnulacion": _("Motivo de la invalidación"),
    "motivo.nombreResponsable": _("Nombre del responsable"),
    "motivo.tipDocResponsable": _("Tipo de documento del responsable"),
    "motivo.numDocResponsable": _("Documento del responsable"),
    "motivo.nombreSolicita": _("Nombre de quien solicita"),
    "motivo.tipDocSolicita": _("Tipo de documento de quien solicita"),
    "motivo.numDocSolicita": _("Documento de quien solicita"),
    "documento.tipoDocumento": _("Tipo de documento del receptor"),
    "documento.numDocumento": _("Documento del receptor"),
    "documento.nombre": _("Nombre del receptor"),
    "documento.telefono": _("Teléfono del receptor"),
    "documento.correo": _("Correo del receptor"),
    "documento.codigoGeneracionR": _("Documento de reemplazo"),
    "documento": _("Datos del documento que se invalida"),
    "emisor": _("Datos de la empresa (Configuración → Empresa y establecimiento)"),
    "identificacion": _("Identificación del evento"),
}
# Identity-document patterns of the schemas (facts §2.2) and how a person writes them.
_PATTERNS = {
    "^[0-9]{8}-[0-9]$": _("un DUI se escribe con 8 dígitos, un guion y el dígito verificador (00000000-0)"),
    "^([0-9]{14}|[0-9]{9})$": _("un NIT tiene 14 o 9 dígitos, sin guiones"),
}
_MISSING = re.compile(r"^'([^']+)' is a required property")


def _problem(error):
    kind, value = error.validator, error.validator_value
    if kind == "required":
        return _("falta")
    if kind == "type":
        return _("es obligatorio") if error.instance is None else _("tiene un tipo de dato no válido")
    if kind == "minLength":
        return _("escriba al menos %(n)d caracteres") % {"n": value}
    if kind == "maxLength":
        return _("admite como máximo %(n)d caracteres") % {"n": value}
    if kind == "pattern":
        return _PATTERNS.get(value) or _("no tiene el formato que MH exige")
    if kind == "format":
        return _("no es un correo válido") if value == "email" else _("no es una fecha u hora válida")
    if kind in ("enum", "const"):
        return _("no es un valor que MH acepte")
    if kind in ("minimum", "exclusiveMinimum"):
        return _("debe ser al menos %(n)s") % {"n": value}
    if kind in ("maximum", "exclusiveMaximum"):
        return _("debe ser como máximo %(n)s") % {"n": value}
    return _("no cumple lo que MH exige para este dato")


def schema_messages(errors, fields=EVENT_FIELDS):
    """jsonschema errors as plain Spanish, one line per field ("Documento del responsable: un DUI
    se escribe …"), without the validator's English. ``fields`` names the paths (longest prefix
    wins); a path it does not know is shown as is."""
    out = []
    for error in errors:
        parts = [str(p) for p in error.absolute_path]
        missing = _MISSING.match(error.message) if error.validator == "required" else None
        if missing:
            parts.append(missing.group(1))
        path = ".".join(parts)
        known = [key for key in fields if path == key or path.startswith(key + ".")]
        label = fields[max(known, key=len)] if known else (path or _("Documento"))
        message = f"{label}: {_problem(error)}."
        if message not in out:
            out.append(message)
    return out

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

from django.urls import path

from govsim import firmador, views

urlpatterns = [
    path("seguridad/auth", views.auth),
    path("fesv/recepciondte", views.recepcion_dte),
    path("fesv/recepcionlote/", views.recepcion_lote),
    path("fesv/recepcion/consultadtelote/<str:codigo_lote>", views.consulta_lote),
    path("fesv/recepcion/consultadte/", views.consulta_dte),
    path("fesv/contingencia", views.contingencia),
    path("fesv/anulardte", views.anular_dte),
    path("consultaPublica", views.consulta_publica),
    path("firmardocumento/", firmador.firmar),
    path("_govsim/faults", views.control_faults),
    path("_govsim/ledger", views.control_ledger),
    path("_govsim/clock", views.control_clock),
    path("_govsim/issuers", views.control_issuers),
    path("_govsim/health", views.health),
]

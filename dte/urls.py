from django.urls import path

from dte import views

app_name = "dte"

urlpatterns = [
    path("", views.document_list, name="list"),
    path("nuevo/", views.document_new, name="new"),
    path("aprobaciones/", views.approvals, name="approvals"),
    path("acciones/", views.document_bulk, name="bulk"),
    path("aprobaciones/<int:case_pk>/decidir/", views.approval_decide, name="approval_decide"),
    path("<int:pk>/", views.document_detail, name="detail"),
    path("<int:pk>/documento.json", views.document_download, {"fmt": "json"}, name="download_json"),
    path("<int:pk>/documento.jws", views.document_download, {"fmt": "jws"}, name="download_jws"),
    path("<int:pk>/documento.pdf", views.document_pdf, name="download_pdf"),
    path("<int:pk>/enviar/", views.document_send, name="send"),
    path("envios/reintentar/", views.deliveries_retry, name="deliveries_retry"),
    path("archivo/", views.archive_list, name="archive"),
    path("archivo/<uuid:public_id>/", views.archive_job, name="archive_job"),
    path("archivo/<uuid:public_id>/descargar/", views.archive_download, name="archive_download"),
    path("<int:pk>/accion/", views.document_action, name="action"),
    path("<int:pk>/invalidar/", views.document_invalidate, name="invalidate"),
    path("<int:pk>/editar/", views.document_edit, name="edit"),
    path("<int:pk>/guardar/", views.document_save, name="save"),
    path("<int:pk>/contraparte/", views.party_search, name="party_search"),
    path("<int:pk>/productos/", views.product_search, name="product_search"),
    path("<int:pk>/descartar/", views.document_discard, name="discard"),
    path("<int:pk>/confirmar/", views.document_confirm, name="confirm"),
    path("<int:pk>/casos/", views.document_cases, name="cases"),
    path("<int:pk>/emitir/", views.document_issue, name="issue"),
]

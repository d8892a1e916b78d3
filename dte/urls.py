from django.urls import path

from dte.views import archive, detail, downloads, editor, events, issuing, listing

app_name = "dte"

urlpatterns = [
    path("", listing.document_list, name="list"),
    path("nuevo/", editor.document_new, name="new"),
    path("aprobaciones/", issuing.approvals, name="approvals"),
    path("acciones/", listing.document_bulk, name="bulk"),
    path("aprobaciones/<int:case_pk>/decidir/", issuing.approval_decide, name="approval_decide"),
    path("<int:pk>/", detail.document_detail, name="detail"),
    path("<int:pk>/documento.json", downloads.document_download, {"fmt": "json"}, name="download_json"),
    path("<int:pk>/documento.jws", downloads.document_download, {"fmt": "jws"}, name="download_jws"),
    path("<int:pk>/documento.pdf", downloads.document_pdf, name="download_pdf"),
    path("<int:pk>/enviar/", downloads.document_send, name="send"),
    path("<int:pk>/enlaces/revocar/", downloads.document_links_revoke, name="links_revoke"),
    path("envios/reintentar/", downloads.deliveries_retry, name="deliveries_retry"),
    path("archivo/", archive.archive_list, name="archive"),
    path("archivo/<uuid:public_id>/", archive.archive_job, name="archive_job"),
    path("archivo/<uuid:public_id>/descargar/", archive.archive_download, name="archive_download"),
    path("<int:pk>/accion/", detail.document_action, name="action"),
    path("<int:pk>/invalidar/", detail.document_invalidate, name="invalidate"),
    path("<int:pk>/retorno/", events.return_new, name="return_new"),
    path("eventos/", events.event_list, name="events"),
    path("eventos/operaciones-especiales/", events.special_new, name="special_new"),
    path("<int:pk>/editar/", editor.document_edit, name="edit"),
    path("<int:pk>/guardar/", editor.document_save, name="save"),
    path("<int:pk>/contraparte/", editor.party_search, name="party_search"),
    path("<int:pk>/productos/", editor.product_search, name="product_search"),
    path("<int:pk>/descartar/", editor.document_discard, name="discard"),
    path("<int:pk>/confirmar/", issuing.document_confirm, name="confirm"),
    path("<int:pk>/casos/", issuing.document_cases, name="cases"),
    path("<int:pk>/emitir/", issuing.document_issue, name="issue"),
]

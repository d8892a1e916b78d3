from django.urls import path

from purchases import views

app_name = "purchases"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("cargar/", views.upload, name="upload"),
    path("registrar/", views.register, name="register"),
    path("<int:pk>/", views.document, name="document"),
    path("<int:pk>/pdf/", views.document_pdf, name="pdf"),
    path("<int:pk>/observar/", views.question, name="question"),
    path("<int:pk>/aceptar/", views.accept, name="accept"),
    path("<int:pk>/estado-mh/", views.mh_status, name="mh_status"),
    path("<int:pk>/notas/", views.notes, name="notes"),
    path("buzon/", views.mailbox, name="mailbox"),
    path("retenciones/", views.retention_matching, name="retentions"),
    path("retenciones/aplicar/", views.retentions_apply, name="retentions_apply"),
    path("lotes/<int:pk>/avance/", views.batch_progress, name="batch_progress"),
    path("buzon/leer/", views.mailbox_read_now, name="mailbox_read"),
]

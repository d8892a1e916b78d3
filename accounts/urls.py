from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.home, name="home"),
    path("ingresar/", views.login, name="login"),
    path("salir/", views.logout, name="logout"),
    path("contrasena/cambiar/", views.password_change, name="password_change"),
    path("contrasena/cambiada/", views.password_change_done, name="password_change_done"),
    path("contrasena/recuperar/", views.password_reset, name="password_reset"),
    path("contrasena/recuperar/enviado/", views.password_reset_done, name="password_reset_done"),
    path("contrasena/recuperar/<uidb64>/<token>/", views.password_reset_confirm, name="password_reset_confirm"),
    path("contrasena/recuperar/listo/", views.password_reset_complete, name="password_reset_complete"),
    path("configuracion/", views.settings_overview, name="settings"),
    path("configuracion/bitacora/", views.audit_list, name="audit"),
    path("configuracion/roles/<int:pk>/permisos/", views.role_grants, name="role_grants"),
]

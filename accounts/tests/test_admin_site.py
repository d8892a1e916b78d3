"""The Django admin speaks Spanish (django-axes' pages included) and is closed to non-staff:
a signed-in user without is_staff gets the app's 403 page, an anonymous visitor the app's login."""

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

ENGLISH = re.compile(r"\b(Axes|Access|attempts?|failures?|logs?|Attempt Time|IP Address|User Agent|Username|Path|"
                     r"Locked Out|Failed Logins|Form Data|Meta Data|Clean up|Expiration|Status)\b")


def _headings(html):
    """The admin index's section and model names."""
    found = re.findall(r'<(?:caption|th scope="row")[^>]*>(.*?)</(?:caption|th)>', html, re.S)
    return [re.sub(r"<[^>]+>", "", h).strip() for h in found]


def test_the_admin_index_names_every_section_in_spanish(users, client_as):
    html = client_as(users["Administrador"]).get("/admin/").content.decode()
    headings = _headings(html)
    assert "Bloqueo de accesos" in headings and "Intentos fallidos (bloqueos)" in headings
    assert "Historial de accesos" in headings and "Historial de accesos fallidos" in headings
    english = [h for h in headings if ENGLISH.search(h)]
    assert not english, english
    assert "<title>Configuración del sistema | Facturador</title>" in html


@pytest.mark.parametrize("url", ["/admin/axes/accessattempt/", "/admin/axes/accesslog/", "/admin/axes/accessfailurelog/"])
def test_the_axes_pages_read_in_spanish(users, client_as, url):
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    AccessAttempt.objects.create(username="vendedor", ip_address="10.0.0.1", user_agent="Firefox", http_accept="*/*",
                                 path_info="/ingresar/", get_data="", post_data="username=vendedor",
                                 failures_since_start=5)
    AccessLog.objects.create(username="vendedor", ip_address="10.0.0.1", user_agent="Firefox", http_accept="*/*",
                             path_info="/ingresar/")
    AccessFailureLog.objects.create(username="vendedor", ip_address="10.0.0.1", user_agent="Firefox",
                                    http_accept="*/*", path_info="/ingresar/", locked_out=True)
    web = client_as(users["Administrador"])
    html = web.get(url).content.decode()
    columns = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r'<th scope="col"[^>]*>(.*?)</th>', html, re.S)]
    assert "Dirección IP" in columns and "Usuario" in columns and "Fecha y hora" in columns
    english = [c for c in columns if ENGLISH.search(c)]
    assert not english, english
    filters = re.findall(r"<summary>\s*(.*?)\s*</summary>", html, re.S) + re.findall(r"<h3>\s*(.*?)\s*</h3>", html, re.S)
    assert filters and not [f for f in filters if ENGLISH.search(f)], filters
    obj = re.search(r'href="(/admin/axes/\w+/\d+/change/)', html).group(1)
    detail = web.get(obj).content.decode()
    labels = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<label[^>]*>(.*?)</label>", detail, re.S)]
    assert "Usuario:" in labels and "Dirección IP:" in labels
    assert not [label for label in labels if ENGLISH.search(label)], labels
    if "accessattempt" in url:
        assert "bloqueado" in html and "Borrar los intentos vencidos" in html


@pytest.mark.parametrize("role_name", ["Supervisor", "Vendedor", "Contador", "Auditor", "outsider"])
@pytest.mark.parametrize("url", ["/admin/", "/admin/accounts/role/", "/admin/login/", "/admin/axes/accessattempt/"])
def test_a_signed_in_non_staff_user_gets_the_app_403_page(users, client_as, role_name, url):
    response = client_as(users[role_name]).get(url)
    assert response.status_code == 403
    html = response.content.decode()
    assert "No tiene permiso para ver esta página" in html and 'id="module-menu"' in html  # the app's page
    assert 'name="password"' not in html  # no second login form


def test_an_anonymous_visitor_goes_to_the_app_login(db):
    response = Client().get("/admin/accounts/role/")
    assert response.status_code == 302 and response["Location"] == "/ingresar/?next=/admin/accounts/role/"
    response = Client().get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"] == "/ingresar/?next=/admin/"


def test_staff_still_reach_the_admin(users, client_as):
    web = client_as(users["Administrador"])
    assert web.get("/admin/accounts/role/").status_code == 200
    assert web.get("/admin/login/").status_code == 302  # already signed in: on to the index

"""Upload jobs are their uploader's: list, page, error report and confirmation answer 404 to
other users, except to a role that administers the catalogue (company-wide with its edit grant)."""

import pytest
from django.core.files.base import ContentFile

from bulk.models import ImportJob

pytestmark = pytest.mark.django_db


def _job(owner, status="validated", catalogue="clientes"):
    job = ImportJob(catalogue=catalogue, file_name=f"{owner.username}.csv", uploaded_by=owner, status=status)
    job.file.save("x.csv", ContentFile(b"a"), save=False)
    job.error_report.save("e.xlsx", ContentFile(b"rows of someone else"), save=False)
    job.save()
    return job


def _urls(job):
    base = f"/cargas/{job.catalogue}/{job.public_id}/"
    return {"page": base, "errors": base + "errores.xlsx"}


def test_a_rep_neither_lists_nor_opens_nor_confirms_an_admins_job(users, client_as):
    admins = _job(users["Administrador"])
    own = _job(users["Vendedor"])
    rep = client_as(users["Vendedor"])
    listing = rep.get("/cargas/clientes/").content.decode()
    assert own.file_name in listing and admins.file_name not in listing
    for url in _urls(admins).values():
        assert rep.get(url).status_code == 404, url
    assert rep.post(_urls(admins)["page"] + "aplicar/").status_code == 404
    admins.refresh_from_db()
    assert admins.status == "validated" and admins.applied_by is None  # not confirmed
    for url in _urls(own).values():
        assert rep.get(url).status_code == 200, url


def test_another_rep_does_not_see_a_reps_job(users, make_user, client_as):
    own = _job(users["Vendedor"])
    other = client_as(make_user("vendedor2", "Vendedor"))
    assert own.file_name not in other.get("/cargas/clientes/").content.decode()
    assert other.get(_urls(own)["page"]).status_code == 404
    assert other.get(_urls(own)["errors"]).status_code == 404


@pytest.mark.parametrize("role_name", ["Administrador", "Supervisor"])
def test_who_administers_the_catalogue_sees_and_confirms_everyones_jobs(users, client_as, role_name,
                                                                         django_capture_on_commit_callbacks):
    job = _job(users["Vendedor"])
    c = client_as(users[role_name])
    assert job.file_name in c.get("/cargas/clientes/").content.decode()
    assert c.get(_urls(job)["errors"]).status_code == 200
    with django_capture_on_commit_callbacks(execute=False):
        assert c.post(_urls(job)["page"] + "aplicar/").status_code == 302
    job.refresh_from_db()
    assert job.status == "applying" and job.applied_by == users[role_name]


def test_a_company_wide_role_without_edit_does_not_administer(users, roles, client_as):
    from accounts.models import RolePermission

    # Contador is company-wide; given clientes:create only, it may upload but sees only its own jobs.
    RolePermission.objects.get_or_create(role=roles["Contador"], module="clientes", action="create")
    job = _job(users["Vendedor"])
    c = client_as(users["Contador"])
    assert c.get(_urls(job)["page"]).status_code == 404

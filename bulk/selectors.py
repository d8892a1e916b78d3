"""Reads of upload jobs, with the rule of who may see them."""

from django.shortcuts import get_object_or_404

from bulk.models import ImportJob
from bulk.registry import GRANTS, MODULES
from core.modules import Action


def administers_catalogue(*, user, catalogue):
    """Whether ``user`` administers a catalogue's uploads: a company-wide role with the grant that
    edits the catalogue's records (``<module>:edit``; for payments the grant that records them).
    Such a user sees, downloads and confirms everyone's jobs of that catalogue; anyone else only
    their own. An uploaded file holds the raw rows of someone's data (and its error report repeats
    them), and confirming applies it: a job is its uploader's unless the viewer may already change
    every record it could touch."""
    module = MODULES.get(catalogue)
    if module is None or not (user.is_authenticated and user.company_wide):
        return False
    return user.can(*GRANTS.get(catalogue, (module, Action.EDIT)))


def jobs_for_user(*, user, catalogue):
    qs = ImportJob.objects.filter(catalogue=catalogue).select_related("uploaded_by")
    if administers_catalogue(user=user, catalogue=catalogue):
        return qs
    return qs.filter(uploaded_by_id=user.pk)


def job_get_for_user(*, user, catalogue, public_id):
    """The job, or 404 when it is not the user's to see (the same answer as a job that does not exist)."""
    return get_object_or_404(jobs_for_user(user=user, catalogue=catalogue), public_id=public_id)

"""Access to the views shared by every catalogue (upload, template, jobs): the grant comes from
the catalogue named in the URL (bulk.registry)."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404

from bulk.registry import GRANTS, MODULES
from core.access import _mark


def catalogue_module_required(action):
    """Like module_required, for views shared by several catalogues: the module comes from the
    ``catalogue`` URL argument (see bulk.registry.MODULES); an unknown catalogue is a 404."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            module = MODULES.get(kwargs.get("catalogue"))
            if module is None:
                raise Http404
            grant = GRANTS.get(kwargs.get("catalogue"), (module, action))
            if not request.user.can(*grant):
                raise PermissionDenied(":".join(map(str, grant)))
            return view(request, *args, **kwargs)

        return _mark(wrapper, access="module", required_module="catalogue", required_action=str(action))

    return decorator

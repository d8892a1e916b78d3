"""Who may open which URL (the bottom layer: the user answers ``can(module, action)``).

Every view declares its access with one of three decorators, and the role × URL test walks the
URL configuration and refuses any view that declares none:

- ``public_view``: anyone (login, password reset);
- ``authenticated_view``: any signed-in user (home, password change);
- ``module_required(module, action)``: a signed-in user whose role grants that module and action.
  Others get 403 (never 500); anonymous visitors go to the login page.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from core.modules import Action


def _mark(view, **attrs):
    for key, value in attrs.items():
        setattr(view, key, value)
    return view


def public_view(view):
    return _mark(view, access="public")


def authenticated_view(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return _mark(wrapper, access="authenticated")


def module_required(module, action=Action.VIEW):
    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not request.user.can(module, action):
                raise PermissionDenied(f"{module}:{action}")
            return view(request, *args, **kwargs)

        return _mark(wrapper, access="module", required_module=str(module), required_action=str(action))

    return decorator


def view_access(view):
    """The access a resolved view declares: (kind, module, action), or None if undeclared."""
    target = getattr(view, "view_class", None) or view
    kind = getattr(view, "access", None) or getattr(target, "access", None)
    if kind is None:
        return None
    return kind, getattr(view, "required_module", None), getattr(view, "required_action", None)

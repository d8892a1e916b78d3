"""What a key may call: the view's grant (module, action) checked against the key's role, as
core.access.module_required does for pages. A view names its grant per HTTP method in
``grants`` ({"GET": (module, action), ...}); a method it does not name is refused."""

from rest_framework import permissions


class KeyGrant(permissions.BasePermission):
    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated and request.auth is not None):
            return False
        grants = getattr(view, "grants", None)
        if grants is None:
            return False  # a view that declares nothing is closed
        wanted = grants.get(request.method) or (grants.get("GET") if request.method in ("HEAD", "OPTIONS") else None)
        if wanted is None:
            return False
        if wanted == "any":
            return True
        module, action = wanted
        return user.can(module, action)

from django.urls import NoReverseMatch, reverse

from accounts.modules import Module, module_page


def navigation(request):
    """The menu: the modules the user's role grants, in product order."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_modules": []}
    granted = user.modules()
    items = []
    for module in Module:
        if module.value not in granted:
            continue
        meta = module_page(module)
        try:
            url = reverse(meta["url"]) if meta["url"] else None
        except NoReverseMatch:
            url = None
        items.append({"key": module.value, "label": module.label, "icon": meta["icon"], "url": url,
                      "active": bool(url) and request.path.startswith(url)})
    return {"nav_modules": items}

from django.urls import NoReverseMatch, reverse

from accounts.modules import Module, module_page, nav_entries


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
    # The apps' own entries (accounts.modules.register_nav_entry), after the modules.
    entries = []
    for entry in nav_entries(user):
        try:
            url = reverse(entry["url"])
        except NoReverseMatch:
            continue
        entries.append({"key": entry["url"].replace(":", "-"), "label": entry["label"], "icon": entry["icon"],
                        "url": url, "active": request.path.startswith(url)})
    return {"nav_modules": items, "nav_entries": entries}

"""Extension points of the document stack (DESIGN.md, "Layers"): an app above dte subscribes
here from its ``AppConfig.ready()`` instead of dte importing it. Each registry is a plain
module-level list with a ``register_*`` function that appends to it; dte calls what it holds."""

# --- transmission and offline scopes (dte.transmission) ---------------------------------------

# fn(scope_id): after the commit that opened an offline scope (dte.OfflineScope).
scope_opened = []
# fn(scope_id): after the commit that ended one.
scope_ended = []
# fn(scope_id): documents of an ended scope wait to be reported to MH (contingency's catch-up).
catch_up_wanted = []
# fn() -> {kind: TextChoices}: state words of models above dte, for dte.labels.state_label.
state_label_kinds = []
# fn(document) -> bool: MH was told of this offline document (a contingency event lists it).
reported_checks = []
# fn(document) -> dict: more for the document's page (the contingency event and lot it is in).
document_context = []


def register_scope_opened(fn):
    scope_opened.append(fn)
    return fn


def register_scope_ended(fn):
    scope_ended.append(fn)
    return fn


def register_catch_up_wanted(fn):
    catch_up_wanted.append(fn)
    return fn


def register_state_label_kinds(fn):
    state_label_kinds.append(fn)
    return fn


def register_reported_check(fn):
    reported_checks.append(fn)
    return fn


def register_document_context(fn):
    document_context.append(fn)
    return fn

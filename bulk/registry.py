"""The catalogues that can be uploaded, by URL name. Each app registers its upload specs
(``*/uploads.py``) in its AppConfig.ready(), so bulk names none of the apps above it."""

_specs = {}

# The module whose grants decide who may upload each catalogue (the spec's own module).
MODULES = {}

# Catalogues whose pages need another grant than <module>:<action>: payments are uploaded by
# whoever may record them (payments.services._require).
GRANTS = {}


def register_upload(spec, *, grant=None):
    """Make ``spec`` (a bulk.engine.Spec) uploadable at /cargas/<spec.name>/. ``grant``: the
    (module, action) its pages need, when not the spec's module with the page's own action."""
    _specs[spec.name] = spec
    MODULES[spec.name] = str(spec.module)
    if grant is not None:
        GRANTS[spec.name] = (str(grant[0]), str(grant[1]))


def get_spec(name):
    return _specs[name]  # an unknown catalogue: KeyError

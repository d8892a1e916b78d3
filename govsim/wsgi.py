import os

from django.core.wsgi import get_wsgi_application

os.environ["DJANGO_SETTINGS_MODULE"] = "govsim.settings"
application = get_wsgi_application()

# Compile the schemas when the worker starts, not on its first request.
from govsim import schemas  # noqa: E402

schemas.validators()

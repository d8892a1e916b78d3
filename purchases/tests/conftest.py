from dte.tests.conftest import parties  # noqa: F401

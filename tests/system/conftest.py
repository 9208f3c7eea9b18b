"""Fixtures shared by the system tests."""
from test_threads import restore_threads  # noqa: F401  (a fixture: pytest finds it by name here)

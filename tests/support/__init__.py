"""Helpers shared by tests (importable as `support` because tests/ is on sys.path)."""

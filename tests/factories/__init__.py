"""Builders shared by the test modules (frozen sites, hand-built stores, PDF and browser helpers).

Test modules import from here, never from each other; fixtures that wrap these builders live in
tests/conftest.py. tests/ is on sys.path under pytest (rootdir-relative imports, no package), so
`from factories.crawl import crawl_plan` works from any test module.
"""

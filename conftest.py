"""Project-wide pytest configuration.

The end-to-end fixtures (a real Chromium against the live server, `page`, `nojs_page`) and the
axe-core accessibility check (`axe`) live in atelier.core.testing; see their docstrings.
"""

pytest_plugins = ["atelier.core.testing.browser", "atelier.core.testing.axe"]

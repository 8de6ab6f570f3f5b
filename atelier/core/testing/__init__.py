"""Test helpers shared by every app: the real-browser fixtures (`browser`) and the axe-core
accessibility check (`axe`). Both are pytest plugins loaded by the root conftest.py."""

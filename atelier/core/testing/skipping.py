"""What an end-to-end test does when it cannot run: skipped on a developer's machine, failed in
CI (CI=true), where a missing browser or axe-core is a broken setup, not a reason to pass."""

import os

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def e2e_skip_or_fail(reason: str) -> None:
    """Skip (developer machine) or fail (CI) an end-to-end test that cannot run."""
    if in_ci():
        pytest.fail(f"CI=true : {reason}", pytrace=False)
    pytest.skip(reason)

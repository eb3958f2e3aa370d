"""Fixtures shared by the package tests (fast mode itself is set by the root conftest.py)."""

import pytest


@pytest.fixture(autouse=True, scope="session")
def _isolated_cache(tmp_path_factory):
    """Generated datasets go to a cache folder of this test session, never the user's own."""
    mp = pytest.MonkeyPatch()
    mp.setenv("VAEGAN_EDU_CACHE", str(tmp_path_factory.mktemp("vaegan_edu_cache")))
    yield
    mp.undo()

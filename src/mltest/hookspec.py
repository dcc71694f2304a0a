"""The hooks mltest offers to plugins and ``conftest.py`` files.

A plugin adds a kind of check by returning ``Checker`` objects from
``pytest_mltest_checkers``; objects registered for that kind with
``@mltest.register(kind_name, ...)`` then get ``pytest --mltest`` items, one per property,
with no edit to mltest. mltest's own kinds arrive through the same hook.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from mltest.checker import Checker


@pytest.hookspec
def pytest_mltest_checkers(config: pytest.Config) -> list[Checker]:
    """Return the ``mltest.checker.Checker`` objects this plugin adds (possibly none).

    Called once per session when ``--mltest`` is given. Two kinds with the same ``name``
    are a usage error. Import heavy modules inside the hook, not at the plugin's top, so a
    pytest run without ``--mltest`` pays nothing for them.
    """
    raise NotImplementedError  # a hook specification: pluggy never calls this body

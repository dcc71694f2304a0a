"""mltest: tests that make ML code do what its authors think it does.

The public names are re-exported here lazily, so that importing the pytest plugin (which
lives in this package) costs a pytest run without ``--mltest`` nothing measurable.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from mltest._version import __version__ as __version__

if TYPE_CHECKING:
    from mltest import analysis as analysis
    from mltest import data as data
    from mltest import deploy as deploy
    from mltest import monitor as monitor
    from mltest import perf as perf
    from mltest import strategies as strategies
    from mltest.analysis.model import check_model as check_model
    from mltest.checker import Checker as Checker
    from mltest.checker import PropertyChecker as PropertyChecker
    from mltest.errors import CheckFailure as CheckFailure
    from mltest.errors import UsageError as UsageError
    from mltest.parity import assert_equivalent as assert_equivalent
    from mltest.parity import assert_matches_float64 as assert_matches_float64
    from mltest.parity import assert_parity as assert_parity
    from mltest.parity import check_equivalent as check_equivalent
    from mltest.parity import check_matches_float64 as check_matches_float64
    from mltest.parity import check_parity as check_parity
    from mltest.properties.loss import check_loss as check_loss
    from mltest.properties.metric import check_metric as check_metric
    from mltest.properties.transformer import check_transformer as check_transformer
    from mltest.registry import loss as loss
    from mltest.registry import metric as metric
    from mltest.registry import model as model
    from mltest.registry import register as register
    from mltest.registry import reproducible as reproducible
    from mltest.registry import transformer as transformer
    from mltest.report import PropertyResult as PropertyResult
    from mltest.report import Report as Report
    from mltest.repro import assert_reproducible as assert_reproducible
    from mltest.repro import check_reproducible as check_reproducible
    from mltest.repro import deterministic as deterministic
    from mltest.repro import seed_everything as seed_everything

_EXPORTS = {
    "Checker": "mltest.checker",
    "PropertyChecker": "mltest.checker",
    "assert_equivalent": "mltest.parity",
    "assert_matches_float64": "mltest.parity",
    "assert_parity": "mltest.parity",
    "check_equivalent": "mltest.parity",
    "check_matches_float64": "mltest.parity",
    "check_parity": "mltest.parity",
    "assert_reproducible": "mltest.repro",
    "check_reproducible": "mltest.repro",
    "deterministic": "mltest.repro",
    "seed_everything": "mltest.repro",
    "reproducible": "mltest.registry",
    "CheckFailure": "mltest.errors",
    "UsageError": "mltest.errors",
    "PropertyResult": "mltest.report",
    "Report": "mltest.report",
    "check_loss": "mltest.properties.loss",
    "check_model": "mltest.analysis.model",
    "check_metric": "mltest.properties.metric",
    "check_transformer": "mltest.properties.transformer",
    "loss": "mltest.registry",
    "metric": "mltest.registry",
    "model": "mltest.registry",
    "register": "mltest.registry",
    "transformer": "mltest.registry",
}
_SUBMODULES = ("strategies", "perf", "compare", "data", "monitor", "analysis", "deploy")

__all__ = sorted([*_EXPORTS, *_SUBMODULES, "__version__"])


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"mltest.{name}")
    else:
        raise AttributeError(f"module 'mltest' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__

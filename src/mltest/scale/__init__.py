"""Scale-out: the checks of ``mltest.data`` and ``mltest.monitor`` on frames too big for one
machine's memory, run by the engine that holds them. Dask DataFrames are supported
(``pip install 'pytest-mltest[dask]'``): validation and profiles scan each partition where it
lies with the very code that checks a pandas frame, and add the partitions' results up, so
verdicts, failing-row counts and example rows are those of the same data in pandas. Spark
DataFrames (``pip install 'pytest-mltest[spark]'``): validation (each rule a Spark column
expression, all counted in one aggregation), profiles and drift (the pandas profile code
on the executors), source and join checks (Spark queries), replay (the model on the
executors). See
``docs/scale.md``.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from mltest.errors import UsageError


def engine_name(df: Any) -> str | None:
    """``"dask"`` or ``"spark"`` for a frame of that engine, None otherwise (found from its
    class's module: neither engine is imported)."""
    root = type(df).__module__.split(".")[0]
    if root in ("dask", "dask_expr"):
        return "dask"
    return "spark" if root == "pyspark" else None


def is_distributed(df: Any) -> bool:
    """Whether ``df`` is a frame of a distributed engine (Dask or Spark)."""
    return engine_name(df) is not None


def engine_of(df: Any, message: str) -> ModuleType:
    """The engine module for ``df`` (``mltest.scale._dask`` or ``._spark``), or
    ``UsageError(message)`` where it is no frame mltest can scale out to."""
    name = engine_name(df)
    if name == "dask":
        try:
            import dask.dataframe  # noqa: F401
        except ImportError:  # pragma: no cover - a Dask frame without dask.dataframe
            raise UsageError(
                f"{message}: Dask frames need dask[dataframe] (pip install 'pytest-mltest[dask]')"
            ) from None
        from mltest.scale import _dask

        return _dask
    if name == "spark":
        from mltest.scale import _spark

        return _spark
    raise UsageError(message)

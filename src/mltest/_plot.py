"""What every plot shares: matplotlib, imported when a plot is drawn (the ``report``
extra), and the colours."""

from __future__ import annotations

from typing import Any

from mltest.errors import UsageError

REFERENCE, CURRENT, ALERT = "#4c72b0", "#dd8452", "#c44e52"


def pyplot() -> Any:
    """``matplotlib.pyplot`` on a backend that needs no display, or a ``UsageError``
    saying which extra to install."""
    try:
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
    except ImportError:
        raise UsageError("plots need matplotlib (pip install 'pytest-mltest[report]')") from None
    return plt

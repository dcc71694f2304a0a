"""The version of pytest-mltest (read by the build backend and ``mltest.__version__``)."""

__version__ = "0.2.0"

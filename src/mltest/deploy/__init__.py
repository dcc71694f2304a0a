"""Deployment: serve a model over real HTTP, load-test it, control and audit access.

``serve`` runs a model behind the Open Inference Protocol V2 and ``/predict`` with bearer
tokens, Prometheus metrics and an audit log; ``load_test`` measures an endpoint under an
open or closed model of traffic and judges it against thresholds; ``capture_environment``
and ``check_portable`` tell whether what runs here runs elsewhere. See ``docs/deploy.md``.
"""

from mltest.deploy.auth import SCOPES, Tokens
from mltest.deploy.environment import (
    Difference,
    capture_environment,
    diff_environments,
    load_environment,
    save_environment,
)
from mltest.deploy.load import assert_load, load_test
from mltest.deploy.plots import plot_latency
from mltest.deploy.portable import check_portable
from mltest.deploy.server import Server, serve

__all__ = [
    "SCOPES",
    "Difference",
    "Server",
    "Tokens",
    "assert_load",
    "capture_environment",
    "check_portable",
    "diff_environments",
    "load_environment",
    "load_test",
    "plot_latency",
    "save_environment",
    "serve",
]

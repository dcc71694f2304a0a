"""Deployment: serve a model over real HTTP, load-test it, control and audit access.

``serve`` runs a model behind the Open Inference Protocol V2 and ``/predict`` with bearer
tokens, Prometheus metrics and an audit log; ``load_test`` measures an endpoint under an
open or closed model of traffic and judges it against thresholds. See ``docs/deploy.md``.
"""

from mltest.deploy.auth import SCOPES, Tokens
from mltest.deploy.load import assert_load, load_test
from mltest.deploy.server import Server, serve

__all__ = ["SCOPES", "Server", "Tokens", "assert_load", "load_test", "serve"]

"""Bare starlette apps the deploy benchmarks run under uvicorn in a subprocess: a no-op
endpoint (``/``) and one that burns 2 ms of CPU (``/work``)."""

import time

from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route


async def noop(request):
    return Response(b"ok", media_type="text/plain")


async def work(request):
    end = time.perf_counter() + 0.002
    while time.perf_counter() < end:
        pass
    return Response(b"ok", media_type="text/plain")


app = Starlette(routes=[Route("/", noop), Route("/work", work)])

"""A pytest-xdist scheduler that keeps each registered object's items on one worker.

Imported only under ``pytest --mltest -n N``. It is xdist's ``loadscope`` scheduling
(a scope is handed to one worker whole) with finer scopes: an item whose node id has a
class-level parent (``file.py::Object::property``, which every ``--mltest`` item has) is
grouped with its siblings; any other test is a scope of its own, as with ``--dist load``.
"""

from __future__ import annotations

from xdist.scheduler import LoadScopeScheduling


def object_scope(nodeid: str) -> str:
    """The scope of a node id: its parent for ``a.py::Obj::item``, itself otherwise.

    ``::`` inside a parametrisation id (``a.py::test[x::y]``) does not count.
    """
    base = nodeid.split("[", 1)[0]
    if base.count("::") >= 2:
        return nodeid[: base.rindex("::")]
    return nodeid


class ObjectScheduling(LoadScopeScheduling):
    """``loadscope`` with ``object_scope`` as the scope."""

    def _split_scope(self, nodeid: str) -> str:
        return object_scope(nodeid)

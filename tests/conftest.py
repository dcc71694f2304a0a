import warnings

import pytest


@pytest.fixture(autouse=True)
def _quiet_sklearn():
    # scikit-learn warns about convergence and tiny data on generated inputs; the checks
    # silence warnings themselves, the tests' own fits should not clutter the output
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


# the longest integration tests first, so that pytest-xdist does not leave one worker
# running a 30-second test alone at the end (`pytest -n 2 -m slow --dist loadfile`)
_FIRST = ("tests/scale/test_spark.py", "tests/test_lifecycle_gate.py", "tests/deploy/")


def pytest_collection_modifyitems(items):
    def rank(item):
        path = item.nodeid.split("::")[0]
        if item.get_closest_marker("slow") is None:
            return len(_FIRST) + 1
        return next((i for i, p in enumerate(_FIRST) if path.startswith(p)), len(_FIRST))

    items.sort(key=rank)  # stable: the order within a rank is pytest's

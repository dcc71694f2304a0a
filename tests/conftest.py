import warnings

import pytest


@pytest.fixture(autouse=True)
def _quiet_sklearn():
    # scikit-learn warns about convergence and tiny data on generated inputs; the checks
    # silence warnings themselves, the tests' own fits should not clutter the output
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield

"""Tally of the scikit-learn transformer sweep: how many transformers and property
verdicts ran. Run: python benchmarks/sweep_tally.py
"""

import collections
import sys
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

warnings.simplefilter("ignore")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' declaration tables


def run(name):
    import warnings

    warnings.simplefilter("ignore")
    from sklearn.utils import all_estimators
    from tests.properties.test_transformer_sklearn import DECLARED

    import mltest

    cls = dict(all_estimators(type_filter="transformer"))[name]
    opts, _ = DECLARED.get(name, ({}, ""))
    r = mltest.check_transformer(cls(), raise_on_failure=False, **{"max_examples": 15, **opts})
    return name, [(x.name, x.status) for x in r.results]


if __name__ == "__main__":
    from sklearn.utils import all_estimators
    from tests.properties.test_transformer_sklearn import DECLARED, EXCLUDED

    names = [n for n, _ in all_estimators(type_filter="transformer") if n not in EXCLUDED]
    with ProcessPoolExecutor(2) as ex:
        results = list(ex.map(run, names))
    c = collections.Counter(s for _, rs in results for _, s in rs)
    declared_skips = sum(len(DECLARED.get(n, ({}, ""))[0].get("skip", ())) for n in names)
    print(
        "total transformers",
        len(all_estimators(type_filter="transformer")),
        "excluded",
        len(EXCLUDED),
        "checked",
        len(names),
    )
    print("property verdicts", dict(c), "declared skips", declared_skips)
    bad = [(n, p, s) for n, rs in results for p, s in rs if s in ("failed", "error")]
    print("failures", bad)

"""The scikit-learn transformer sweep, tallied, and its declarations as the tables of
docs/sklearn-sweep.md.

Run: python benchmarks/sweep_tally.py [--seed N] [--markdown]
"""

from __future__ import annotations

import collections
import sys
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

warnings.simplefilter("ignore")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' declaration tables


def run(job: tuple[str, int | None]) -> tuple[str, list[tuple[str, str]]]:
    import warnings

    warnings.simplefilter("ignore")
    from sklearn.utils import all_estimators
    from tests.properties.sweep import Declaration
    from tests.properties.test_transformer_sklearn import DECLARED, _built

    import mltest

    name, seed = job
    declaration = DECLARED.get(name, Declaration())
    make = _built(name) or dict(all_estimators(type_filter="transformer"))[name]
    options = {"max_examples": 15, "max_seconds": 20, "seed": seed, **declaration.check_options()}
    report = mltest.check_transformer(make(), raise_on_failure=False, **options)
    return name, [(r.name, r.status) for r in report.results]


def markdown() -> str:
    from tests.properties.test_transformer_sklearn import DECLARED, EXCLUDED, _built

    rows = ["| transformer | why |", "|---|---|"]
    rows += [f"| `{name}` | {why} |" for name, why in EXCLUDED.items()]
    out = ["## Excluded", "", *rows, "", "## Built with arguments", ""]
    out += ["| transformer | built as |", "|---|---|"]
    from sklearn.utils import all_estimators

    for name, _ in all_estimators(type_filter="transformer"):
        make = _built(name)
        if make is not None:
            out.append(f"| `{name}` | `{' '.join(repr(make()).split())}` |")
    out += ["", "## Declarations", ""]
    out += ["| transformer | declared | cause |", "|---|---|---|"]
    for name, d in sorted(DECLARED.items()):
        if d.options:
            shown = ", ".join(f"`{k}=`" for k in d.options)
            out.append(f"| `{name}` | {shown} | {d.why} |")
        for prop, why in d.skip.items():
            out.append(f"| `{name}` | skip `{prop}` | {why} |")
        for prop, defect in d.known.items():
            out.append(f"| `{name}` | known defect in `{prop}` | `{defect.reproducer}` |")
        for defect in d.known_anywhere:
            out.append(f"| `{name}` | known defect (any property) | `{defect.reproducer}` |")
    return "\n".join(out)


if __name__ == "__main__":
    if "--markdown" in sys.argv:
        print(markdown())
        sys.exit(0)
    from sklearn.experimental import enable_iterative_imputer  # noqa: F401
    from sklearn.utils import all_estimators
    from tests.properties.test_transformer_sklearn import DECLARED, EXCLUDED

    seed = int(sys.argv[sys.argv.index("--seed") + 1]) if "--seed" in sys.argv else None
    names = [n for n, _ in all_estimators(type_filter="transformer") if n not in EXCLUDED]
    with ProcessPoolExecutor(2) as ex:
        results = list(ex.map(run, [(n, seed) for n in names]))
    counts = collections.Counter(s for _, rs in results for _, s in rs)
    declared = sum(len(DECLARED[n].skip) for n in names if n in DECLARED)
    known = sum(len(DECLARED[n].known) for n in names if n in DECLARED)
    print(
        f"transformers {len(all_estimators(type_filter='transformer'))}, "
        f"excluded {len(EXCLUDED)}, "
        f"checked {len(names)}; verdicts {dict(counts)}; skips declared {declared}, "
        f"known defects declared {known}"
    )
    failed = [(n, p) for n, rs in results for p, s in rs if s in ("failed", "error")]
    print("failed (each must be a known defect):", failed)

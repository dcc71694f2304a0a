"""``report.html``: one self-contained page, nothing fetched from the network, from
``report.json``'s data: a summary per stage first, then the plots the checks drew, every
failure with its minimal counterexample and figures, then every check in a table."""

from __future__ import annotations

import html
import json
from typing import Any

from mltest.report import STAGES

_STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 72em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; }
table { border-collapse: collapse; width: 100%; margin: 0.5em 0; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3em 0.6em; text-align: left;
  vertical-align: top; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.failed { color: #b22; font-weight: 600; } .passed { color: #276; }
.skipped, .inconclusive { color: #865; }
pre { background: #f6f6f6; padding: 0.6em; overflow-x: auto; white-space: pre-wrap; }
.bar { display: inline-block; height: 0.8em; }
img.plot { max-width: 100%; border: 1px solid #eee; }
"""
# Inline, nothing fetched: once the page has loaded, the title says how many plots decoded
# to a non-empty image (what the headless-browser test reads).
_CHECK = (
    "window.addEventListener('load',function(){var i=document.querySelectorAll('img.plot'),"
    "n=0;for(var k=0;k<i.length;k++){if(i[k].naturalWidth>0&&i[k].naturalHeight>0){n++;}}"
    "document.title='mltest report: '+n+' of '+i.length+' plots rendered';});"
)
_COLOURS = {"passed": "#4c9a6a", "failed": "#c44e52", "skipped": "#bbb", "inconclusive": "#dd8452"}


def render(data: dict[str, Any]) -> str:
    e = html.escape
    env = data.get("environment", {})
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<title>mltest report</title>",
        f"<style>{_STYLE}</style></head><body>",
        "<h1>mltest report</h1>",
        f"<p>{e(str(data.get('created', '')))} · Python {e(str(env.get('python', '')))} · "
        f"{e(str(env.get('platform', '')))}</p>",
        "<h2>Stages</h2><table><tr><th>stage</th><th>passed</th><th>failed</th>"
        "<th>skipped</th><th>inconclusive</th><th></th></tr>",
    ]
    for stage in STAGES:
        counts = data["stages"].get(stage)
        if counts is None:
            continue
        total = max(sum(counts.values()), 1)
        bar = "".join(
            f"<span class='bar' style='width:{12 * counts[s] / total:.2f}em;"
            f"background:{_COLOURS[s]}' title='{s}'></span>"
            for s in ("passed", "failed", "inconclusive", "skipped")
        )
        cells = "".join(
            f"<td class='n'>{counts[s]}</td>"
            for s in ("passed", "failed", "skipped", "inconclusive")
        )
        mark = "failed" if counts["failed"] else "passed"
        parts.append(f"<tr><td class='{mark}'>{e(stage)}</td>{cells}<td>{bar}</td></tr>")
    parts.append("</table>")
    plots = [
        (check, inner)
        for check in data["checks"]
        for inner in (check.get("figures") or {}).get("checks", [])
        if isinstance(inner, dict) and str(inner.get("plot") or "").startswith("data:image/png")
    ]
    if plots:
        parts.append("<h2>Plots</h2>")
        for check, inner in plots:
            parts.append(
                f"<figure><img class='plot' alt='{e(str(inner.get('subject')))}' "
                f"src='{inner['plot']}'><figcaption>{e(check['stage'])}: "
                f"{e(str(inner.get('subject')))} ({e(check['nodeid'])})</figcaption></figure>"
            )
    failures = [c for c in data["checks"] if c["status"] == "failed"]
    parts.append(f"<h2>Failures ({len(failures)})</h2>")
    for check in failures:
        parts.append(
            f"<h3 class='failed'>{e(check['stage'])}: {e(str(check['object']))} · "
            f"{e(str(check['property']))}</h3><p><code>{e(check['nodeid'])}</code></p>"
            f"<pre>{e(str(check['message']))}</pre>"
        )
        if check.get("counterexample") is not None:
            shown = json.dumps(check["counterexample"], indent=1, default=str)[:4000]
            parts.append(f"<p>Minimal counterexample:</p><pre>{e(shown)}</pre>")
        figures = {
            k: v
            for k, v in (check.get("figures") or {}).items()
            if not isinstance(v, (list, dict))
        }
        if figures:
            rows = "".join(
                f"<tr><td>{e(str(k))}</td><td>{e(str(v))}</td></tr>" for k, v in figures.items()
            )
            parts.append(f"<table>{rows}</table>")
    parts.append(
        "<h2>Every check</h2><table><tr><th>stage</th><th>check</th><th>status</th>"
        "<th>seconds</th></tr>"
    )
    for check in data["checks"]:
        parts.append(
            f"<tr><td>{e(check['stage'])}</td><td><code>{e(check['nodeid'])}</code></td>"
            f"<td class='{e(check['status'])}'>{e(check['status'])}</td>"
            f"<td class='n'>{check['seconds']:.3f}</td></tr>"
        )
    parts.append(f"</table><script>{_CHECK}</script></body></html>\n")
    return "".join(parts)

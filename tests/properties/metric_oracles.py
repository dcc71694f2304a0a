"""Independent numpy implementations of scikit-learn's metrics, written from the
definitions (and scikit-learn's documented conventions for undefined cases), to serve as
``reference=`` in the metric sweep: a metric checked against itself proves nothing about
``matches_reference``."""

from __future__ import annotations

import numpy as np

EPS = np.finfo(np.float64).eps


def _w(y, sample_weight):
    return np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, float)


def _confusion(y_true, y_pred, sample_weight=None):
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    labels = np.unique(np.concatenate([y_true, y_pred]))
    index = {v: i for i, v in enumerate(labels.tolist())}
    cm = np.zeros((len(labels), len(labels)))
    for t, p, w in zip(y_true.tolist(), y_pred.tolist(), _w(y_true, sample_weight), strict=True):
        cm[index[t], index[p]] += w
    return labels, cm


def _divide(a, b):
    return a / b if b else 0.0  # scikit-learn's zero_division="warn" gives 0.0


def accuracy(y_true, y_pred, sample_weight=None):
    hits = np.asarray(y_true) == np.asarray(y_pred)
    return float(np.average(hits, weights=_w(hits, sample_weight)))


def balanced_accuracy(y_true, y_pred, sample_weight=None):
    _, cm = _confusion(y_true, y_pred, sample_weight)
    support = cm.sum(axis=1)
    present = support > 0
    return float(np.mean(np.diag(cm)[present] / support[present]))


def _binary_counts(y_true, y_pred, sample_weight):
    y_true, y_pred = np.asarray(y_true) == 1, np.asarray(y_pred) == 1
    w = _w(y_true, sample_weight)
    return w[y_true & y_pred].sum(), w[~y_true & y_pred].sum(), w[y_true & ~y_pred].sum()


def precision(y_true, y_pred, sample_weight=None):
    tp, fp, _ = _binary_counts(y_true, y_pred, sample_weight)
    return float(_divide(tp, tp + fp))


def recall(y_true, y_pred, sample_weight=None):
    tp, _, fn = _binary_counts(y_true, y_pred, sample_weight)
    return float(_divide(tp, tp + fn))


def f1(y_true, y_pred, sample_weight=None):
    tp, fp, fn = _binary_counts(y_true, y_pred, sample_weight)
    return float(_divide(2 * tp, 2 * tp + fp + fn))


def f1_macro(y_true, y_pred, sample_weight=None):
    _, cm = _confusion(y_true, y_pred, sample_weight)
    tp = np.diag(cm)
    fp, fn = cm.sum(axis=0) - tp, cm.sum(axis=1) - tp
    return float(
        np.mean([_divide(2 * a, 2 * a + b + c) for a, b, c in zip(tp, fp, fn, strict=True)])
    )


def mcc(y_true, y_pred, sample_weight=None):
    _, cm = _confusion(y_true, y_pred, sample_weight)
    t, p, c, s = cm.sum(axis=1), cm.sum(axis=0), np.trace(cm), cm.sum()
    cov_ytyp = c * s - t @ p
    cov_ypyp, cov_ytyt = s**2 - p @ p, s**2 - t @ t
    return float(_divide(cov_ytyp, np.sqrt(cov_ytyt * cov_ypyp)))


def kappa(y_true, y_pred, sample_weight=None):
    _, cm = _confusion(y_true, y_pred, sample_weight)
    total = cm.sum()
    observed = np.trace(cm) / total
    expected = (cm.sum(axis=1) @ cm.sum(axis=0)) / total**2
    return float((observed - expected) / (1 - expected)) if expected != 1 else float("nan")


def log_loss(y_true, y_proba, sample_weight=None, labels=None):
    y_true, proba = np.asarray(y_true), np.asarray(y_proba, float)
    if proba.ndim == 1:
        proba = np.column_stack([1 - proba, proba])
    classes = np.asarray(labels) if labels is not None else np.unique(y_true)
    if len(classes) != proba.shape[1]:
        raise ValueError("the probability columns do not match the classes")
    column = np.searchsorted(classes, y_true)
    p = np.clip(proba[np.arange(len(y_true)), column], EPS, 1 - EPS)
    return float(np.average(-np.log(p), weights=_w(p, sample_weight)))


def roc_auc(y_true, y_score, sample_weight=None):
    y_true, s = np.asarray(y_true) == 1, np.asarray(y_score, float)
    w = _w(s, sample_weight)
    pos, neg = s[y_true], s[~y_true]
    wp, wn = w[y_true], w[~y_true]
    if not len(pos) or not len(neg) or not wp.sum() or not wn.sum():
        raise ValueError("AUC is undefined with one class")
    wins = (pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])
    return float((wp[:, None] * wn[None, :] * wins).sum() / (wp.sum() * wn.sum()))


def average_precision(y_true, y_score, sample_weight=None):
    y_true, s = np.asarray(y_true) == 1, np.asarray(y_score, float)
    w = _w(s, sample_weight)
    if not w[y_true].sum():
        raise ValueError("average precision is undefined without positives")
    ap, recall_before = 0.0, 0.0
    for threshold in np.unique(s)[::-1]:
        chosen = s >= threshold
        tp, fp = w[chosen & y_true].sum(), w[chosen & ~y_true].sum()
        rec = tp / w[y_true].sum()
        ap += (rec - recall_before) * (tp / (tp + fp) if tp + fp else 0.0)
        recall_before = rec
    return float(ap)


def brier(y_true, y_proba, sample_weight=None):
    y_true, proba = np.asarray(y_true), np.asarray(y_proba, float)
    if proba.ndim == 1:
        proba = np.column_stack([1 - proba, proba])
    onehot = np.eye(proba.shape[1])[y_true.astype(int)]
    loss = np.average(((proba - onehot) ** 2).sum(axis=1), weights=_w(y_true, sample_weight))
    # scikit-learn halves the binary case (scale_by_half="auto"), so it lies in [0, 1]
    return float(loss / 2 if proba.shape[1] == 2 else loss)


def _errors(y_true, y_pred):
    return np.asarray(y_pred, float) - np.asarray(y_true, float)


def mae(y_true, y_pred, sample_weight=None):
    e = _errors(y_true, y_pred)
    return float(np.average(np.abs(e), weights=_w(e, sample_weight)))


def mse(y_true, y_pred, sample_weight=None):
    e = _errors(y_true, y_pred)
    return float(np.average(e**2, weights=_w(e, sample_weight)))


def rmse(y_true, y_pred, sample_weight=None):
    return float(np.sqrt(mse(y_true, y_pred, sample_weight)))


def median_ae(y_true, y_pred):
    return float(np.median(np.abs(_errors(y_true, y_pred))))


def _forced_finite(numerator, denominator):
    if denominator == 0:  # scikit-learn's force_finite: a perfect fit is 1, anything else 0
        return 1.0 if numerator == 0 else 0.0
    return float(1 - numerator / denominator)


def _two_rows(y):
    if len(y) < 2:
        raise ValueError("undefined for fewer than two samples")  # as scikit-learn says


def r2(y_true, y_pred, sample_weight=None):
    y = np.asarray(y_true, float)
    _two_rows(y)
    w = _w(y, sample_weight)
    mean = np.average(y, weights=w)
    return _forced_finite((w * _errors(y, y_pred) ** 2).sum(), (w * (y - mean) ** 2).sum())


def explained_variance(y_true, y_pred, sample_weight=None):
    y = np.asarray(y_true, float)
    _two_rows(y)
    w = _w(y, sample_weight)
    e = _errors(y, y_pred)
    var_e = np.average((e - np.average(e, weights=w)) ** 2, weights=w)
    var_y = np.average((y - np.average(y, weights=w)) ** 2, weights=w)
    return _forced_finite(var_e, var_y)


def max_error(y_true, y_pred):
    return float(np.max(np.abs(_errors(y_true, y_pred))))


def mape(y_true, y_pred, sample_weight=None):
    y = np.asarray(y_true, float)
    ratio = np.abs(_errors(y, y_pred)) / np.maximum(np.abs(y), EPS)
    return float(np.average(ratio, weights=_w(y, sample_weight)))

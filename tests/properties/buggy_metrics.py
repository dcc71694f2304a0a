"""Realistic buggy metrics, one bug class each."""

from __future__ import annotations

import numpy as np


def accuracy_percent(y_true, y_pred):
    """Reports percent although declared within (0, 1)."""
    return 100.0 * np.mean(np.asarray(y_true) == np.asarray(y_pred))


def f1_without_factor_two(y_true, y_pred):
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    tp = np.sum((y_true == 1) & (y_pred == 1))
    precision = tp / max(np.sum(y_pred == 1), 1)
    recall = tp / max(np.sum(y_true == 1), 1)
    return 0.0 if tp == 0 else precision * recall / (precision + recall)


def kappa_with_wrong_chance_term(y_true, y_pred):
    """Expected agreement from y_true's marginals only: asymmetric."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    labels = np.union1d(y_true, y_pred)
    observed = np.mean(y_true == y_pred)
    p_true = np.array([np.mean(y_true == c) for c in labels])
    p_pred = np.array([np.mean(y_pred == c) for c in labels])
    expected = np.sum(p_true * p_true) * 0.5 + np.sum(p_true * p_pred) * 0.5
    return 0.0 if expected == 1 else (observed - expected) / (1 - expected)


def auc_sorting_scores_only(y_true, y_score):
    """Sorts the scores but forgets to reorder the labels with them."""
    y_true = np.asarray(y_true)
    y_score = np.sort(np.asarray(y_score, dtype=float))[::-1]  # y_true not reordered
    tps = np.cumsum(y_true == 1)
    fps = np.cumsum(y_true != 1)
    tpr = np.r_[0, tps / max(tps[-1], 1)]
    fpr = np.r_[0, fps / max(fps[-1], 1)]
    del y_score
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))


def rmse_weighted_path_forgets_sqrt(y_true, y_pred, sample_weight=None):
    err = (np.asarray(y_true, dtype=float) - np.asarray(y_pred, dtype=float)) ** 2
    if sample_weight is None:
        return float(np.sqrt(err.mean()))
    return float(np.average(err, weights=sample_weight))


def mae_ignoring_weights(y_true, y_pred, sample_weight=None):
    return float(np.mean(np.abs(np.asarray(y_true, float) - np.asarray(y_pred, float))))


def accuracy_dividing_by_rows(y_true, y_pred, sample_weight=None):
    """Weighted accuracy divided by the number of rows instead of the total weight."""
    hits = np.asarray(y_true) == np.asarray(y_pred)
    if sample_weight is None:
        return float(hits.mean())
    return float(np.sum(np.asarray(sample_weight) * hits) / len(hits))


def balanced_accuracy_by_bincount(y_true, y_pred):
    """Indexes per-class counts by label value: assumes labels 0..k-1."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    hits = np.bincount(y_true[y_true == y_pred])
    totals = np.bincount(y_true)
    hits = np.pad(hits, (0, len(totals) - len(hits)))
    present = totals > 0
    return float(np.mean(hits[present] / totals[present]))


def accuracy_on_raw_containers(y_true, y_pred):
    """``y_true == y_pred`` on lists compares the whole lists."""
    return float(np.mean(y_true == y_pred))


def log_loss_clipping_in_place(y_true, y_prob):
    y_true = np.asarray(y_true).astype(int)
    np.clip(y_prob, 1e-15, 1 - 1e-15, out=y_prob)
    y_prob = y_prob / y_prob.sum(axis=1, keepdims=True)
    return float(-np.mean(np.log(y_prob[np.arange(len(y_true)), y_true])))


def auc_with_random_tie_breaking(y_true, y_score):
    y_true = np.asarray(y_true)
    y_score = np.asarray(y_score, float) + np.random.default_rng().normal(
        scale=1e-9, size=len(y_true)
    )
    pos, neg = y_score[y_true == 1], y_score[y_true != 1]
    return float(np.mean(pos[:, None] > neg[None, :]))


def r2_unguarded(y_true, y_pred):
    """1 - SS_res / SS_tot with no guard for a constant target: silent NaN or -inf."""
    y_true, y_pred = np.asarray(y_true, float), np.asarray(y_pred, float)
    with np.errstate(all="ignore"):
        return float(1 - np.sum((y_true - y_pred) ** 2) / np.sum((y_true - y_true.mean()) ** 2))


def mape_signed_denominator(y_true, y_pred, sample_weight=None):
    """Divides by y_true instead of |y_true|: negative targets give negative errors."""
    y_true, y_pred = np.asarray(y_true, float), np.asarray(y_pred, float)
    ratio = np.abs(y_pred - y_true) / np.where(y_true == 0, np.finfo(float).eps, y_true)
    return float(np.average(ratio, weights=sample_weight))


def balanced_accuracy_counting_in_label_dtype(y_true, y_pred):
    """Builds the confusion matrix in the labels' dtype: int8 counts wrap at 127."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    labels = np.union1d(y_true, y_pred)
    index = {label: i for i, label in enumerate(labels.tolist())}
    cm = np.zeros((len(labels), len(labels)), dtype=y_true.dtype)
    t = np.array([index[v] for v in y_true.tolist()])
    p = np.array([index[v] for v in y_pred.tolist()])
    np.add.at(cm, (t, p), 1)
    totals = cm.sum(axis=1, dtype=cm.dtype)
    present = totals > 0
    return float(np.mean(np.diag(cm)[present] / totals[present]))


def precision_by_python_division(y_true, y_pred):
    """Precision as written on a whiteboard: ZeroDivisionError when nothing is predicted
    positive, which any small batch can hit (scikit-learn returns 0 with a warning)."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    true_positives = int(np.sum((y_pred == 1) & (y_true == 1)))
    return true_positives / int(np.sum(y_pred == 1))


def mae_in_float32(y_true, y_pred):
    """Casts to float32 "to save memory": around 1e8 no digit of the error is left."""
    y_true = np.asarray(y_true, dtype=np.float32)
    y_pred = np.asarray(y_pred, dtype=np.float32)
    return float(np.mean(np.abs(y_true - y_pred)))


def max_error_in_input_dtype(y_true, y_pred):
    """The largest absolute error computed in the inputs' dtype: uint8 counts wrap
    (scikit-learn 1.9.1's max_error does this)."""
    return float(np.max(np.abs(np.asarray(y_true) - np.asarray(y_pred))))

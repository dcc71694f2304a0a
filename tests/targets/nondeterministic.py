"""Realistic functions whose output does or does not repeat (module-level, so that the
fresh-interpreter mode can import them)."""

from __future__ import annotations

import time

import numpy as np

CALLS = 0


def unseeded_generator():
    return np.random.default_rng().normal(size=4)


def time_dependent():
    return {"stamp": time.perf_counter_ns() % 1_000_003, "value": 1.0}


def module_counter():
    global CALLS
    CALLS += 1
    return np.arange(3) + CALLS


VOCAB = ["apple", "banana", "cherry", "damson", "elder", "fig", "grape", "hazel"]


def vocabulary_from_set():
    """Builds a token index from a set: its order depends on PYTHONHASHSEED."""
    return {token: i for i, token in enumerate(set(VOCAB))}


def torch_dropout_unseeded_generator():
    import torch

    gen = torch.Generator()
    gen.seed()  # seeded from the OS, not from the global seed
    mask = torch.bernoulli(torch.full((8,), 0.5), generator=gen)
    return torch.ones(8) * mask * 2


def seeded_sklearn_training():
    from sklearn.datasets import load_breast_cancer
    from sklearn.ensemble import RandomForestClassifier

    X, y = load_breast_cancer(return_X_y=True)
    return RandomForestClassifier(n_estimators=10, random_state=0).fit(X, y)


def globally_seeded_numpy():
    return np.random.rand(5)


def seeded_torch_training():
    import torch

    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    x, y = torch.randn(64, 4), torch.randn(64, 1)
    for _ in range(20):
        opt.zero_grad()
        torch.nn.functional.mse_loss(model(torch.nn.functional.dropout(x, 0.1)), y).backward()
        opt.step()
    return model.state_dict()

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import mltest
from mltest.parity import available_devices

torch = pytest.importorskip("torch")


def test_cpu_is_always_present(mltest_device):
    assert mltest_device in available_devices()
    assert torch.zeros(1, device=mltest_device).device.type == mltest_device.split(":")[0]


def test_absent_device_is_a_skip_with_reason():
    with pytest.raises(pytest.skip.Exception, match="not present"):
        mltest.assert_parity(torch.sin, torch.ones(3), devices=["cpu", "cuda:7"])


@pytest.mark.skipif(len(available_devices()) > 1, reason="an accelerator is present")
def test_cpu_only_machine_skips_parity():
    with pytest.raises(pytest.skip.Exception, match="needs two devices"):
        mltest.assert_parity(torch.sin, torch.ones(3))


def test_parity_compares_outputs_and_modules():
    model = torch.nn.Linear(3, 2)
    mltest.assert_parity(lambda m, x: m(x), model, torch.ones(4, 3), devices=["cpu", "cpu"])


def test_parity_failure_names_device_and_path():
    calls = iter([torch.zeros(3), torch.ones(3)])
    with pytest.raises(mltest.CheckFailure, match=r"cpu vs cpu: \['out'\]"):
        mltest.assert_parity(lambda x: {"out": next(calls)}, torch.ones(3), devices=["cpu", "cpu"])


def _naive_variance(x):
    return (x**2).mean() - x.mean() ** 2


def test_float64_reference_catches_cancellation():
    x = torch.tensor(np.random.default_rng(0).normal(1e4, 1.0, 1000), dtype=torch.float32)
    with pytest.raises(mltest.CheckFailure, match="float64"):
        mltest.assert_matches_float64(_naive_variance, x)
    mltest.assert_matches_float64(lambda t: t.var(unbiased=False), x)


def _np_mse(a, b):
    return float(np.mean((a - b) ** 2))


def _torch_mse(a, b):
    return float(torch.nn.functional.mse_loss(torch.as_tensor(a), torch.as_tensor(b)))


def _buggy_torch_mse(a, b):
    return float(torch.nn.functional.l1_loss(torch.as_tensor(a), torch.as_tensor(b)))


PAIRS = st.integers(1, 20).flatmap(
    lambda n: st.tuples(
        hnp.arrays(np.float64, n, elements=st.floats(-100, 100)),
        hnp.arrays(np.float64, n, elements=st.floats(-100, 100)),
    )
)


def test_equivalent_implementations_pass():
    assert mltest.assert_equivalent(_np_mse, _torch_mse, PAIRS, rtol=1e-9, atol=1e-9).passed


def test_different_implementations_fail_with_minimal_input():
    with pytest.raises(mltest.CheckFailure) as info:
        mltest.assert_equivalent(_np_mse, _buggy_torch_mse, PAIRS)
    example = info.value.report["equivalent"].counterexample
    assert len(example[0]) == 1


# --- what parity does besides comparing, checked on the devices present --------------------


def test_modules_are_copied_to_each_device_and_the_callers_stay_untouched():
    model = torch.nn.Linear(3, 2)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    seen = []

    def forward_and_train(m, batch):
        seen.append((m is model, batch["x"] is inputs["x"]))
        out = m(batch["x"])
        with torch.no_grad():
            m.weight.add_(1.0)  # the function mutates the module it was given
        return out

    inputs = {"x": torch.ones(4, 3)}
    report = mltest.check_parity(forward_and_train, model, inputs, devices=["cpu", "cpu"])
    assert report.passed
    assert seen == [(False, False), (False, False)]  # a copy per device, inputs moved
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


@pytest.mark.parametrize(
    ("dtype", "passes"),
    [(torch.float16, True), (torch.float32, False), (torch.float64, False)],
)
def test_default_tolerance_follows_the_output_dtype(dtype, passes):
    outputs = iter([torch.tensor([1.0], dtype=dtype), torch.tensor([1.0 + 1e-4], dtype=dtype)])
    report = mltest.check_parity(
        lambda x: next(outputs), torch.ones(1), devices=["cpu", "cpu"], raise_on_failure=False
    )
    assert report.passed is passes


def test_an_absent_device_is_reported_unavailable_by_the_check():
    report = mltest.check_parity(torch.sin, torch.ones(3), devices=["cpu", "cuda:7"])
    assert report["device_parity"].reason == "unavailable"
    assert report.passed  # a skip, not a pass: assert_parity turns it into a pytest skip


def test_an_exception_on_a_device_is_a_failure():
    def crashes(x):
        raise RuntimeError("no kernel for this device")

    report = mltest.check_parity(
        crashes, torch.ones(2), devices=["cpu", "cpu"], raise_on_failure=False
    )
    assert report.failed == ["device_parity"]
    assert "no kernel" in report["device_parity"].message

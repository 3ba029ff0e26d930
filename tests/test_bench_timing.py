"""The bench's timing helpers: what is timed, in which order, and how a p95 is read."""

from __future__ import annotations

from tests.benchmarks.timing import WARMUP, percentile, timed_alternately


def test_a_page_and_its_baseline_are_timed_in_turn_after_both_warm_up():
    calls = []
    samples, baseline = timed_alternately(
        lambda: calls.append("page"), lambda: calls.append("raw"), repeats=4
    )

    assert calls == ["page", "raw"] * (WARMUP + 4)
    assert len(samples) == len(baseline) == 4
    assert all(sample >= 0 for sample in samples + baseline)


def test_the_p95_is_interpolated_between_the_samples_around_it():
    samples = [float(value) for value in range(1, 101)]  # 1 … 100, given in reverse below

    assert percentile(samples[::-1], 0.95) == 95.05
    assert percentile(samples, 0.5) == 50.5
    assert percentile([7.0], 0.95) == 7.0

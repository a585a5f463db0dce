"""The vectorised simulator against the plain per-trial reference (the oracle)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from tests.monitoring.reference import reference_simulation, reference_trial

from minihcvd.errors import MonitoringError
from minihcvd.monitoring import (
    InverseGammaPrior,
    MonitoringDesign,
    simulate_looks,
    simulate_operating_characteristics,
)
from minihcvd.monitoring.simulate import _calc_looks, first_stop_look

DESIGN = MonitoringDesign(
    standard=InverseGammaPrior(100.0, 1099.7664296696569),
    experimental=InverseGammaPrior(3.0, 22.21750362969004),
    delta_months=0.0,
    p_lower=0.171,
    min_patients=10,
    max_patients=60,
    followup_months=12.0,
)
WITH_MARGIN = MonitoringDesign(
    standard=DESIGN.standard, experimental=DESIGN.experimental, delta_months=3.0, p_lower=0.05,
    min_patients=5, max_patients=40, followup_months=6.0,
)


class TestCalcLooks:
    def test_small_trial_by_hand(self) -> None:
        """Three patients entering at 0, 1, 2 months; the first dies at 1.5 months."""
        looks = _calc_looks(np.array([[0.0, 1.0, 2.0, 3.0]]),
                            np.array([[1.5, 10.0, 10.0, 10.0]]), min_patients=2)
        # Looks at enrollments 2 (t = 1) and 3 (t = 2).
        assert looks.deaths.tolist() == [[0, 1]]
        assert looks.exposure_months.tolist() == [[1.0, 1.5 + 1.0 + 0.0]]
        assert looks.times_months.tolist() == [[1.0, 2.0]]
        assert looks.last_entry_months.tolist() == [3.0]

    @pytest.mark.parametrize("design", [DESIGN, WITH_MARGIN])
    def test_same_draws_same_decisions_as_the_reference(self, design: MonitoringDesign) -> None:
        """On identical patients, boundary comparisons equal direct posterior decisions."""
        rng = np.random.default_rng(7)
        n_trials = 150
        gaps = rng.exponential(1.0, (n_trials, design.max_patients))
        gaps[:, 0] = 0.0
        entries = np.cumsum(gaps, axis=1)
        survival = rng.exponential(7.7 / math.log(2), (n_trials, design.max_patients))
        first = first_stop_look(_calc_looks(entries, survival, design.min_patients),
                                design.boundary_months)
        expected = [reference_trial(design, list(e), list(s))
                    for e, s in zip(entries, survival, strict=True)]
        assert [f >= 0 for f in first] == [trial.stopped for trial in expected]
        assert [design.min_patients + f for f in first if f >= 0] == [
            trial.patients for trial in expected if trial.stopped]
        assert 0 < sum(trial.stopped for trial in expected) < n_trials


def agree(fast: float, fast_se: float, slow: list[float]) -> bool:
    """Two independent estimates differ by less than 4.5 standard errors of the difference."""
    slow_mean = float(np.mean(slow))
    slow_se = float(np.std(slow, ddof=1) / math.sqrt(len(slow)))
    return abs(fast - slow_mean) < 4.5 * math.hypot(fast_se, slow_se) + 1e-12


class TestSimulateOperatingCharacteristics:
    @pytest.mark.parametrize("median", [6.0, 9.0])
    def test_agrees_with_reference_within_monte_carlo_error(self, median: float) -> None:
        """P(stop), mean patients and duration match the per-trial oracle's independent run."""
        fast = simulate_operating_characteristics(
            DESIGN, true_median_months=median, accrual_per_month=1.5, n_trials=20_000,
            rng=np.random.default_rng(1))
        slow = reference_simulation(DESIGN, true_median_months=median, accrual_per_month=1.5,
                                    n_trials=300, rng=np.random.default_rng(2))
        assert agree(fast.prob_stop_early, fast.prob_stop_early_se,
                     [float(t.stopped) for t in slow])
        assert agree(fast.mean_patients, fast.mean_patients_se,
                     [float(t.patients) for t in slow])
        assert agree(fast.mean_duration_months, fast.mean_duration_months_se,
                     [t.duration_months for t in slow])

    @pytest.mark.slow
    @pytest.mark.parametrize("median", [5.0, 7.7, 11.7])
    def test_agrees_with_reference_on_many_trials(self, median: float) -> None:
        """The same check with 3,000 reference trials on the full 110-patient design."""
        design = MonitoringDesign(
            standard=DESIGN.standard, experimental=DESIGN.experimental, delta_months=0.0,
            p_lower=0.171, min_patients=10, max_patients=110, followup_months=12.0)
        fast = simulate_operating_characteristics(
            design, true_median_months=median, accrual_per_month=1.0, n_trials=100_000,
            rng=np.random.default_rng(3))
        slow = reference_simulation(design, true_median_months=median, accrual_per_month=1.0,
                                    n_trials=3000, rng=np.random.default_rng(4))
        assert agree(fast.prob_stop_early, fast.prob_stop_early_se,
                     [float(t.stopped) for t in slow])
        assert agree(fast.mean_patients, fast.mean_patients_se,
                     [float(t.patients) for t in slow])

    def test_results_do_not_depend_on_threads(self) -> None:
        """Each chunk has its own child generator, so 1 or 2 threads give equal results."""
        def run(threads: int) -> object:
            return simulate_operating_characteristics(
                DESIGN, true_median_months=7.7, accrual_per_month=1.0, n_trials=25_000,
                rng=np.random.default_rng(5), threads=threads)

        assert run(1) == run(2)

    def test_progress_receives_every_trial(self) -> None:
        """The progress callback is told about every simulated trial."""
        seen: list[int] = []
        simulate_operating_characteristics(DESIGN, true_median_months=7.7, accrual_per_month=1.0,
                                           n_trials=12_345, rng=np.random.default_rng(0),
                                           progress=seen.append)
        assert sorted(seen) == [2_345, 10_000]

    def test_no_looks_never_stops(self) -> None:
        """min_patients = max_patients leaves no early look: nobody stops."""
        design = MonitoringDesign(standard=DESIGN.standard, experimental=DESIGN.experimental,
                                  delta_months=0.0, p_lower=0.9, min_patients=20,
                                  max_patients=20, followup_months=0.0)
        result = simulate_operating_characteristics(design, true_median_months=1.0,
                                                    accrual_per_month=1.0, n_trials=100,
                                                    rng=np.random.default_rng(0))
        assert (result.prob_stop_early, result.mean_patients) == (0.0, 20.0)

    def test_json_shape(self) -> None:
        """The issue's keys, in its order."""
        result = simulate_operating_characteristics(DESIGN, true_median_months=7.7,
                                                    accrual_per_month=1.0, n_trials=10,
                                                    rng=np.random.default_rng(0))
        assert list(result.to_json_dict()) == ["true_median_months", "prob_stop_early",
                                               "prob_stop_early_se", "mean_patients",
                                               "mean_duration_months"]

    @pytest.mark.parametrize(("kwargs", "field"),
                             [({"n_trials": 0}, "trials"),
                              ({"true_median_months": -1.0}, "true_median_months"),
                              ({"accrual_per_month": 0.0}, "accrual_per_month")])
    def test_bad_scenarios_are_refused(self, kwargs: dict[str, float], field: str) -> None:
        """Trials, medians and accrual rates must be positive."""
        arguments: dict[str, float] = {"n_trials": 10, "true_median_months": 7.7,
                                       "accrual_per_month": 1.0, **kwargs}
        with pytest.raises(MonitoringError) as caught:
            simulate_looks(min_patients=2, max_patients=5,  # type: ignore[arg-type]
                           rng=np.random.default_rng(0), **arguments)
        assert caught.value.field == field


class TestInterruption:
    def test_an_interrupt_cancels_the_queued_chunks(self) -> None:
        """KeyboardInterrupt in the loop (here from the progress callback, as Ctrl-C would
        arrive) ends the run after the chunks in flight, not after all 1,000 of them."""
        done: list[int] = []

        def progress(trials: int) -> None:
            done.append(trials)
            if len(done) == 1:
                raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            simulate_operating_characteristics(
                DESIGN, true_median_months=7.7, accrual_per_month=1.0, n_trials=10_000_000,
                rng=np.random.default_rng(0), progress=progress, threads=2)
        assert len(done) <= 5  # the first and at most the 2 x threads then under way

    @pytest.mark.parametrize("signal_name", ["SIGINT", "SIGTERM"])
    def test_the_command_ends_within_a_second_of_a_signal(self, signal_name: str) -> None:
        """`monitor simulate --trials 10000000` (minutes of work) stops within a second of
        Ctrl-C or SIGTERM, without a traceback or partial output."""
        import os
        import signal
        import subprocess
        import sys
        import time
        from pathlib import Path

        import minihcvd

        source = str(Path(minihcvd.__file__).resolve().parents[1])
        command = [sys.executable, "-m", "minihcvd", "monitor", "simulate",
                   "--true-median-months", "7.7", "--trials", "10000000", "--json"]
        child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 env={**os.environ, "PYTHONPATH": source})
        try:
            time.sleep(2.0)  # past the imports and into the loop
            assert child.poll() is None
            sent = time.perf_counter()
            child.send_signal(getattr(signal, signal_name))
            out, err = child.communicate(timeout=30)
            elapsed = time.perf_counter() - sent
        finally:
            child.kill()
            child.wait()
        assert elapsed < 1.0
        assert child.returncode == 128 + getattr(signal, signal_name)
        assert (out, b"Traceback" in err) == (b"", False)


class TestFirstStops:
    @pytest.mark.parametrize("design", [DESIGN, WITH_MARGIN], ids=["delta 0", "delta 3"])
    @pytest.mark.parametrize("median", [2.0, 7.7, 30.0])
    def test_equals_the_first_stop_over_every_look(self, design: MonitoringDesign,
                                                   median: float) -> None:
        """Skipping the looks after a trial stops changes no decision: the first stopping look
        is the one found among all looks, trial by trial (most trials stop at a median of 2
        months, few at 30)."""
        from minihcvd.monitoring.simulate import _draw_trials, first_stops

        entry, survival = _draw_trials(3000, median, 1.0, design.max_patients,
                                       np.random.default_rng(11))
        every_look = first_stop_look(_calc_looks(entry, survival, design.min_patients),
                                     design.boundary_months)
        assert np.array_equal(first_stops(entry, survival, design.min_patients,
                                          design.boundary_months), every_look)
        if median == 7.7:  # both outcomes occur, so both paths of the blocks are exercised
            assert 0 < np.count_nonzero(every_look >= 0) < every_look.size

    def test_no_looks(self) -> None:
        """min_patients = max_patients: no look, no stop."""
        from minihcvd.monitoring.simulate import first_stops

        entry = np.cumsum(np.ones((4, 5)), axis=1)
        assert first_stops(entry, np.ones((4, 5)), 5, DESIGN.boundary_months).tolist() == [-1] * 4

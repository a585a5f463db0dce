"""Benchmark: `minihcvd analyze` and its survival core against R's `survival`, 200,000 patients.

Generates a trial data package (integer days, many ties, 47% transplanted), then in the same
run times
  * the core — read the CSV, split follow-up at SCT (tmerge), KM overall and by cohort (log-log
    CIs), log-rank by cohort, Cox with Efron ties on sct (time-dependent) + cohort — in R
    (`read.csv`, `tmerge`, `survfit`, `survdiff`, `coxph`, measured inside R) and in Python
    (`read_package`, `derive_all`, `KaplanMeierFitter`, `logrank_test`, `CoxPHFitter`, measured
    inside Python after imports);
  * the whole run — `Rscript` on that script against `minihcvd analyze` (every analysis of the
    paper plus the report), both wall clock from the shell, start-up included;
checks that the estimates agree (|difference| <= 1e-6) and prints the ratios. It runs
``--repeats`` rounds (default 3) of R, the Python core (each in a fresh process) and
``minihcvd analyze``, and prints the best and the median of each and the ratios of both.

Usage: .venv/bin/python benchmarks/bench_analyze.py [--patients 200000] [--repeats 3]
       [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
MINIHCVD = REPO / ".venv" / "bin" / "minihcvd"
START = np.datetime64("2012-11-12")
TOLERANCE = 1e-6

R_SCRIPT = r"""
suppressPackageStartupMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
t0 <- proc.time()[["elapsed"]]
p <- read.csv(file.path(args[1], "patients.csv"), na.strings = "", stringsAsFactors = FALSE)
start <- as.Date(p$start_date)
end <- as.Date(ifelse(is.na(p$death_date), p$last_followup_date, p$death_date))
p$time <- as.numeric(end - start) + 1
p$status <- as.integer(!is.na(p$death_date))
p$sct_time <- as.numeric(as.Date(p$sct_date) - start) + 1
p$amended <- as.integer(p$cohort == "amended")
p$id <- seq_len(nrow(p))
base <- p[, c("id", "time", "status", "amended")]
td <- tmerge(base, base, id = id, event = event(time, status))
td <- tmerge(td, p[, c("id", "sct_time")], id = id, sct = tdc(sct_time))
km <- survfit(Surv(time, status) ~ 1, data = p, conf.type = "log-log")
by_cohort <- survfit(Surv(time, status) ~ cohort, data = p, conf.type = "log-log")
sd <- survdiff(Surv(time, status) ~ cohort, data = p)
cx <- coxph(Surv(tstart, tstop, event) ~ sct + amended, data = td, ties = "efron")
elapsed <- proc.time()[["elapsed"]] - t0
q <- quantile(km, 0.5)
s <- summary(km, times = c(12, 24, 36) * 30.4375)
out <- c(core_seconds = elapsed, median = unname(q$quantile), median_lower = unname(q$lower),
         median_upper = unname(q$upper), s12 = s$surv[1], s24 = s$surv[2], s36 = s$surv[3],
         s36_lower = s$lower[3], s36_upper = s$upper[3], logrank_chisq = sd$chisq,
         logrank_p = sd$pvalue, coef_sct = unname(coef(cx)[1]),
         coef_amended = unname(coef(cx)[2]), se_sct = sqrt(cx$var[1, 1]),
         se_amended = sqrt(cx$var[2, 2]), loglik = cx$loglik[2])
write.csv(data.frame(key = names(out), value = sprintf("%.17g", out)), args[2],
          row.names = FALSE, quote = FALSE)
"""


def _dates(days: np.ndarray) -> np.ndarray:
    """ISO strings for START + days − 1 (NaN → empty), vectorised."""
    known = ~np.isnan(days)
    out = np.full(days.shape, "", dtype=object)
    stamps = START + (days[known].astype(np.int64) - 1).astype("timedelta64[D]")
    out[known] = stamps.astype(str)
    return out


def generate(n: int, seed: int, directory: Path) -> None:
    """patients.csv for ``n`` patients: integer days, heavy ties, 47% SCT, a cohort effect."""
    rng = np.random.default_rng(seed)
    start = rng.integers(0, 3000, n).astype(float) + 1
    amended = rng.random(n) < 0.39
    salvage = rng.choice(np.array(["S1", "S2", "S3+"]), n, p=[0.72, 0.15, 0.13])
    tp53 = rng.random(n) < 0.3
    risk = 0.7 * (salvage != "S1") + 0.8 * tp53 - 0.4 * amended
    death = np.ceil(rng.exponential(700 * np.exp(-risk)))
    censor = np.ceil(rng.uniform(100, 3000, n))
    died = death <= censor
    os_days = np.where(died, death, censor)
    sct = np.where(rng.random(n) < 0.47, np.ceil(rng.uniform(1, 300, n)), np.nan)
    sct[sct > os_days] = np.nan
    responded = rng.random(n) < 0.83
    response = np.where(responded, np.minimum(rng.integers(12, 60, n), os_days), np.nan)
    relapse = np.where(
        responded & (rng.random(n) < 0.4), response + rng.integers(30, 900, n), np.nan
    )
    relapse[relapse > os_days] = np.nan
    best = np.where(
        responded, rng.choice(np.array(["CR", "CRp", "CRi"]), n, p=[0.75, 0.2, 0.05]), "NR"
    )
    best = np.where(~responded & died & (os_days <= 28), "ED", best)  # the paper's early death
    frame = pd.DataFrame(
        {
            "patient_id": np.char.add("P", np.arange(1, n + 1).astype(str)),
            "cohort": np.where(amended, "amended", "original"),
            "start_date": _dates(start),
            "last_followup_date": _dates(start + os_days - 1),
            "death_date": _dates(np.where(died, start + os_days - 1, np.nan)),
            "best_response": best,
            "response_date": _dates(start + response - 1),
            "relapse_date": _dates(start + relapse - 1),
            "sct_date": _dates(start + sct - 1),
            "mrd_negative": np.where(responded, np.where(rng.random(n) < 0.8, "true", "false"), ""),
            "age": rng.integers(17, 88, n),
            "sex": rng.choice(np.array(["M", "F"]), n),
            "pb_blasts_pct": np.round(rng.uniform(0, 97, n), 1),
            "tp53_mutated": np.where(tp53, "true", "false"),
            "salvage": salvage,
        }
    )
    directory.mkdir(parents=True, exist_ok=True)
    frame.to_csv(directory / "patients.csv", index=False)


def python_core(directory: Path) -> tuple[dict[str, float], dict[str, float]]:
    """The core in this process (imports excluded, as R's library() is).

    Returns the seconds of each part (read_package, derive_all — which does the tmerge-style
    split —, and the survival engine) and the estimates.
    """
    from minihcvd.adam import adsl_rows, derive_all
    from minihcvd.stats import CoxPHFitter, KaplanMeierFitter, logrank_test
    from minihcvd.trialdata import read_package

    began = time.perf_counter()
    package = read_package(directory)
    read = time.perf_counter()
    adam = derive_all(package)
    split = adam.sct_intervals  # derived on first use: timed with the rest of the derivation
    derived = time.perf_counter()
    subjects = pd.Index(adam.adsl["USUBJID"])
    amended = (adam.adsl["COHORT"] == "amended").to_numpy()
    os_rows = adam.adtte.loc[adam.adtte["PARAMCD"] == "OS", ["USUBJID", "AVAL", "CNSR"]]
    os_amended = amended[adsl_rows(subjects, os_rows["USUBJID"])]
    days = os_rows["AVAL"].to_numpy(float)
    events = os_rows["CNSR"].to_numpy() == 0
    km = KaplanMeierFitter().fit(days, events)
    for arm in (False, True):
        KaplanMeierFitter().fit(days[os_amended == arm], events[os_amended == arm])
    logrank = logrank_test(days, os_amended, events)
    split_amended = amended[adsl_rows(subjects, split["USUBJID"])]
    x = np.column_stack((split["SCT"].to_numpy(float), split_amended.astype(float)))
    cox = CoxPHFitter().fit(x, split["TSTOP"], split["EVENT"], split["TSTART"])
    finished = time.perf_counter()
    estimate, lower, upper = km.predict(np.array([12, 24, 36]) * 30.4375)
    seconds = {
        "read_package": read - began,
        "derive_all (incl. split)": derived - read,
        "KM + log-rank + Cox": finished - derived,
        "total": finished - began,
    }
    return seconds, {
        "median": km.median_survival_time_,
        "median_lower": km.median_ci_[0],
        "median_upper": km.median_ci_[1],
        "s12": estimate[0],
        "s24": estimate[1],
        "s36": estimate[2],
        "s36_lower": lower[2],
        "s36_upper": upper[2],
        "logrank_chisq": logrank.test_statistic,
        "logrank_p": logrank.p_value,
        "coef_sct": cox.params_[0],
        "coef_amended": cox.params_[1],
        "se_sct": cox.standard_errors_[0],
        "se_amended": cox.standard_errors_[1],
        "loglik": cox.log_likelihood_,
    }


def analyze_steps(directory: Path, out: Path) -> dict[str, float]:
    """Seconds of each step of ``minihcvd analyze``, in this process (imports already paid).

    The same calls as the command: the figures' helper process is forked first and draws each
    curve while this process goes on, and on a package this size a second helper fits the Cox
    models and makes Tables 1–3 while the curves are computed — so "Cox regression" is what
    is left to wait for after the curves, and "figures + report" is the wait for the drawings
    plus results.json, tables and report.html.
    """
    from minihcvd.report import FigureWorker, write_report
    from minihcvd.stats.analysis import analyze_package
    from minihcvd.trialdata import read_package

    seconds: dict[str, float] = {}
    names = ["read_package"]
    marks = [time.perf_counter()]

    def step(name: str) -> None:
        now = time.perf_counter()
        seconds[names[-1]] = now - marks[-1]
        names.append(name)
        marks.append(now)

    with FigureWorker() as figures:
        package = read_package(directory)
        figures.warm_up()
        results = analyze_package(package, progress=step, on_curves=figures.submit_curves)
        step("figures + report")
        write_report(results, out, figures=figures)
        step("")
    return seconds


def run_r(directory: Path, work: Path) -> tuple[float, dict[str, float]]:
    """Rscript wall clock (start-up included) and the estimates it wrote (incl. core_seconds)."""
    script = work / "bench.R"
    script.write_text(R_SCRIPT, encoding="utf-8")
    out = work / "r.csv"
    began = time.perf_counter()
    subprocess.run(["Rscript", str(script), str(directory), str(out)], check=True)
    wall = time.perf_counter() - began
    table = pd.read_csv(out, keep_default_na=False, na_values=["NA"])
    return wall, dict(zip(table["key"], table["value"].astype(float), strict=True))


def run_analyze(directory: Path, out: Path) -> float:
    """`minihcvd analyze` wall clock (start-up, every analysis and the report included)."""
    began = time.perf_counter()
    subprocess.run(
        [str(MINIHCVD), "analyze", str(directory), "--out", str(out)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - began


def core_in_fresh_process(directory: Path) -> tuple[dict[str, float], dict[str, float]]:
    """:func:`python_core` in a new interpreter (its first call after imports, like Rscript's)."""
    done = subprocess.run(
        [sys.executable, __file__, "--core-only", str(directory)],
        check=True,
        capture_output=True,
        text=True,
    )
    measured = json.loads(done.stdout)
    return measured["seconds"], measured["values"]


def _best_median(values: list[float]) -> str:
    return f"best {min(values):.2f} s, median {statistics.median(values):.2f} s"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--repeats", type=int, default=3, help="rounds of R, core, analyze")
    parser.add_argument("--keep", type=Path, help="keep the package and outputs here")
    parser.add_argument("--core-only", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.core_only is not None:  # one measurement, for core_in_fresh_process
        seconds, values = python_core(args.core_only)
        print(json.dumps({"seconds": seconds, "values": values}))
        return 0
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench_analyze."))
    package = work / "package"
    try:
        generate(args.patients, args.seed, package)
        load_before = os.getloadavg()[0]
        rounds = []
        for round_number in range(1, args.repeats + 1):
            r_wall, r_values = run_r(package, work)
            py_core, py_values = core_in_fresh_process(package)
            analyze_wall = run_analyze(package, work / "report")
            rounds.append((r_wall, r_values, py_core, py_values, analyze_wall))
            print(
                f"round {round_number}: core R {r_values['core_seconds']:.2f} s, Python "
                f"{py_core['total']:.2f} s; whole run Rscript {r_wall:.2f} s, minihcvd analyze "
                f"{analyze_wall:.2f} s",
                flush=True,
            )
        steps = analyze_steps(package, work / "report-steps")
        load_after = os.getloadavg()[0]
        _, r_values, _, py_values, _ = rounds[0]
        # relative to the size of the number (the log-likelihood is about -10^6)
        differences = {
            key: abs(py_values[key] - r_values[key]) / max(1.0, abs(r_values[key]))
            for key in py_values
        }
        document = json.loads((work / "report" / "results.json").read_text(encoding="utf-8"))
        report_median = document["os"]["median_months"] * 30.4375
        differences["results.json os median"] = abs(report_median - r_values["median"])
        worst = max(differences, key=lambda key: differences[key])
        r_core = [values["core_seconds"] for _, values, _, _, _ in rounds]
        py_total = [core["total"] for _, _, core, _, _ in rounds]
        r_wall = [wall for wall, _, _, _, _ in rounds]
        analyze_wall = [wall for _, _, _, _, wall in rounds]
        print(f"patients: {args.patients:,}; {args.repeats} rounds")
        print("core (read + split + KM + log-rank + Cox), inside each process:")
        print(f"  R  read.csv + as.Date + tmerge + survfit + survdiff + coxph: "
              f"{_best_median(r_core)}")
        print(f"  Python read_package + derive_all + KM, log-rank, Cox: {_best_median(py_total)}")
        for part in rounds[0][2]:
            if part != "total":
                parts = [core[part] for _, _, core, _, _ in rounds]
                print(f"    {part}: {_best_median(parts)}")
        engine = min(core["KM + log-rank + Cox"] for _, _, core, _, _ in rounds)
        print(
            f"  ratio {min(r_core) / min(py_total):.1f}x best to best, "
            f"{statistics.median(r_core) / statistics.median(py_total):.1f}x median to median "
            f"(target >= 10x); engine alone {min(r_core) / engine:.0f}x"
        )
        print(f"whole run: Rscript {_best_median(r_wall)}; minihcvd analyze (all analyses + "
              f"report) {_best_median(analyze_wall)}")
        print(
            f"  ratio {min(r_wall) / min(analyze_wall):.1f}x best to best, "
            f"{statistics.median(r_wall) / statistics.median(analyze_wall):.1f}x median to "
            "median (target >= 4x)"
        )
        print("minihcvd analyze by step, in-process (imports excluded):")
        for name, seconds in steps.items():
            print(f"  {name}: {seconds:.2f} s")
        print(f"load average {load_before:.1f} -> {load_after:.1f} on {os.cpu_count()} cores")
        print(f"max |Python - R| / max(1, |R|) = {max(differences.values()):.1e} ({worst})")
        agree = max(differences.values()) <= TOLERANCE
        print("estimates agree with R" if agree else "ESTIMATES DIFFER FROM R")
        return 0 if agree else 1
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

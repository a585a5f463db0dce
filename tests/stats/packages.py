"""Small synthetic trial data packages for the analysis tests (written as CSV, read back)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from minihcvd.trialdata import TrialPackage, read_package

START = np.datetime64("2013-01-01")


def _dates(days: np.ndarray) -> list[str]:
    """ISO dates ``days`` after START (NaN → empty)."""
    return ["" if np.isnan(d) else str(START + np.timedelta64(int(d), "D")) for d in days]


def patients_frame(n: int, seed: int) -> pd.DataFrame:
    """A consistent patients.csv: survival depends on salvage, TP53 and blasts; 47% SCT."""
    rng = np.random.default_rng(seed)
    start = rng.integers(0, 3000, n).astype(float)
    cohort = np.where(np.arange(n) < int(n * 0.61), "original", "amended")
    salvage = rng.choice(["S1", "S2", "S3+"], n, p=[0.72, 0.15, 0.13])
    tp53 = rng.random(n) < 0.3
    blasts = np.round(rng.uniform(0, 97, n), 1)
    risk = 0.8 * (salvage != "S1") + 0.9 * tp53 + 0.01 * blasts - 0.4 * (cohort == "amended")
    death = np.ceil(rng.exponential(1500 * np.exp(-risk)))
    censor = np.ceil(rng.uniform(200, 2500, n))
    died = death <= censor
    os_days = np.where(died, death, censor)  # duration = date − start + 1
    response = rng.random(n) < 0.83
    response_day = np.where(response, np.minimum(rng.integers(12, 60, n), os_days - 1), np.nan)
    response &= response_day >= 1
    response_day[~response] = np.nan
    relapse = np.where(
        response & (rng.random(n) < 0.4), np.ceil(response_day + rng.uniform(30, 600, n)), np.nan
    )
    relapse[relapse >= os_days] = np.nan
    sct = np.where(rng.random(n) < 0.47, np.ceil(rng.uniform(1, 250, n)), np.nan)
    sct[sct > os_days] = np.nan
    sct[:3] = 1.0  # transplanted on the start day (the tmerge split at t = 1)
    sct[3:6] = os_days[3:6]  # transplanted on the day of death or last follow-up: no split
    blin = np.where(
        (cohort == "amended") & (rng.random(n) < 0.7), np.ceil(rng.uniform(40, 90, n)), np.nan
    )
    blin[blin > os_days] = np.nan
    best = np.where(response, rng.choice(["CR", "CRp", "CRi"], n, p=[0.75, 0.2, 0.05]), "NR")
    best = np.where(~response & died & (os_days <= 28), "ED", best)
    mrd = np.where(response, np.where(rng.random(n) < 0.84, "true", "false"), "")
    return pd.DataFrame(
        {
            "patient_id": [f"P{i:05d}" for i in range(1, n + 1)],
            "cohort": cohort,
            "start_date": _dates(start),
            "last_followup_date": _dates(start + os_days - 1),
            "death_date": _dates(np.where(died, start + os_days - 1, np.nan)),
            "best_response": best,
            "response_date": _dates(start + response_day - 1),
            "relapse_date": _dates(start + relapse - 1),
            "sct_date": _dates(start + sct - 1),
            "blinatumomab_date": _dates(start + blin - 1),
            "mrd_negative": mrd,
            "age": np.round(rng.uniform(17, 87, n), 0),
            "sex": rng.choice(["M", "F"], n),
            "pb_blasts_pct": blasts,
            "karyotype": rng.choice(["diploid", "other", "complex", "KMT2A"], n),
            "tp53_mutated": np.where(rng.random(n) < 0.45, np.where(tp53, "true", "false"), ""),
            "salvage": salvage,
        }
    )


def adverse_events_frame(patients: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Grade 1–5 events, some hematologic, on a few terms."""
    rng = np.random.default_rng(seed)
    n = len(patients) * 2
    who = rng.integers(0, len(patients), n)
    dead = patients["death_date"].to_numpy()[who] != ""
    grade = rng.integers(1, 6, n)
    grade[(grade == 5) & ~dead] = 4  # grade 5 means death
    return pd.DataFrame(
        {
            "patient_id": patients["patient_id"].to_numpy()[who],
            "term": rng.choice(["Infection", "Hyperglycemia", "Neutropenia", "Pain"], n),
            "onset_date": patients["start_date"].to_numpy()[who],
            "grade": grade,
            "ctcae_version": "5.0",
            "hematologic": "false",
            "treatment_related": "",
        }
    ).assign(hematologic=lambda f: np.where(f["term"] == "Neutropenia", "true", "false"))


def write_package(
    directory: Path, n: int = 110, seed: int = 7, *, adverse_events: bool = True
) -> Path:
    """Write patients.csv (and adverse_events.csv) into ``directory``; return it."""
    directory.mkdir(parents=True, exist_ok=True)
    patients = patients_frame(n, seed)
    patients.to_csv(directory / "patients.csv", index=False)
    if adverse_events:
        adverse_events_frame(patients, seed).to_csv(directory / "adverse_events.csv", index=False)
    return directory


def make_package(
    directory: Path, n: int = 110, seed: int = 7, *, adverse_events: bool = True
) -> TrialPackage:
    """The package written by :func:`write_package`, read back and validated."""
    return read_package(write_package(directory, n, seed, adverse_events=adverse_events))

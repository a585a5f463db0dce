"""derive_all on a small package: the contract other layers code against."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal
from tests.adam.helpers import dates
from tests.trialdata.helpers import PATIENTS_HEADER, write_package_files

from minihcvd.adam import derive_all
from minihcvd.trialdata import read_package

PATIENTS = """
patient_id,cohort,start_date,last_followup_date,death_date,best_response,response_date,relapse_date,sct_date,blinatumomab_date,salvage,primary_refractory,first_remission_months,karyotype
P1,original,2013-01-10,2014-05-01,2014-05-01,CR,2013-02-05,2013-10-01,2013-05-20,,S1,false,14,diploid
P2,amended,2018-03-01,2021-06-30,,CRp,2018-03-28,,,2018-05-01,S2,,,KMT2A
P3,original,2014-07-01,2014-07-01,2014-07-01,ED,,,,,S3+,,,
P4,amended,2019-01-01,2019-09-01,,NR,,,,,S1,true,,Ho-Tr
"""


def _derived(tmp_path: Path) -> pd.DataFrame:
    write_package_files(tmp_path, patients=PATIENTS)
    return derive_all(read_package(tmp_path)).adsl


class TestDeriveAll:
    def test_adrs_is_derived_when_first_used(self, tmp_path: Path) -> None:
        """derive_all leaves ADRS for later (the analysis never reads it); the first use
        derives it from ADSL and the package's assessments, once."""
        from minihcvd.adam.pipeline import build_adrs

        write_package_files(tmp_path, patients=PATIENTS)
        package = read_package(tmp_path)
        datasets = derive_all(package)
        assert "adrs" not in vars(datasets)
        adrs = datasets.adrs
        assert_frame_equal(adrs, build_adrs(datasets.adsl, package.assessments))
        assert datasets.adrs is adrs
        assert set(adrs["PARAMCD"]) == {"BOR"}  # no MRD results in this package

    def test_sct_split_is_derived_when_first_used(self, tmp_path: Path) -> None:
        """The curves come first and need no split: derive_all leaves it for the Cox models;
        a split table given to AdamDatasets is used as it is."""
        from minihcvd.adam import AdamDatasets
        from minihcvd.adam.sct import derive_sct_intervals

        write_package_files(tmp_path, patients=PATIENTS)
        datasets = derive_all(read_package(tmp_path))
        assert "sct_intervals" not in vars(datasets)
        split = datasets.sct_intervals
        assert_frame_equal(split, derive_sct_intervals(datasets.adtte, datasets.adsl))
        assert datasets.sct_intervals is split
        given = split.iloc[::-1]
        again = AdamDatasets(datasets.adsl, datasets.adtte, None, sct_intervals=given)
        assert again.sct_intervals is given

    def test_adsl_derived_variables(self, tmp_path: Path) -> None:
        """Flags and groups per patient, including death on day 1 (early death)."""
        adsl = _derived(tmp_path)
        columns = [
            "USUBJID",
            "DTHFL",
            "SALVGRP",
            "SALV1FL",
            "HRCYTFL",
            "EDTHFL",
            "BOR",
            "RSPFL",
            "SCTFL",
            "BLINFL",
        ]
        expected = pd.DataFrame(
            {
                "USUBJID": ["P1", "P2", "P3", "P4"],
                "DTHFL": ["Y", "N", "Y", "N"],
                "SALVGRP": ["S1 CR1 >= 12 months", "S2", "S3+", "S1 primary refractory"],
                "SALV1FL": ["Y", "N", "N", "Y"],
                "HRCYTFL": ["N", "Y", None, "Y"],
                "EDTHFL": ["N", "N", "Y", "N"],
                "BOR": ["CR", "CRp", "ED", "NR"],
                "RSPFL": ["Y", "Y", "N", "N"],
                "SCTFL": ["Y", "N", "N", "N"],
                "BLINFL": ["N", "Y", "N", "N"],
            },
            dtype=object,
        )
        assert_frame_equal(adsl[columns].astype(object), expected)

    def test_datasets_and_sct_table(self, tmp_path: Path) -> None:
        """OS for all, RFS for responders, SCT split for P1, no ADAE without events."""
        write_package_files(tmp_path, patients=PATIENTS)
        datasets = derive_all(read_package(tmp_path))
        assert datasets.adae is None
        adtte = datasets.adtte
        assert adtte[["USUBJID", "PARAMCD", "AVAL", "CNSR"]].astype(object).to_dict("list") == {
            "USUBJID": ["P1", "P2", "P3", "P4", "P1", "P2"],
            "PARAMCD": ["OS", "OS", "OS", "OS", "RFS", "RFS"],
            "AVAL": [477, 1218, 1, 244, 239, 1191],
            "CNSR": [0, 1, 0, 1, 0, 1],
        }
        assert_frame_equal(
            datasets.sct_intervals,
            pd.DataFrame(
                {
                    "USUBJID": ["P1", "P1", "P2", "P3", "P4"],
                    "TSTART": [0, 131, 0, 0, 0],
                    "TSTOP": [131, 477, 1218, 1, 244],
                    "EVENT": [0, 1, 0, 1, 0],
                    "SCT": [0, 1, 0, 0, 0],
                }
            ),
            check_dtype=False,
        )
        assert datasets.adsl["SCTDT"].tolist() == dates("2013-05-20", None, None, None).tolist()


EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "trial-package"


class TestExamplePackage:
    def test_documented_cases(self) -> None:
        """The cases docs/data-format.md describes for the shipped example: outcomes from
        assessments (P001, P002, P004, P005) or patients.csv (P003, P006, P007), the CRi with
        platelets recovered (P005), relapse from a marrow (P002), early death (P003), death on
        the SCT day (P006: one SCT row, the death counted before the transplant)."""
        datasets = derive_all(read_package(EXAMPLE))
        columns = ["USUBJID", "BOR", "RSPDT", "RELDT", "EDTHFL", "MRDNEGFL", "MRDRSPFL"]
        adsl = datasets.adsl[[*columns, "MRDNGSFL", "RSPSRC"]].astype(object)
        adsl = adsl.where(adsl.notna(), None)
        assert adsl.values.tolist() == [
            ["P001", "CR", pd.Timestamp("2013-03-29"), None, "N", "Y", "N", "Y", "assessments"],
            ["P002", "CRp", pd.Timestamp("2014-06-27"), pd.Timestamp("2015-01-12"), "N", "N",
             "N", None, "assessments"],
            ["P003", "ED", None, None, "Y", None, None, None, "patients"],
            ["P004", "NR", None, None, "N", None, None, None, "assessments"],
            ["P005", "CRi", pd.Timestamp("2018-03-09"), None, "N", "Y", "Y", "Y", "assessments"],
            ["P006", "CR", pd.Timestamp("2019-10-04"), None, "N", "Y", None, None, "patients"],
            ["P007", "CRp", pd.Timestamp("2020-03-27"), pd.Timestamp("2020-11-16"), "N", "N",
             None, None, "patients"],
        ]
        rfs = datasets.adtte[datasets.adtte["PARAMCD"].eq("RFS")]
        assert rfs[["USUBJID", "AVAL", "CNSR", "SRCVAR"]].astype(object).values.tolist() == [
            ["P001", 1587, 1, "LSTALVDT"],
            ["P002", 200, 0, "RELDT"],
            ["P005", 1302, 1, "LSTALVDT"],
            ["P006", 102, 0, "DTHDT"],
            ["P007", 235, 0, "RELDT"],
        ]
        sct = datasets.sct_intervals
        assert sct[sct["USUBJID"].eq("P006")].values.tolist() == [["P006", 0, 127, 1, 0]]
        assert sct[sct["USUBJID"].eq("P001")].values.tolist() == [
            ["P001", 0, 134, 0, 0],
            ["P001", 134, 1612, 0, 1],
        ]
        adae = datasets.adae
        assert adae is not None
        assert adae[["AETERM", "TRTEMFL"]].values.tolist()[3:5] == [
            ["Hepatic sinusoidal obstruction syndrome", "Y"],
            ["Headache", "N"],
        ]


_PATIENT = st.tuples(
    st.integers(min_value=0, max_value=400),  # follow-up days after the start day
    st.booleans(),  # died at the end of follow-up
    st.one_of(st.none(), st.floats(min_value=0, max_value=1)),  # SCT, as a fraction of it
    st.one_of(st.none(), st.floats(min_value=0, max_value=1)),  # response
    st.lists(st.sampled_from(["inotuzumab ozogamicin", "vincristine"]), max_size=2),
)


def _day(start: pd.Timestamp, offset: int) -> str:
    return str((start + pd.Timedelta(days=offset)).date())


class TestDeriveAllProperties:
    @given(patients=st.lists(_PATIENT, min_size=1, max_size=6))
    def test_any_valid_package(self, patients: list[tuple]) -> None:
        """For any consistent package: OS AVAL is follow-up + 1, early death is a death on days
        1-28 without response, RFS rows are the responders', the SCT rows tile (0, OS]."""
        start = pd.Timestamp("2020-01-01")
        rows = [f"{PATIENTS_HEADER},best_response,response_date,sct_date"]
        doses = ["patient_id,date,phase,course,day,drug,route,dose,unit,doses_per_day"]
        for number, (days, dead, sct, response, drugs) in enumerate(patients):
            end = start + pd.Timedelta(days=days)
            when = {
                name: "" if share is None else _day(start, round(share * days))
                for name, share in (("sct", sct), ("response", response))
            }
            early = dead and days + 1 <= 28 and not when["response"]
            best = "ED" if early else ("CR" if when["response"] else "NR")
            rows.append(
                f"P{number},original,{start.date()},{end.date()},{end.date() if dead else ''},"
                f"{best},{when['response']},{when['sct']}"
            )
            doses += [f"P{number},{start.date()},intensive,1,1,{drug},IV,1,mg,1" for drug in drugs]
        with tempfile.TemporaryDirectory() as folder:
            write_package_files(
                Path(folder), patients="\n".join(rows), administrations="\n".join(doses)
            )
            datasets = derive_all(read_package(Path(folder)))
        adsl = datasets.adsl.set_index("USUBJID")
        os_rows = datasets.adtte[datasets.adtte["PARAMCD"].eq("OS")].set_index("USUBJID")
        assert os_rows["AVAL"].tolist() == [days + 1 for days, *_ in patients]
        assert os_rows["CNSR"].tolist() == [int(not dead) for _, dead, *_ in patients]
        early = os_rows["AVAL"].le(28) & os_rows["CNSR"].eq(0) & adsl["RSPDT"].isna()
        assert adsl["EDTHFL"].eq("Y").tolist() == early.tolist()
        rfs = datasets.adtte[datasets.adtte["PARAMCD"].eq("RFS")]
        assert rfs["USUBJID"].tolist() == adsl.index[adsl["RSPFL"].eq("Y")].tolist()
        sct = datasets.sct_intervals
        by_subject = sct.groupby("USUBJID", sort=False)
        assert by_subject["TSTOP"].max().tolist() == os_rows["AVAL"].tolist()
        assert (sct["TSTOP"] > sct["TSTART"]).all()
        assert by_subject["EVENT"].sum().tolist() == [
            int(dead) for _, dead, *_ in patients
        ]


class TestOutcomesWorkedOutOnce:
    def test_read_and_derive_resolve_outcomes_once(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Reading checks the stated outcomes against the resolved ones and ADSL is derived
        from them: one resolution per package, kept on it (not one per step)."""
        from dataclasses import replace

        import minihcvd.trialdata.checks as checks_module
        import minihcvd.trialdata.package as package_module

        calls: list[int] = []
        resolve = package_module.patient_outcomes

        def counted(*args: object, **kwargs: object) -> pd.DataFrame:
            calls.append(1)
            return resolve(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(package_module, "patient_outcomes", counted)
        monkeypatch.setattr(checks_module, "patient_outcomes", counted)
        write_package_files(tmp_path, patients=PATIENTS)
        package = read_package(tmp_path)
        adsl = derive_all(package).adsl
        assert len(calls) == 1
        assert list(adsl["BOR"]) == ["CR", "CRp", "ED", "NR"]
        # a changed copy works its outcomes out anew (a cache never outlives its data)
        changed = replace(package, patients=package.patients.iloc[:2])
        assert list(derive_all(changed).adsl["USUBJID"]) == ["P1", "P2"]
        assert len(calls) == 2


def test_changing_a_derived_dataset_leaves_the_others_alone(tmp_path: Path) -> None:
    """Datasets are built without copying columns they share (a parameter's USUBJID and start
    dates come from ADSL): writing into one must not show in another."""
    from minihcvd.adam import death_event, last_alive_censor
    from minihcvd.adam.adtte import derive_param_tte, empty_adtte

    write_package_files(tmp_path, patients=PATIENTS)
    datasets = derive_all(read_package(tmp_path))
    adsl_before = datasets.adsl.copy(deep=True)
    os_only = empty_adtte().pipe(
        derive_param_tte,
        source=datasets.adsl,
        start_date="TRTSDT",
        paramcd="OS",
        param="Overall Survival (days)",
        event_sources=[death_event],
        censor_sources=[last_alive_censor],
    )
    for frame in (os_only, datasets.adtte):
        frame.loc[0, "USUBJID"] = "CHANGED"
        frame.loc[0, "STUDYID"] = "CHANGED"
        frame.loc[0, "STARTDT"] = pd.Timestamp("1999-01-01")
    datasets.sct_intervals.loc[0, "TSTOP"] = -1
    assert_frame_equal(datasets.adsl, adsl_before)

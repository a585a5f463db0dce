"""``minihcvd validate`` and ``minihcvd derive`` through the CLI."""

from __future__ import annotations

from pathlib import Path

import pyreadstat
from tests.trialdata.helpers import PATIENTS_HEADER, write_package_files
from typer.testing import CliRunner

from minihcvd.adam.export import VARIABLE_LABELS
from minihcvd.cli import app

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "trial-package"
runner = CliRunner()


class TestValidate:
    def test_example_package_is_valid(self) -> None:
        """The shipped example validates with a one-line summary."""
        result = runner.invoke(app, ["validate", str(EXAMPLE)])
        assert result.exit_code == 0
        assert result.stdout.splitlines() == [
            f"valid: {EXAMPLE} — 7 patients; assessments.csv 9 rows; adverse_events.csv 9 "
            "rows; administrations.csv 9 rows"
        ]

    def test_problems_listed_with_exit_2(self, tmp_path: Path) -> None:
        """Every problem on its own line, after a count; exit code 2; no traceback."""
        write_package_files(
            tmp_path,
            patients=f"""
            {PATIENTS_HEADER}
            P1,original,2020-13-01,2020-06-01,
            P1,unknown,2020-01-01,2020-06-01,
            """,
        )
        result = runner.invoke(app, ["validate", str(tmp_path)])
        assert result.exit_code == 2
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert result.stderr.splitlines() == [
            f"3 problems in {tmp_path} (row = data row, 1 is the first row after the header):",
            "  patients.csv, row 1, field 'start_date': expected a date YYYY-MM-DD, found "
            "'2020-13-01'",
            "  patients.csv, row 2, field 'cohort': expected one of original, amended, found "
            "'unknown'",
            "  patients.csv, row 2, field 'patient_id': patient_id 'P1' appears more than once",
        ]

    def test_list_is_capped(self, tmp_path: Path) -> None:
        """--max-problems caps the list and counts the rest."""
        rows = "\n".join(f"P{i},bad,2020-01-01,2020-06-01," for i in range(5))
        write_package_files(tmp_path, patients=f"{PATIENTS_HEADER}\n{rows}")
        result = runner.invoke(app, ["validate", str(tmp_path), "--max-problems", "2"])
        assert result.exit_code == 2
        assert result.stderr.splitlines()[-1] == "  … and 3 more (use --max-problems 0 to list all)"

    def test_malformed_csv(self, tmp_path: Path) -> None:
        """A broken CSV is a reported problem, not a crash."""
        (tmp_path / "patients.csv").write_text('patient_id,cohort\n"P1,original\n', "utf-8")
        result = runner.invoke(app, ["validate", str(tmp_path)])
        assert result.exit_code == 2
        assert result.stderr.splitlines()[1] == (
            "  patients.csv, row 1: malformed CSV: EOF inside string"
        )


class TestDerive:
    def test_writes_csv_and_xpt(self, tmp_path: Path) -> None:
        """All datasets as CSV and XPORT v5 with 8-character names and labels."""
        out = tmp_path / "adam"
        result = runner.invoke(app, ["derive", str(EXAMPLE), "--out", str(out), "--xpt"])
        assert result.exit_code == 0
        assert result.stdout.splitlines() == [
            f"wrote CSV and XPT to {out}: adsl 7, adrs 26, adtte 12, adae 9, sct_intervals 8 rows"
        ]
        assert sorted(p.name for p in out.iterdir()) == sorted(
            f"{name}.{ext}"
            for name in ("adsl", "adrs", "adtte", "adae", "sct_intervals")
            for ext in ("csv", "xpt")
        )
        frame, meta = pyreadstat.read_xport(str(out / "adsl.xpt"))
        assert meta.table_name == "ADSL"
        assert all(len(name) <= 8 for name in meta.column_names)
        assert meta.column_names_to_labels["PB_BLAST"] == "pb_blasts_pct"
        assert meta.column_names_to_labels["TRTSDT"] == "Date of First Exposure to Treatment"
        assert meta.column_names_to_labels["COHORT"] == "Protocol Version Cohort"
        assert meta.column_names_to_labels["COHORT1"] == "cohort"
        assert meta.original_variable_types["TRTEDT"] == "DATE9"  # numeric even when missing
        assert len(frame) == 7
        tables = {"adrs": "ADRS", "adtte": "ADTTE", "adae": "ADAE", "sct_intervals": "SCTINT"}
        for name, table in tables.items():
            frame, meta = pyreadstat.read_xport(str(out / f"{name}.xpt"))
            assert meta.table_name == table
            assert len(frame) == len((out / f"{name}.csv").read_text("utf-8").splitlines()) - 1
            labels = meta.column_names_to_labels
            expected = {k: VARIABLE_LABELS[k] for k in labels if k in VARIABLE_LABELS}
            assert expected and all(labels[k] == v for k, v in expected.items()), name
        frame, meta = pyreadstat.read_xport(str(out / "adtte.xpt"))
        assert meta.column_names_to_labels["CNSR"] == "Censor (0 Event, 1 Censored)"
        assert frame["AVAL"].tolist()[:3] == [1612, 306, 19]

    def test_invalid_package_writes_nothing(self, tmp_path: Path) -> None:
        """Validation problems are listed, exit 2, and no output folder appears."""
        write_package_files(tmp_path / "pkg", patients=f"{PATIENTS_HEADER}\nP1,original,,,")
        out = tmp_path / "adam"
        result = runner.invoke(app, ["derive", str(tmp_path / "pkg"), "--out", str(out)])
        assert result.exit_code == 2
        assert result.stderr.splitlines()[1:] == [
            "  patients.csv, row 1, field 'start_date': a value is required",
            "  patients.csv, row 1, field 'last_followup_date': a value is required",
        ]
        assert not out.exists()

    def test_output_path_that_is_a_file(self, tmp_path: Path) -> None:
        """--out naming a file is one error line with exit 2, not a traceback."""
        out = tmp_path / "adam"
        out.write_text("not a folder", encoding="utf-8")
        result = runner.invoke(app, ["derive", str(EXAMPLE), "--out", str(out)])
        assert result.exit_code == 2
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert result.stderr.splitlines() == [
            f"error: {out}: the output path exists and is not a folder"
        ]

    def test_replaces_stale_datasets(self, tmp_path: Path) -> None:
        """Files of an earlier run that this run does not write (its ADAE, its XPT files) are
        gone: the folder is replaced as a whole, nothing of the old run is left beside it."""
        out = tmp_path / "adam"
        first = runner.invoke(app, ["derive", str(EXAMPLE), "--out", str(out), "--xpt"])
        assert first.exit_code == 0
        write_package_files(
            tmp_path / "pkg", patients=f"{PATIENTS_HEADER}\nP001,original,2020-01-01,2020-03-01,"
        )
        result = runner.invoke(app, ["derive", str(tmp_path / "pkg"), "--out", str(out)])
        assert result.exit_code == 0, result.stderr
        assert sorted(p.name for p in out.iterdir()) == [
            "adrs.csv", "adsl.csv", "adtte.csv", "sct_intervals.csv"
        ]
        assert sorted(p.name for p in tmp_path.iterdir()) == ["adam", "pkg"]

    def test_xpt_with_any_extra_column_name(self, tmp_path: Path) -> None:
        """Extra columns whose names are not SAS names still give readable XPT files."""
        write_package_files(
            tmp_path / "pkg",
            patients=f"{PATIENTS_HEADER},1st_line,âge\nP1,original,2020-01-01,2020-03-01,,x,3",
        )
        out = tmp_path / "adam"
        result = runner.invoke(app, ["derive", str(tmp_path / "pkg"), "--out", str(out), "--xpt"])
        assert result.exit_code == 0, result.stderr
        frame, meta = pyreadstat.read_xport(str(out / "adsl.xpt"))
        assert meta.column_names_to_labels["_1ST_LIN"] == "1st_line"
        assert frame["_1ST_LIN"].tolist() == ["x"]

    def test_missing_optional_files(self, tmp_path: Path) -> None:
        """patients.csv alone derives ADSL, ADRS, ADTTE and the SCT table, no ADAE."""
        write_package_files(
            tmp_path / "pkg", patients=f"{PATIENTS_HEADER}\nP1,original,2020-01-01,2020-03-01,"
        )
        out = tmp_path / "adam"
        result = runner.invoke(app, ["derive", str(tmp_path / "pkg"), "--out", str(out)])
        assert result.exit_code == 0
        assert sorted(p.name for p in out.iterdir()) == [
            "adrs.csv",
            "adsl.csv",
            "adtte.csv",
            "sct_intervals.csv",
        ]
        assert (out / "adtte.csv").read_text("utf-8").splitlines()[1] == (
            "NCT01371630,P1,OS,Overall Survival (days),2020-01-01,2020-03-01,61,DAYS,1,"
            "LAST KNOWN ALIVE,LAST KNOWN ALIVE DATE,ADSL,LSTALVDT"
        )

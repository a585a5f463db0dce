"""Reading, validating and writing whole packages."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal
from tests.trialdata.helpers import write_package_files

from minihcvd.errors import TrialDataError, ValidationFailed
from minihcvd.trialdata import TrialPackage, read_package, validate_package, write_package


def _lines(problems: list[TrialDataError]) -> list[str]:
    return [p.one_line() for p in problems]


def _dates(*values: str | None) -> pd.Series:
    return pd.to_datetime(pd.Series(values, dtype="object"), format="%Y-%m-%d")


class TestReadPackage:
    def test_types_of_a_minimal_package(self, tmp_path: Path) -> None:
        """Dates become datetime64, booleans nullable boolean, extra numbers float."""
        write_package_files(
            tmp_path,
            patients="""
            patient_id,cohort,start_date,last_followup_date,death_date,mrd_negative,score
            P1,original,2013-01-10,2014-05-01,2014-05-01,true,1.5
            P2,amended,2018-03-01,2021-06-30,,,2
            """,
        )
        package = read_package(tmp_path)
        expected = pd.DataFrame(
            {
                "patient_id": pd.Series(["P1", "P2"], dtype="str"),
                "cohort": pd.Series(["original", "amended"], dtype="str"),
                "start_date": _dates("2013-01-10", "2018-03-01"),
                "last_followup_date": _dates("2014-05-01", "2021-06-30"),
                "death_date": _dates("2014-05-01", None),
                "mrd_negative": pd.Series([True, pd.NA], dtype="boolean"),
                "score": [1.5, 2.0],
            }
        )
        assert_frame_equal(package.patients, expected)
        assert package.assessments is None
        assert package.adverse_events is None
        assert package.administrations is None
        assert package.source == tmp_path

    def test_raises_with_every_problem(self, tmp_path: Path) -> None:
        """read_package raises ValidationFailed carrying all problems."""
        write_package_files(
            tmp_path,
            patients="""
            patient_id,cohort,start_date,last_followup_date,death_date
            P1,unknown,2013-01-10,2014-05-01,
            P1,original,2013-02-30,2014-05-01,
            """,
        )
        with pytest.raises(ValidationFailed) as caught:
            read_package(tmp_path)
        assert _lines(caught.value.problems) == [
            "patients.csv, row 1, field 'cohort': expected one of original, amended, "
            "found 'unknown'",
            "patients.csv, row 2, field 'start_date': expected a date YYYY-MM-DD, "
            "found '2013-02-30'",
            "patients.csv, row 2, field 'patient_id': patient_id 'P1' appears more than once",
        ]


class TestValidatePackage:
    def test_valid_package_has_no_problems(self, tmp_path: Path) -> None:
        """A consistent package validates clean."""
        write_package_files(
            tmp_path,
            patients="""
            patient_id,cohort,start_date,last_followup_date,death_date
            P1,original,2013-01-10,2014-05-01,
            """,
        )
        assert validate_package(tmp_path) == []

    def test_missing_folder(self, tmp_path: Path) -> None:
        """A path that is not a folder is one problem, not an exception."""
        assert _lines(validate_package(tmp_path / "nope")) == [
            f"{tmp_path / 'nope'}: not a folder; expected a trial data package"
        ]

    def test_missing_patients_file(self, tmp_path: Path) -> None:
        """patients.csv is required."""
        assert _lines(validate_package(tmp_path)) == ["patients.csv: required file is missing"]

    def test_folder_in_place_of_a_file(self, tmp_path: Path) -> None:
        """A folder named like a package file is reported as such, not as a missing file."""
        write_package_files(
            tmp_path,
            patients="""
            patient_id,cohort,start_date,last_followup_date,death_date
            P1,original,2013-01-10,2014-05-01,
            """,
        )
        (tmp_path / "assessments.csv").mkdir()
        assert _lines(validate_package(tmp_path)) == [
            "assessments.csv: is a folder or special file, not a CSV file"
        ]

    def test_empty_file(self, tmp_path: Path) -> None:
        """An empty file says so."""
        (tmp_path / "patients.csv").write_text("", encoding="utf-8")
        assert _lines(validate_package(tmp_path)) == [
            "patients.csv: the file is empty; expected a header row"
        ]

    def test_no_patients(self, tmp_path: Path) -> None:
        """A header without rows is not a trial."""
        write_package_files(
            tmp_path, patients="patient_id,cohort,start_date,last_followup_date,death_date"
        )
        assert _lines(validate_package(tmp_path)) == [
            "patients.csv: no patients: expected at least one data row"
        ]

    def test_missing_required_column(self, tmp_path: Path) -> None:
        """Each missing required column is named."""
        write_package_files(
            tmp_path,
            patients="""
            patient_id,cohort,start_date,last_followup_date
            P1,original,2013-01-10,2014-05-01
            """,
        )
        assert _lines(validate_package(tmp_path)) == [
            "patients.csv, field 'death_date': required column 'death_date' is missing"
        ]

    def test_malformed_csv_row(self, tmp_path: Path) -> None:
        """A row with too many fields is reported with its data row number."""
        write_package_files(
            tmp_path,
            patients="""
            patient_id,cohort,start_date,last_followup_date,death_date
            P1,original,2013-01-10,2014-05-01,
            P2,original,2013-01-10,2014-05-01,,extra
            """,
        )
        assert _lines(validate_package(tmp_path)) == [
            "patients.csv, row 2: malformed CSV: row has more fields than the header's 5"
        ]

    def test_malformed_quoted_rows_keep_their_numbers(self, tmp_path: Path) -> None:
        """In a file with quotes (values may hold commas and line breaks) long rows are still
        reported with their data row, blank lines and multi-line values counted right."""
        header = "patient_id,cohort,start_date,last_followup_date,death_date"
        (tmp_path / "patients.csv").write_text(
            f'{header}\n"P1",original,2020-01-01,2020-02-01,,y\n\n'
            '"P2\n,x",original,2020-01-01,2020-02-01,,x\n"P3",original,2020-01-01,2020-02-01,\n',
            encoding="utf-8",
        )
        assert _lines(validate_package(tmp_path)) == [
            "patients.csv, row 1: malformed CSV: row has more fields than the header's 5",
            "patients.csv, row 2: malformed CSV: row has more fields than the header's 5",
        ]
        (tmp_path / "patients.csv").write_text(
            f'{header}\n"P1",original,2020-01-01,2020-02-01,\n\n'
            '"P2\n,x",original,2020-01-01,2020-02-01,,x\n',
            encoding="utf-8",
        )
        assert _lines(validate_package(tmp_path)) == [
            "patients.csv, row 2: malformed CSV: row has more fields than the header's 5",
        ]

    def test_short_row(self, tmp_path: Path) -> None:
        """A row with too few fields is reported, and its cells checked as empty."""
        write_package_files(
            tmp_path,
            patients="""
            patient_id,cohort,start_date,last_followup_date,death_date
            P1,original,2013-01-10
            """,
        )
        assert _lines(validate_package(tmp_path)) == [
            "patients.csv, row 1: row has fewer fields than the header's 5",
            "patients.csv, row 1, field 'last_followup_date': a value is required",
        ]

    def test_not_utf8(self, tmp_path: Path) -> None:
        """Undecodable bytes are a problem, not a crash."""
        (tmp_path / "patients.csv").write_bytes(b"patient_id\n\xff\n")
        assert _lines(validate_package(tmp_path)) == ["patients.csv: not UTF-8 text (byte 11)"]

    def test_windows_line_endings_and_bom(self, tmp_path: Path) -> None:
        """CRLF line endings, a byte-order mark and a trailing blank line are fine."""
        text = "\ufeffpatient_id,cohort,start_date,last_followup_date,death_date\r\n"
        text += "P1,original,2013-01-10,2014-05-01,\r\n\r\n"
        (tmp_path / "patients.csv").write_bytes(text.encode("utf-8"))
        assert validate_package(tmp_path) == []

    def test_repeated_header(self, tmp_path: Path) -> None:
        """Repeated column names are refused."""
        (tmp_path / "patients.csv").write_text("patient_id,patient_id\nP1,P1\n", encoding="utf-8")
        assert _lines(validate_package(tmp_path)) == [
            "patients.csv: header has empty or repeated column names: 'patient_id'"
        ]


class TestWritePackage:
    def test_round_trip(self, tmp_path: Path) -> None:
        """What is written reads back equal."""
        write_package_files(
            tmp_path / "in",
            patients="""
            patient_id,cohort,start_date,last_followup_date,death_date,ecog,prior_sct
            P1,original,2013-01-10,2014-05-01,2014-05-01,2,true
            P2,amended,2018-03-01,2021-06-30,,,false
            """,
            adverse_events="""
            patient_id,term,onset_date,grade,ctcae_version,hematologic,treatment_related
            P1,Hyperglycemia,2013-01-20,3,4.03,false,
            """,
        )
        package = read_package(tmp_path / "in")
        write_package(package, tmp_path / "out")
        again = read_package(tmp_path / "out")
        assert_frame_equal(again.patients, package.patients)
        assert again.adverse_events is not None and package.adverse_events is not None
        assert_frame_equal(again.adverse_events, package.adverse_events)
        assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
            "adverse_events.csv",
            "patients.csv",
        ]

    def test_example_round_trip(self, tmp_path: Path) -> None:
        """Every file of the shipped example survives a write and a read unchanged."""
        example = Path(__file__).resolve().parents[2] / "examples" / "trial-package"
        package = read_package(example)
        write_package(package, tmp_path / "copy")
        again = read_package(tmp_path / "copy")
        for name in ("patients", "assessments", "adverse_events", "administrations"):
            assert_frame_equal(getattr(again, name), getattr(package, name))

    def test_invalid_package_writes_nothing(self, tmp_path: Path) -> None:
        """An invalid package raises and leaves no folder behind."""
        patients = pd.DataFrame(
            {
                "patient_id": ["P1"],
                "cohort": ["original"],
                "start_date": _dates("2014-01-10"),
                "last_followup_date": _dates("2013-05-01"),
                "death_date": _dates(None),
            }
        )
        with pytest.raises(ValidationFailed, match="last_followup_date is before start_date"):
            write_package(TrialPackage(patients=patients), tmp_path / "out")
        assert not (tmp_path / "out").exists()

    def test_output_path_that_is_a_file(self, tmp_path: Path) -> None:
        """A file where the folder should go is a TrialDataError, not an OSError."""
        package = read_package(
            write_package_files(
                tmp_path / "in",
                patients="""
                patient_id,cohort,start_date,last_followup_date,death_date
                P1,original,2013-01-10,2014-05-01,
                """,
            )
        )
        (tmp_path / "out").write_text("x", encoding="utf-8")
        with pytest.raises(TrialDataError, match="exists and is not a folder"):
            write_package(package, tmp_path / "out")

    def test_replaces_stale_optional_file(self, tmp_path: Path) -> None:
        """A folder holding a file the package lacks is replaced as a whole: the stale file is
        gone (it would have been read back as part of the package)."""
        write_package_files(
            tmp_path / "pkg",
            patients="""
            patient_id,cohort,start_date,last_followup_date,death_date
            P1,original,2013-01-10,2014-05-01,
            """,
            assessments="patient_id,assessment_date",
        )
        package = TrialPackage(patients=read_package_patients(tmp_path / "pkg"))
        write_package(package, tmp_path / "pkg")
        assert sorted(p.name for p in (tmp_path / "pkg").iterdir()) == ["patients.csv"]
        assert read_package(tmp_path / "pkg").assessments is None

    def test_refuses_a_folder_with_other_files(self, tmp_path: Path) -> None:
        """A folder holding files that are not package files is not replaced (they would be
        lost): one error naming them, the folder as it was."""
        package = read_package(write_package_files(tmp_path / "pkg", patients="""
            patient_id,cohort,start_date,last_followup_date,death_date
            P1,original,2013-01-10,2014-05-01,
            """))
        (tmp_path / "pkg" / "README.txt").write_text("mine", encoding="utf-8")
        with pytest.raises(TrialDataError, match=r"holds README\.txt, which is not part of the "
                           "package; the folder is replaced as a whole: remove it or write"):
            write_package(package, tmp_path / "pkg")
        assert (tmp_path / "pkg" / "README.txt").read_text(encoding="utf-8") == "mine"


def read_package_patients(directory: Path) -> pd.DataFrame:
    """The patients of a folder whose other files may be invalid."""
    (directory / "assessments.csv").rename(directory / "hidden.txt")
    patients = read_package(directory).patients
    (directory / "hidden.txt").rename(directory / "assessments.csv")
    return patients


_CELLS = st.sampled_from(
    [
        "P1",
        "P2",
        "",
        "original",
        "amended",
        "2020-01-01",
        "2020-02-30",
        "2021-06-01",
        "CR",
        "ED",
        "true",
        "maybe",
        "3",
        "-1",
        "1e400",
        "nan",
        '"',
        "\\r",
        " ",
        "é",
        ",,",
    ]
)
_COLUMNS = st.sampled_from(
    [
        "patient_id",
        "cohort",
        "start_date",
        "last_followup_date",
        "death_date",
        "best_response",
        "response_date",
        "relapse_date",
        "sct_date",
        "ecog",
        "mrd_negative",
        "extra",
        "",
    ]
)


class TestNeverRaises:
    @given(
        header=st.lists(_COLUMNS, min_size=0, max_size=8),
        rows=st.lists(st.lists(_CELLS, min_size=0, max_size=9), max_size=6),
    )
    def test_any_patients_file(self, header: list[str], rows: list[list[str]]) -> None:
        """Whatever patients.csv holds, validation returns problems instead of raising."""
        with tempfile.TemporaryDirectory() as folder:
            text = "\n".join(",".join(cells) for cells in [header, *rows])
            (Path(folder) / "patients.csv").write_text(text, encoding="utf-8")
            problems = validate_package(Path(folder))
        assert all(isinstance(problem, TrialDataError) for problem in problems)

    @given(
        assessment_rows=st.lists(st.lists(_CELLS, min_size=6, max_size=6), max_size=5),
        event_rows=st.lists(st.lists(_CELLS, min_size=7, max_size=7), max_size=4),
    )
    def test_any_linked_files(
        self, assessment_rows: list[list[str]], event_rows: list[list[str]]
    ) -> None:
        """Random cells in assessments.csv and adverse_events.csv never make validation raise."""
        with tempfile.TemporaryDirectory() as folder:
            write_package_files(
                Path(folder),
                patients="""
                patient_id,cohort,start_date,last_followup_date,death_date,best_response
                P1,original,2020-01-01,2020-01-20,2020-01-20,ED
                P2,amended,2020-01-01,2021-06-01,,
                """,
            )
            files = {
                "assessments.csv": (
                    "patient_id,assessment_date,bm_blasts_pct,anc_10e9_per_l,"
                    "platelets_10e9_per_l,extramedullary_disease",
                    assessment_rows,
                ),
                "adverse_events.csv": (
                    "patient_id,term,onset_date,grade,ctcae_version,hematologic,treatment_related",
                    event_rows,
                ),
            }
            for name, (header, rows) in files.items():
                lines = [header, *(",".join(cells) for cells in rows)]
                (Path(folder) / name).write_text("\n".join(lines), encoding="utf-8")
            problems = validate_package(Path(folder))
        assert all(isinstance(problem, TrialDataError) for problem in problems)


_PLAIN_HEADER = (
    "patient_id,cohort,start_date,death_date,best_response,mrd_negative,age,ecog,pb_blasts_pct,"
    "note"
)
_PLAIN_CELLS = {
    "patient_id": ["P1", "P22", "", "x y"],
    "cohort": ["original", "amended", "", "Amended", "origina"],
    "start_date": ["2020-01-01", "2024-02-29", "2023-02-29", "2020-1-5", "", "1700-01-01"],
    "death_date": ["2020-12-31", "", "2020-13-01", "2020-01-01x", "0000-01-01"],
    "best_response": ["CR", "CRp", "ED", "", "cr", "CRpp"],
    "mrd_negative": ["true", "FALSE", "True", "", "yes", "t"],
    "age": ["34", "34.50", "007", "-1", "", "1e2", "-0", "-0.0", "1.", ".5", "121", "inf"],
    "ecog": ["0", "4", "2.0", "2.5", "", "5", "-0"],
    "pb_blasts_pct": ["0.1", "99.99", "100", "100.01", "", "12345678901234567", "nan"],
    "note": ["", "a", "1.5", "true"],
}


class TestPlainFiles:
    @given(
        rows=st.lists(
            st.tuples(*(st.sampled_from(cells) for cells in _PLAIN_CELLS.values())),
            min_size=1,
            max_size=8,
        ),
        crlf=st.booleans(),
        threads=st.booleans(),
    )
    def test_same_as_the_csv_parser(
        self, rows: list[tuple[str, ...]], crlf: bool, threads: bool
    ) -> None:
        """A plain file (read from its bytes, its columns on one thread or on two, as for a
        large file) gives the values and problems the CSV parser's route gives for the same
        cells (a quoted header name sends a file that way)."""
        from unittest import mock

        from minihcvd.trialdata import parse
        from minihcvd.trialdata.io import _parse_bytes
        from minihcvd.trialdata.schema import PATIENTS

        end = "\r\n" if crlf else "\n"
        body = end.join(",".join(row) for row in rows) + end
        quoted_header = '"patient_id"' + _PLAIN_HEADER.removeprefix("patient_id")
        with mock.patch.object(parse, "THREADED_MIN_ROWS", 0 if threads else 10**9):
            plain, plain_problems = _parse_bytes((_PLAIN_HEADER + end + body).encode(), PATIENTS)
            parsed, parsed_problems = _parse_bytes((quoted_header + end + body).encode(), PATIENTS)
        assert plain is not None and parsed is not None
        assert_frame_equal(plain, parsed, check_exact=True)
        assert _lines(plain_problems) == _lines(parsed_problems)

"""``minihcvd schedule``: every format for every protocol, and every bad input in one line."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import icalendar
import pytest
from typer.testing import CliRunner, Result

from minihcvd.cli import app

PATIENT = ["--height-cm", "175", "--weight-kg", "76", "--start", "2025-01-06"]
DATA = Path(__file__).resolve().parents[2] / "src" / "minihcvd" / "protocol" / "data"

Invoke = Callable[..., Result]


@pytest.fixture
def invoke() -> Invoke:
    """Run ``minihcvd schedule`` through the real app and its error edge."""

    def run(*args: str) -> Result:
        return CliRunner().invoke(app, ["schedule", *args])

    return run


class TestFormats:
    @pytest.mark.parametrize("protocol", ["original", "original-reduced", "amended"])
    def test_json_file(self, invoke: Invoke, tmp_path: Path, protocol: str) -> None:
        """JSON is written atomically and follows the contract."""
        out = tmp_path / "calendar.json"
        result = invoke("--protocol", protocol, *PATIENT, "--format", "json", "--out", str(out))
        assert result.exit_code == 0, result.output
        data = json.loads(out.read_text(encoding="utf-8"))
        assert data["protocol"] == protocol
        assert data["patient"]["bsa_m2"] == 1.92
        assert result.stdout == f"wrote {out} ({len(data['administrations'])} administrations)\n"

    @pytest.mark.parametrize("protocol", ["original", "original-reduced", "amended"])
    def test_csv_stdout(self, invoke: Invoke, protocol: str) -> None:
        """CSV goes to stdout when no file is given."""
        result = invoke("--protocol", protocol, *PATIENT, "--format", "csv")
        assert result.exit_code == 0, result.output
        rows = list(csv.DictReader(io.StringIO(result.stdout)))
        assert rows[0]["date"] == "2025-01-06" and rows[0]["drug"] == "cyclophosphamide"

    @pytest.mark.parametrize("protocol", ["original", "original-reduced", "amended"])
    def test_ics_file(self, invoke: Invoke, tmp_path: Path, protocol: str) -> None:
        """The .ics file parses as an iCalendar with all-day events."""
        out = tmp_path / "calendar.ics"
        result = invoke("--protocol", protocol, *PATIENT, "--format", "ics", "--out", str(out))
        assert result.exit_code == 0, result.output
        events = list(icalendar.Calendar.from_ical(out.read_bytes()).walk("VEVENT"))
        assert str(events[0]["summary"]).startswith("intensive C1 D1: cyclophosphamide")

    @pytest.mark.parametrize("protocol", ["original", "original-reduced", "amended"])
    def test_table(self, invoke: Invoke, protocol: str) -> None:
        """The default format is a Rich calendar grouped by course."""
        result = invoke("--protocol", protocol, *PATIENT, "--cd20-pct", "30", "--cns-disease")
        assert result.exit_code == 0, result.output
        assert "intensive course 1" in result.stdout
        assert "SCT planning" in result.stdout

    def test_table_file(self, invoke: Invoke, tmp_path: Path) -> None:
        """A table written to a file is plain text."""
        out = tmp_path / "calendar.txt"
        result = invoke("--protocol", "amended", *PATIENT, "--out", str(out))
        assert result.exit_code == 0, result.output
        text = out.read_text(encoding="utf-8")
        assert "intensive course 5 — blinatumomab" in text and "\x1b[" not in text

    def test_options_reach_the_calendar(self, invoke: Invoke) -> None:
        """Delay, adjustment, cap, formula, Ommaya and SCT weeks all change the JSON."""
        result = invoke(
            "--protocol", "original", "--height-cm", "190", "--weight-kg", "120",
            "--start", "2025-01-06", "--bsa-formula", "dubois", "--bsa-cap-m2", "2",
            "--delay", "2:7", "--adjust", "vincristine@3:50%:neuropathy", "--ommaya",
            "--sct-weeks", "7", "--format", "json",
        )
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        assert (data["patient"]["bsa_m2"], data["patient"]["bsa_formula"]) == (2.0, "dubois")
        assert data["courses"][1]["start"] == "2025-02-10"
        rows = data["administrations"]
        halved = [r for r in rows if r["drug"] == "vincristine" and r["course"] == 3
                  and r["phase"] == "intensive"]
        assert {r["dose"] for r in halved} == {1.0}
        assert {r["dose"] for r in rows if r["drug"] == "methotrexate"
                and r["route"] == "intraventricular (Ommaya)"} == {6.0}
        assert data["sct_planning"]["interval_weeks"] == 7
        assert data["sct_planning"]["interval_basis"] == "chosen_by_team"

    def test_protocol_file(self, invoke: Invoke, tmp_path: Path) -> None:
        """--protocol accepts a path to a protocol YAML file."""
        path = tmp_path / "site.yaml"
        path.write_text((DATA / "amended.yaml").read_text(encoding="utf-8"), encoding="utf-8")
        result = invoke("--protocol", str(path), *PATIENT, "--format", "json")
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["protocol"] == "amended"


class TestMarksInEveryFormat:
    @pytest.mark.parametrize("protocol", ["original", "original-reduced", "amended"])
    @pytest.mark.parametrize("output_format", ["table", "csv", "json", "ics"])
    def test_not_stated_values_shown(
        self, invoke: Invoke, tmp_path: Path, protocol: str, output_format: str
    ) -> None:
        """Each format of each protocol carries the marks of the values the paper does not
        state: the rituximab dose, the prophylactic IT doses and the POMP course length."""
        out = tmp_path / f"calendar.{output_format}"
        result = invoke("--protocol", protocol, *PATIENT, "--cd20-pct", "50",
                        "--format", output_format, "--out", str(out))
        assert result.exit_code == 0, result.output
        if output_format == "ics":
            parsed = icalendar.Calendar.from_ical(out.read_bytes())
            text = "\n".join(str(event["description"]) for event in parsed.walk("VEVENT"))
        else:
            text = out.read_text(encoding="utf-8")
        text = " ".join(text.replace("│", " ").split())  # table cells wrap; compare words
        mark = "not stated in the trial paper — confirm"
        assert mark in text
        if output_format != "table":  # long table cells wrap mid-sentence
            for detail in (
                "dose 375 mg/m2 (the paper gives days and courses only)",
                "dose 12 mg (6 mg via Ommaya) and the courses 1-4 (8 doses in all)",
                "dose 100 mg and the courses 1-4 (8 doses in all)",
                "course length: 'monthly' taken as a 28-day course",
            ):
                assert f"{mark}: {detail}" in text, detail


class TestBadInput:
    @pytest.mark.parametrize(
        ("args", "line"),
        [
            (["--protocol", "amended", "--height-cm", "20", "--weight-kg", "76", "--start",
              "2025-01-06"], "field 'height_cm': expected 100-250 cm, found 20; check the unit"),
            (["--protocol", "amended", "--height-cm", "175", "--weight-kg", "500", "--start",
              "2025-01-06"], "field 'weight_kg': expected 20-350 kg, found 500; check the unit"),
            (["--protocol", "amended", *PATIENT, "--cd20-pct", "120"],
             "field 'cd20_pct': expected 0-100 %, found 120.0"),
            (["--protocol", "hyper-cvad", *PATIENT],
             "field 'protocol': unknown protocol 'hyper-cvad'; expected one of: amended,"
             " original, original-reduced"),
            (["--protocol", "amended", "--height-cm", "175", "--weight-kg", "76", "--start",
              "2025-02-30"], "field 'start': expected a date YYYY-MM-DD, found '2025-02-30'"),
            (["--protocol", "original", *PATIENT, "--adjust", "vincristine@2:50%:neuropathy"],
             "field 'adjust': course 2 of this calendar has no vincristine to adjust"),
            (["--protocol", "amended", *PATIENT, "--delay", "3:0"],
             "field 'delay': expected a delay of 1-365 days, found 0"),
            (["--protocol", "amended", *PATIENT, "--bsa-formula", "boyd"],
             "field 'bsa_formula': expected one of mosteller, dubois, found 'boyd'"),
            (["--protocol", "amended", *PATIENT, "--format", "pdf"],
             "field 'format': expected one of table, csv, json, ics, fhir, found 'pdf'"),
            (["--protocol", "amended", *PATIENT, "--cd20-pct", "nan"],
             "field 'cd20_pct': expected 0-100 % (omit the option if CD20 is unknown),"
             " found nan"),
        ],
    )
    def test_one_line_exit_2_no_file(
        self, invoke: Invoke, tmp_path: Path, args: list[str], line: str
    ) -> None:
        """One line naming the field on stderr, exit code 2, no output file."""
        out = tmp_path / "calendar.json"
        result = invoke(*args, "--out", str(out))
        assert (result.exit_code, result.stderr, result.stdout) == (2, f"error: {line}\n", "")
        assert list(tmp_path.iterdir()) == []

    def test_malformed_protocol_file(self, invoke: Invoke, tmp_path: Path) -> None:
        """A malformed protocol file is named with the bad field."""
        path = tmp_path / "bad.yaml"
        text = (DATA / "original.yaml").read_text(encoding="utf-8")
        path.write_text(text.replace("dose: 150", "dose: -150", 1), encoding="utf-8")
        out = tmp_path / "calendar.json"
        result = invoke("--protocol", str(path), *PATIENT, "--out", str(out))
        assert (result.exit_code, result.stderr) == (
            2, "error: bad.yaml, field 'components[cyclophosphamide].dose': Input should be"
            " greater than 0 (1 problem in all)\n",
        )
        assert not out.exists()

    def test_out_is_a_folder(self, invoke: Invoke, tmp_path: Path) -> None:
        """--out naming a folder is a one-line error, not a traceback, and writes nothing."""
        result = invoke("--protocol", "amended", *PATIENT, "--format", "json",
                        "--out", str(tmp_path))
        assert (result.exit_code, result.stderr) == (
            2, f"error: field 'out': expected a file name, found the folder '{tmp_path}'\n"
        )
        assert list(tmp_path.iterdir()) == []

    def test_out_cannot_be_written(self, invoke: Invoke, tmp_path: Path) -> None:
        """A path that cannot be created (a file where a folder should be) is one line, exit 2."""
        blocker = tmp_path / "blocker"
        blocker.write_text("", encoding="utf-8")
        result = invoke("--protocol", "amended", *PATIENT, "--format", "csv",
                        "--out", str(blocker / "calendar.csv"))
        assert result.exit_code == 2
        target = blocker / "calendar.csv"
        assert result.stderr.startswith(f"error: field 'out': cannot write '{target}'")
        assert result.stderr.count("\n") == 1
        assert sorted(p.name for p in tmp_path.iterdir()) == ["blocker"]

    def test_existing_file_untouched(self, invoke: Invoke, tmp_path: Path) -> None:
        """An error leaves an earlier output file exactly as it was."""
        out = tmp_path / "calendar.csv"
        out.write_text("earlier", encoding="utf-8")
        result = invoke("--protocol", "amended", *PATIENT, "--cd20-pct", "-5", "--format", "csv",
                        "--out", str(out))
        assert result.exit_code == 2
        assert out.read_text(encoding="utf-8") == "earlier"


BIG = ("--height-cm", "250", "--weight-kg", "350", "--start", "2025-01-06")


class TestBodySizeWarnings:
    def test_table_warns_and_exits_0(self, invoke: Invoke) -> None:
        """250 cm / 350 kg: the table warns (height, weight, BSA 4.93 m2 with the cap option)."""
        result = invoke("--protocol", "amended", *BIG)
        assert result.exit_code == 0, result.output
        text = " ".join(result.stdout.split())
        assert "WARNING: height 250 cm is outside the plausible adult range" in text
        assert "WARNING: BSA 4.93 m2 is above 2.5 m2" in text and "--bsa-cap-m2" in text

    def test_json_warnings_and_stderr(self, invoke: Invoke, tmp_path: Path) -> None:
        """JSON lists the warnings; the person running it sees them on stderr; exit code 0."""
        out = tmp_path / "calendar.json"
        result = invoke("--protocol", "amended", *BIG, "--format", "json", "--out", str(out))
        assert result.exit_code == 0, result.output
        warnings = json.loads(out.read_text(encoding="utf-8"))["warnings"]
        assert len(warnings) == 3 and warnings[2].startswith("BSA 4.93 m2 is above 2.5 m2")
        assert result.stderr.splitlines() == [f"warning: {w}" for w in warnings]

    def test_plausible_patient_no_warnings(self, invoke: Invoke) -> None:
        """175 cm / 76 kg: no warnings, nothing on stderr."""
        result = invoke("--protocol", "amended", *PATIENT, "--format", "json")
        assert json.loads(result.stdout)["warnings"] == [] and result.stderr == ""

    def test_bsa_cap_alias(self, invoke: Invoke) -> None:
        """--bsa-cap is the short name of --bsa-cap-m2; capped, the BSA warning goes."""
        result = invoke("--protocol", "amended", *BIG, "--bsa-cap", "2", "--format", "json")
        data = json.loads(result.stdout)
        assert data["patient"]["bsa_m2"] == 2.0
        assert not any(w.startswith("BSA") for w in data["warnings"])


class TestSmallOnes:
    def test_out_into_a_missing_folder(self, invoke: Invoke, tmp_path: Path) -> None:
        """--out into a folder that does not exist is the usual one-line error; nothing made."""
        out = tmp_path / "nowhere" / "calendar.json"
        result = invoke("--protocol", "amended", *PATIENT, "--format", "json", "--out", str(out))
        assert (result.exit_code, result.stderr) == (
            2, f"error: field 'out': the folder '{out.parent}' does not exist; create it first\n"
        )
        assert list(tmp_path.iterdir()) == []

    def test_doses_until_clear_needs_cns_disease(self, invoke: Invoke) -> None:
        """--cns-doses-until-clear without --cns-disease is an error, not silently ignored."""
        result = invoke("--protocol", "amended", *PATIENT, "--cns-doses-until-clear", "6")
        assert result.exit_code == 2
        assert result.stderr.startswith("error: field 'cns_doses_until_clear': the number of")

    def test_maintenance_blinatumomab_count_conflict_noted(self) -> None:
        """The paper's Introduction says 3 maintenance blinatumomab courses, its Methods 4."""
        from minihcvd.protocol import load_protocol

        component = next(c for c in load_protocol("amended").components
                         if c.id == "maintenance-blinatumomab")
        assert len(component.courses) == 4
        assert component.note is not None and "its Introduction says 3" in component.note

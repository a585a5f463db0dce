"""Design files: saved and loaded back; anything wrong is one line naming the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from minihcvd.errors import MonitoringError
from minihcvd.monitoring import (
    Elicitation,
    InverseGammaPrior,
    MonitoringDesign,
    default_design_path,
    design_to_toml,
    load_design,
    save_design,
)

DESIGN = MonitoringDesign(
    standard=InverseGammaPrior(100.0, 1100.0),
    experimental=InverseGammaPrior(3.0, 22.0),
    delta_months=0.0,
    p_lower=0.171,
    min_patients=10,
    max_patients=110,
    followup_months=12.0,
    elicitation=Elicitation(7.7, 100.0, 4.0, 1.0, 0.1, 0.54, 0.1, 20000, 2012),
)


class TestSaveAndLoad:
    def test_round_trip(self, tmp_path: Path) -> None:
        """What is saved loads back equal, elicitation record included."""
        path = tmp_path / "design.toml"
        save_design(DESIGN, path)
        loaded = load_design(path)
        assert loaded == DESIGN
        assert loaded.elicitation == DESIGN.elicitation

    def test_default_design_loads(self) -> None:
        """The documented default is the trial's rule: delta 0, calibrated p_L 0.171."""
        design = load_design(default_design_path())
        assert (design.delta_months, design.p_lower, design.min_patients) == (0.0, 0.171, 10)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    return path


GOOD = design_to_toml(DESIGN)


class TestLoadDesignErrors:
    def test_missing_file(self, tmp_path: Path) -> None:
        """An unreadable file is named with the reason."""
        path = tmp_path / "nope.toml"
        with pytest.raises(MonitoringError) as caught:
            load_design(path)
        assert caught.value.one_line() == (
            f"{path}: cannot read the design file: No such file or directory")

    def test_malformed_toml(self, tmp_path: Path) -> None:
        """TOML syntax errors keep the parser's line and column, on one line."""
        path = write(tmp_path, "format = \n")
        with pytest.raises(MonitoringError) as caught:
            load_design(path)
        assert caught.value.one_line() == (
            f"{path}: not valid TOML: Invalid value (at line 1, column 10)")

    def test_wrong_format(self, tmp_path: Path) -> None:
        """Other TOML files are not mistaken for designs."""
        path = write(tmp_path, 'title = "x"\n')
        with pytest.raises(MonitoringError) as caught:
            load_design(path)
        assert caught.value.one_line() == (
            f"{path}, field 'format': expected format = 'minihcvd-monitoring-design' and "
            "version = 1, found None and None")

    @pytest.mark.parametrize(
        ("old", "new", "message"),
        [
            ("p_lower = 0.171", "p_lower = 1.5", "field 'p_lower': p_L (the stopping threshold) "
             "must lie strictly between 0 and 1, found 1.5"),
            ("shape = 100.0", "shape = -1.0",
             "field 'shape': an inverse-gamma shape must be a positive number, found -1.0"),
            ("min_patients = 10", "min_patients = 10.5",
             "field 'rule.min_patients': [rule] min_patients must be a whole number, found 10.5"),
            ("p_lower = 0.171\n", "", "field 'rule': [rule] needs exactly delta_months, p_lower, "
             "min_patients, max_patients, followup_months; missing ['p_lower'], unknown []"),
            ("delta_months = 0.0", 'delta_months = "0"',
             "field 'rule.delta_months': [rule] delta_months must be a finite number, found '0'"),
        ],
    )
    def test_invalid_content(self, tmp_path: Path, old: str, new: str, message: str) -> None:
        """Each invalid value is reported with its file and field."""
        assert old in GOOD
        path = write(tmp_path, GOOD.replace(old, new, 1))
        with pytest.raises(MonitoringError) as caught:
            load_design(path)
        assert caught.value.one_line() == f"{path}, {message}"


class TestSaveDesignErrors:
    def test_unwritable_path_is_one_line(self, tmp_path: Path) -> None:
        """A folder that is a regular file fails with the file named, not a traceback."""
        blocker = tmp_path / "file"
        blocker.write_text("x", encoding="utf-8")
        with pytest.raises(MonitoringError) as caught:
            save_design(DESIGN, blocker / "design.toml")
        assert caught.value.one_line() == (
            f"{blocker / 'design.toml'}: cannot write the design file: File exists")

"""Site variants that change a value the paper states, and the hard limits no file can lift.

The limits below are written out from the paper (Jabbour et al., J Hematol Oncol 2023, Methods:
Procedures), not read back from ``protocol.limits``: vincristine is a 2 mg flat dose; the
highest inotuzumab dose is 1.8 mg/m2 (course 1 before the amendment) and the highest planned
total 5.7 mg/m2; cyclophosphamide 150 mg/m2 is a 50% reduction (so Hyper-CVAD's 300 mg/m2 is
the most any file may ask for).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path

import icalendar
import pytest
from rich.console import Console

from minihcvd.calendar import DEVIATION_MARK, build_calendar, to_csv, to_ics, to_rich
from minihcvd.dosing import body_size, component_dose
from minihcvd.errors import DosingError, ProtocolError
from minihcvd.protocol import Component, load_protocol, load_protocol_file
from minihcvd.protocol.limits import DOSE_LIMITS, OMMAYA_ROUTE

DATA = Path(__file__).resolve().parents[2] / "src" / "minihcvd" / "protocol" / "data"
SITE_SOURCE = "Site SOP 7 (2025): vincristine 1.5 mg"


def _variant(tmp_path: Path, overrides: str, extra: str = "", base: str = "amended") -> Path:
    path = tmp_path / "site.yaml"
    path.write_text(
        f"extends: {base}\nname: {base}-site\n{extra}component_overrides:\n{overrides}",
        encoding="utf-8",
    )
    return path


class TestDeviation:
    def test_changed_stated_dose_needs_the_sites_source(self, tmp_path: Path) -> None:
        """Changing vincristine's stated dose without a source of the site's own is refused."""
        path = _variant(tmp_path, "  vincristine: {dose: 1.5}\n")
        with pytest.raises(ProtocolError) as caught:
            load_protocol_file(path)
        assert caught.value.one_line().startswith(
            "site.yaml, field 'component_overrides.vincristine.source': changes dose, which the"
            " trial paper states"
        )

    def test_keeping_the_papers_source_is_not_the_sites(self, tmp_path: Path) -> None:
        """Restating the paper's citation does not count as the site's own source."""
        paper = load_protocol("amended").components[2].source
        path = _variant(tmp_path, f"  vincristine: {{dose: 1.5, source: '{paper}'}}\n")
        with pytest.raises(ProtocolError, match="give the site's own source"):
            load_protocol_file(path)

    def test_changed_stated_dose_is_marked(self, tmp_path: Path) -> None:
        """With its source, the change is kept, marked as a deviation, and no longer 'stated'."""
        path = _variant(tmp_path, f"  vincristine: {{dose: 1.5, source: '{SITE_SOURCE}'}}\n")
        component = next(c for c in load_protocol_file(path).components if c.id == "vincristine")
        assert (component.dose, component.source, component.stated_in_paper) == (
            1.5, SITE_SOURCE, False
        )
        assert component.deviation is not None
        assert "dose 1.5 mg instead of the paper's 2 mg" in component.deviation
        assert "Methods: Procedures" in component.deviation  # what the paper says, cited

    def test_unchanged_components_stay_the_papers(self, tmp_path: Path) -> None:
        """Only the overridden component is marked."""
        path = _variant(tmp_path, f"  vincristine: {{dose: 1.5, source: '{SITE_SOURCE}'}}\n")
        shipped = {c.id: c for c in load_protocol("amended").components}
        for component in load_protocol_file(path).components:
            if component.id != "vincristine":
                assert component == shipped[component.id]

    def test_the_shipped_reduced_level_is_not_a_deviation(self) -> None:
        """original-reduced overrides inotuzumab with the paper's own lower level: not marked."""
        plan = load_protocol("original-reduced")
        assert all(c.deviation is None for c in plan.components)

    def test_a_site_cannot_write_its_own_mark(self, tmp_path: Path) -> None:
        """The deviation mark comes from the loader; a file can neither set nor remove it."""
        path = _variant(tmp_path, "  vincristine: {deviation: none}\n")
        with pytest.raises(ProtocolError, match="set by the loader"):
            load_protocol_file(path)

    def test_a_site_cannot_make_a_value_stated(self, tmp_path: Path) -> None:
        """The rituximab dose is not in the paper; no file can say it is."""
        path = _variant(
            tmp_path, "  rituximab-odd: {stated_in_paper: true, unstated_detail: null}\n"
        )
        with pytest.raises(ProtocolError, match="cannot make a value stated"):
            load_protocol_file(path)

    def test_changed_unstated_value_needs_the_sites_decision(self, tmp_path: Path) -> None:
        """A changed value the paper does not state needs the site's wording with it."""
        path = _variant(tmp_path, "  rituximab-odd: {dose: 300}\n")
        with pytest.raises(ProtocolError, match="does not state: give the site's own source"):
            load_protocol_file(path)

    def test_deviation_in_every_output(self, tmp_path: Path) -> None:
        """Table, CSV, JSON and ICS all carry the mark on each deviating dose and in the notes."""
        path = _variant(tmp_path, f"  vincristine: {{dose: 1.5, source: '{SITE_SOURCE}'}}\n")
        calendar = build_calendar(
            load_protocol_file(path), height_cm=175, weight_kg=76, start=dt.date(2025, 1, 6)
        )
        vincristine = [
            a for a in calendar.administrations
            if a.drug == "vincristine" and a.phase == "intensive"
        ]
        assert len(vincristine) == 4  # days 1 and 8 of courses 1 and 3
        assert {(a.dose, a.stated_in_paper, a.source) for a in vincristine} == {
            (1.5, False, SITE_SOURCE)
        }
        assert all(DEVIATION_MARK in a.calculation for a in vincristine)
        maintenance = [a for a in calendar.administrations if a.drug == "vincristine"
                       and a.phase == "maintenance"]
        assert maintenance and all(a.deviation is None for a in maintenance)  # pomp-vincristine
        assert any(DEVIATION_MARK in note for note in calendar.notes)
        data = calendar.to_json_dict()
        rows = [r for r in data["administrations"] if "deviation" in r]
        assert len(rows) == 4 and all(r["stated_in_paper"] is False for r in rows)
        json.dumps(data)
        csv_rows = [
            r for r in csv.DictReader(io.StringIO(to_csv(calendar)))
            if r["kind"] == "administration" and DEVIATION_MARK in r["calculation"]
        ]
        assert len(csv_rows) == 4 and all(r["stated_in_paper"] == "false" for r in csv_rows)
        ics = icalendar.Calendar.from_ical(
            to_ics(calendar, generated_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
        )
        described = [str(e["description"]) for e in ics.walk("VEVENT")]
        assert sum(DEVIATION_MARK in text for text in described) == 4
        buffer = io.StringIO()
        Console(file=buffer, width=600, no_color=True).print(to_rich(calendar))  # no folding
        table = buffer.getvalue()
        assert table.count(DEVIATION_MARK) >= 3  # header note + the rows of courses 1 and 3


class TestHardLimits:
    @pytest.mark.parametrize(
        ("component", "change", "message"),
        [
            ("vincristine", "dose: 20", r"vincristine IV 20 mg is above the hard limit of 2 mg"),
            ("pomp-vincristine", "dose: 2.5", r"vincristine IV 2\.5 mg is above the hard limit"),
            ("inotuzumab-c1-day2", "dose: 6",
             r"inotuzumab ozogamicin IV 6 mg/m2 is above the hard limit of 1\.8 mg/m2"),
            ("cyclophosphamide", "dose: 600", r"above the hard limit of 300 mg/m2"),
            ("vincristine", "route: IT", r"vincristine is never planned by the route IT"),
            ("cyclophosphamide", "unit: mg", r"must be dosed in mg/m2"),
            ("it-methotrexate-odd", "dose_via_ommaya: 12",
             r"methotrexate intraventricular \(Ommaya\) 12 mg is above the hard limit of 6 mg"),
        ],
    )
    def test_no_file_lifts_a_limit(
        self, tmp_path: Path, component: str, change: str, message: str
    ) -> None:
        """Even with the site's own source, a dose above its drug's limit is refused on load."""
        path = _variant(tmp_path, f"  {component}: {{{change}, source: 'Site SOP'}}\n")
        with pytest.raises(ProtocolError, match=message):
            load_protocol_file(path)

    def test_a_copied_file_cannot_lift_one_either(self, tmp_path: Path) -> None:
        """The limits hold for a whole file too, not only for overrides."""
        text = (DATA / "amended.yaml").read_text(encoding="utf-8")
        path = tmp_path / "copy.yaml"
        path.write_text(text.replace("    days: \"1,8\"\n    dose: 2\n",
                                     "    days: \"1,8\"\n    dose: 20\n", 1), encoding="utf-8")
        with pytest.raises(ProtocolError, match=r"field 'components\[vincristine\]'.*hard limit"):
            load_protocol_file(path)

    def test_triple_intrathecal_doses_too(self, tmp_path: Path) -> None:
        """The triple IT drugs are checked like components (methotrexate at most 12 mg IT)."""
        text = (DATA / "amended.yaml").read_text(encoding="utf-8")
        path = tmp_path / "copy.yaml"
        path.write_text(text.replace("{drug: methotrexate, dose: 12, dose_via_ommaya: 6}",
                                     "{drug: methotrexate, dose: 15, dose_via_ommaya: 6}"),
                        encoding="utf-8")
        with pytest.raises(ProtocolError, match="methotrexate IT 15 mg is above the hard limit"):
            load_protocol_file(path)

    def test_cumulative_inotuzumab_above_the_papers_highest(self, tmp_path: Path) -> None:
        """A planned total above 5.7 mg/m2 is refused even when the components add up to it."""
        path = _variant(
            tmp_path,
            "  inotuzumab-c2-4: {dose: 1.8, source: 'Site SOP'}\n",
            extra="inotuzumab_planned_total_mg_per_m2: 7.2\n",
            base="original",
        )
        with pytest.raises(ProtocolError, match=r"above the hard limit of 5\.7 mg/m2"):
            load_protocol_file(path)

    def test_every_drug_and_route_of_the_shipped_files_has_a_limit(self) -> None:
        """Each (drug, route) the three protocols use is limited, with a source."""
        used = {
            (c.drug, c.route)
            for name in ("original", "original-reduced", "amended")
            for c in load_protocol(name).components
        }
        assert used <= set(DOSE_LIMITS)
        assert ("methotrexate", OMMAYA_ROUTE) in DOSE_LIMITS
        assert all(limit.source for limit in DOSE_LIMITS.values())

    def test_the_dosing_layer_checks_again(self) -> None:
        """A component made without validation still cannot give more than the limit."""
        component = Component.model_construct(
            id="vcr", drug="vincristine", route="IV", phase="intensive", courses=(1,),
            days=(1,), dose=4.0, unit="mg", doses_per_day=1, max_dose=None, dose_via_ommaya=None,
            condition="always", from_date=None, day_window=None, note=None, low_weight=None,
            source="s", stated_in_paper=True, unstated_detail=None, deviation=None,
        )
        with pytest.raises(DosingError, match="above the hard limit of 2 mg"):
            component_dose(component, body_size(175, 76))

    def test_limits_hold_the_shipped_doses(self) -> None:
        """The shipped doses are within their limits (2 mg vincristine is allowed exactly)."""
        vincristine = DOSE_LIMITS[("vincristine", "IV")]
        assert vincristine.maximum == Decimal(2) and vincristine.unit == "mg"

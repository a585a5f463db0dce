"""Loading the shipped protocols and reporting a bad protocol file in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from minihcvd.errors import ProtocolError
from minihcvd.protocol import load_protocol, load_protocol_file, protocol_names

DATA = Path(__file__).resolve().parents[2] / "src" / "minihcvd" / "protocol" / "data"


def _doses(name: str, drug: str) -> list[tuple[tuple[int, ...], tuple[int, ...], float]]:
    return [(c.courses, c.days, c.dose) for c in load_protocol(name).components if c.drug == drug]


class TestProtocolNames:
    def test_the_three_versions(self) -> None:
        """Exactly the paper's three protocol versions ship."""
        assert protocol_names() == ["amended", "original", "original-reduced"]


class TestLoadProtocol:
    def test_original_inotuzumab(self) -> None:
        """Original: 1.8 mg/m2 day 3 of course 1, 1.3 mg/m2 day 3 of courses 2-4 (5.7 total)."""
        assert _doses("original", "inotuzumab ozogamicin") == [
            ((1,), (3,), 1.8),
            ((2, 3, 4), (3,), 1.3),
        ]
        assert load_protocol("original").inotuzumab_planned_total_mg_per_m2 == 5.7

    def test_reduced_inherits_all_but_inotuzumab(self) -> None:
        """original-reduced = original with 1.3 then 1.0 mg/m2 (4.3 total)."""
        original, reduced = load_protocol("original"), load_protocol("original-reduced")
        assert _doses("original-reduced", "inotuzumab ozogamicin") == [
            ((1,), (3,), 1.3),
            ((2, 3, 4), (3,), 1.0),
        ]
        assert reduced.inotuzumab_planned_total_mg_per_m2 == 4.3
        others = [c for c in original.components if c.drug != "inotuzumab ozogamicin"]
        assert [c for c in reduced.components if c.drug != "inotuzumab ozogamicin"] == others
        assert reduced.phases == original.phases

    def test_amended_fractionated_inotuzumab(self) -> None:
        """Amended: 0.6 + 0.3 mg/m2 (days 2, 8) in course 1, 0.3 + 0.3 in courses 2-4."""
        assert _doses("amended", "inotuzumab ozogamicin") == [
            ((1,), (2,), 0.6),
            ((1,), (8,), 0.3),
            ((2, 3, 4), (2, 8), 0.3),
        ]

    def test_amended_courses(self) -> None:
        """4 mini-Hyper-CVD + 4 blinatumomab courses; 12 POMP with blinatumomab after every 3."""
        labels = [(c.phase, c.group.label.split(" ")[0]) for c in load_protocol("amended").courses]
        assert labels[:8] == [("intensive", "mini-Hyper-CVD,")] * 4 + [
            ("intensive", "blinatumomab")
        ] * 4
        maintenance = [label for phase, label in labels if phase == "maintenance"]
        assert maintenance == (["POMP"] * 3 + ["blinatumomab"]) * 4

    def test_unstated_values_are_marked(self) -> None:
        """Rituximab, prophylactic IT doses and the blinatumomab low-weight dose are marked."""
        for name in protocol_names():
            plan = load_protocol(name)
            for component in plan.components:
                if component.drug == "rituximab" or component.route == "IT":
                    assert not component.stated_in_paper, component.id
                if component.low_weight is not None:
                    assert not component.low_weight.stated_in_paper
            # the triple IT doses are the paper's; its schedule is the assumption
            assert plan.cns_disease_therapy.stated_in_paper
            assert "how many twice-weekly doses" in plan.cns_disease_therapy.schedule_assumption

    def test_cached(self) -> None:
        """Loading twice gives the same immutable object."""
        assert load_protocol("amended") is load_protocol("amended")

    def test_unknown_name(self) -> None:
        """An unknown name lists the known ones."""
        with pytest.raises(ProtocolError) as caught:
            load_protocol("hyper-cvad")
        assert caught.value.one_line() == (
            "field 'protocol': unknown protocol 'hyper-cvad'; expected one of: amended,"
            " original, original-reduced"
        )


class TestLoadProtocolFile:
    def _write(self, tmp_path: Path, name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    def test_a_copy_loads(self, tmp_path: Path) -> None:
        """A copied shipped file loads to the same protocol."""
        path = self._write(tmp_path, "site.yaml", (DATA / "amended.yaml").read_text())
        assert load_protocol_file(path) == load_protocol("amended")

    def test_field_error_names_component(self, tmp_path: Path) -> None:
        """A bad field is named by its component id, not its list index."""
        text = (DATA / "original.yaml").read_text().replace("dose: 150", "dose: -150", 1)
        path = self._write(tmp_path, "bad.yaml", text)
        with pytest.raises(ProtocolError) as caught:
            load_protocol_file(path)
        assert caught.value.one_line() == (
            "bad.yaml, field 'components[cyclophosphamide].dose': Input should be greater"
            " than 0 (1 problem in all)"
        )

    def test_missing_field(self, tmp_path: Path) -> None:
        """A missing required field is named."""
        text = (DATA / "amended.yaml").read_text().replace("cd20_threshold_pct: 20\n", "")
        path = self._write(tmp_path, "bad.yaml", text)
        with pytest.raises(ProtocolError, match="field 'cd20_threshold_pct': Field required"):
            load_protocol_file(path)

    def test_not_yaml(self, tmp_path: Path) -> None:
        """Broken YAML names the line."""
        path = self._write(tmp_path, "bad.yaml", "name: x\nsteps: [1, 2\n")
        with pytest.raises(ProtocolError) as caught:
            load_protocol_file(path)
        assert caught.value.one_line() == (
            "bad.yaml: not valid YAML at line 3: expected ',' or ']', but got '<stream end>'"
        )

    def test_not_a_mapping(self, tmp_path: Path) -> None:
        """A YAML list at the top level is refused."""
        path = self._write(tmp_path, "bad.yaml", "- 1\n")
        with pytest.raises(ProtocolError, match="expected a YAML mapping"):
            load_protocol_file(path)

    def test_missing_file(self, tmp_path: Path) -> None:
        """A missing file is a ProtocolError naming it."""
        with pytest.raises(ProtocolError, match=r"^none\.yaml: cannot read the file"):
            load_protocol_file(tmp_path / "none.yaml")

    def test_extends_and_overrides(self, tmp_path: Path) -> None:
        """extends merges the base; component_overrides changes named components only."""
        self._write(tmp_path, "base.yaml", (DATA / "original.yaml").read_text())
        path = self._write(
            tmp_path,
            "child.yaml",
            "extends: base\nname: child\ncomponent_overrides:\n"
            "  pegfilgrastim: {dose: 3, source: site SOP 4}\n",
        )
        child = load_protocol_file(path)
        assert child.name == "child"
        doses = {c.id: c.dose for c in child.components}
        assert (doses["pegfilgrastim"], doses["cyclophosphamide"]) == (3, 150)

    def test_overrides_apply_to_child_components(self, tmp_path: Path) -> None:
        """With both components and overrides in the child, the overrides are not lost."""
        self._write(tmp_path, "base.yaml", (DATA / "original.yaml").read_text())
        path = self._write(
            tmp_path,
            "child.yaml",
            "extends: base\ncomponents:\n"
            "  - {id: vcr, drug: vincristine, route: IV, phase: intensive, courses: '1',"
            " days: '1', dose: 2, unit: mg, source: s}\n"
            "  - {id: ino, drug: inotuzumab ozogamicin, route: IV, phase: intensive,"
            " courses: '1', days: '3', dose: 1.8, unit: mg/m2, source: s}\n"
            "inotuzumab_planned_total_mg_per_m2: 1.8\n"
            "component_overrides:\n  vcr: {dose: 1.5, source: site}\n",
        )
        assert [c.dose for c in load_protocol_file(path).components] == [1.5, 1.8]

    def test_override_unknown_component(self, tmp_path: Path) -> None:
        """Overriding a component the base does not have is refused."""
        self._write(tmp_path, "base.yaml", (DATA / "original.yaml").read_text())
        path = self._write(
            tmp_path, "child.yaml", "extends: base\ncomponent_overrides:\n  nope: {dose: 1}\n"
        )
        with pytest.raises(ProtocolError, match=r"field 'component_overrides\.nope'"):
            load_protocol_file(path)

    def test_overrides_need_extends(self, tmp_path: Path) -> None:
        """component_overrides without a base is refused."""
        path = self._write(tmp_path, "x.yaml", "component_overrides: {}\n")
        with pytest.raises(ProtocolError, match="needs 'extends"):
            load_protocol_file(path)

    def test_missing_base(self, tmp_path: Path) -> None:
        """extends must name a sibling file."""
        path = self._write(tmp_path, "x.yaml", "extends: nowhere\n")
        with pytest.raises(ProtocolError, match="base protocol 'nowhere' not found next to"):
            load_protocol_file(path)

    def test_site_variant_of_a_shipped_protocol(self, tmp_path: Path) -> None:
        """A site file anywhere may extend a shipped version and record its own decision on a
        value the paper does not state (here the rituximab dose); the value stays marked."""
        detail = "{unstated_detail: 'dose 375 mg/m2, confirmed by pharmacy (SOP 12)'}"
        path = self._write(
            tmp_path,
            "site.yaml",
            "extends: amended\nname: amended-site\ncomponent_overrides:\n"
            f"  rituximab-odd: {detail}\n  rituximab-even: {detail}\n",
        )
        site = load_protocol_file(path)
        rituximab = [c for c in site.components if c.drug == "rituximab"]
        assert {(c.dose, c.stated_in_paper, c.unstated_detail) for c in rituximab} == {
            (375, False, "dose 375 mg/m2, confirmed by pharmacy (SOP 12)")
        }
        shipped = load_protocol("amended")
        assert [c for c in site.components if c.drug != "rituximab"] == [
            c for c in shipped.components if c.drug != "rituximab"
        ]

    def test_extends_cycle(self, tmp_path: Path) -> None:
        """A file extending itself stops with an error, not a recursion crash."""
        path = self._write(tmp_path, "loop.yaml", "extends: loop\n")
        with pytest.raises(ProtocolError, match="field 'extends'"):
            load_protocol_file(path)

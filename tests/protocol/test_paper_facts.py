"""The shipped protocol files against the trial paper, fact by fact.

Every expectation below is written out from the paper (Jabbour et al., J Hematol Oncol 2023,
Methods: Procedures) and the issue, not read back from the YAML, so an edited dose, day,
frequency, unit, course count or course length in a protocol file fails here. Values the paper
does not give (rituximab dose, prophylactic IT doses, the POMP course length, ...) are checked
for their mark instead.
"""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from minihcvd.protocol import Protocol, load_protocol

Key = tuple[str, str, str]  # drug, route, phase
Slot = tuple[int, int]  # course, day
Dose = tuple[float, str, int]  # per administration before BSA, unit, doses per day


def _schedule(plan: Protocol, condition: str | None = None) -> dict[Key, dict[Slot, Dose]]:
    """(drug, route, phase) -> {(course, day): (dose, unit, doses_per_day)} of the file."""
    schedule: dict[Key, dict[Slot, Dose]] = {}
    for c in plan.components:
        if condition is not None and c.condition != condition:
            continue
        slots = schedule.setdefault((c.drug, c.route, c.phase), {})
        for course in c.courses:
            for day in c.days:
                assert (course, day) not in slots, f"{c.id}: course {course} day {day} twice"
                slots[(course, day)] = (c.dose, c.unit, c.doses_per_day)
    return schedule


def _at(courses: Iterable[int], days: Iterable[int], dose: Dose) -> dict[Slot, Dose]:
    days = tuple(days)
    return {(course, day): dose for course in courses for day in days}


ODD_ORIGINAL, EVEN_ORIGINAL = (1, 3, 5, 7), (2, 4, 6, 8)
ODD_AMENDED, EVEN_AMENDED = (1, 3), (2, 4)


def _chemotherapy(odd: tuple[int, ...], even: tuple[int, ...]) -> dict[Key, dict[Slot, Dose]]:
    """The mini-Hyper-CVD backbone as the paper gives it."""
    return {
        # 150 mg/m2 every 12 h on days 1-3
        ("cyclophosphamide", "IV", "intensive"): _at(odd, range(1, 4), (150, "mg/m2", 2)),
        # 20 mg a day on days 1-4 and 11-14
        ("dexamethasone", "IV", "intensive"): _at(odd, [1, 2, 3, 4, 11, 12, 13, 14],
                                                   (20, "mg", 1)),
        # 2 mg flat, days 1 and 8
        ("vincristine", "IV", "intensive"): _at(odd, [1, 8], (2, "mg", 1)),
        # 250 mg/m2 day 1
        ("methotrexate", "IV", "intensive"): _at(even, [1], (250, "mg/m2", 1)),
        # 0.5 g/m2 = 500 mg/m2 per dose, every 12 h on days 2 and 3
        ("cytarabine", "IV", "intensive"): _at(even, [2, 3], (500, "mg/m2", 2)),
        # pegfilgrastim 6 mg SC on day 4 of every mini-Hyper-CVD course
        ("pegfilgrastim", "SC", "intensive"): _at((*odd, *even), [4], (6, "mg", 1)),
    }


class TestOriginal:
    @pytest.mark.parametrize(
        ("name", "first", "later", "total"),
        [("original", 1.8, 1.3, 5.7), ("original-reduced", 1.3, 1.0, 4.3)],
    )
    def test_every_systemic_dose(self, name: str, first: float, later: float,
                                 total: float) -> None:
        """8 courses: backbone, inotuzumab day 3 of courses 1-4, POMP for 3 years."""
        plan = load_protocol(name)
        schedule = _schedule(plan, "always")
        expected = _chemotherapy(ODD_ORIGINAL, EVEN_ORIGINAL)
        expected[("inotuzumab ozogamicin", "IV", "intensive")] = {
            **_at([1], [3], (first, "mg/m2", 1)), **_at([2, 3, 4], [3], (later, "mg/m2", 1))
        }
        expected[("ursodiol", "PO", "intensive")] = _at(range(1, 5), range(1, 29),
                                                        (300, "mg", 3))
        pomp = range(1, 40)  # 39 courses of 28 days = 3 years
        expected[("vincristine", "IV", "maintenance")] = _at(range(1, 13), [1], (2, "mg", 1))
        expected[("prednisone", "PO", "maintenance")] = _at(range(1, 13), range(1, 6),
                                                            (50, "mg", 1))
        expected[("mercaptopurine", "PO", "maintenance")] = _at(pomp, range(1, 29),
                                                                (50, "mg", 2))
        expected[("methotrexate", "PO", "maintenance")] = _at(pomp, [1, 8, 15, 22],
                                                              (10, "mg/m2", 1))
        assert schedule == expected
        assert plan.inotuzumab_planned_total_mg_per_m2 == total

    def test_courses(self) -> None:
        """8 intensive courses of 4 weeks; 28-day POMP courses spanning 3 years."""
        plan = load_protocol("original")
        intensive = [c.group.length_days for c in plan.courses if c.phase == "intensive"]
        maintenance = [c.group.length_days for c in plan.courses if c.phase == "maintenance"]
        assert intensive == [28] * 8
        assert maintenance == [28] * 39
        assert 3 * 365 - 7 <= sum(maintenance) <= 3 * 366


class TestAmended:
    def test_every_systemic_dose(self) -> None:
        """4 courses: backbone, fractionated inotuzumab, then blinatumomab; POMP x 12."""
        plan = load_protocol("amended")
        schedule = _schedule(plan, "always")
        expected = _chemotherapy(ODD_AMENDED, EVEN_AMENDED)
        expected[("inotuzumab ozogamicin", "IV", "intensive")] = {
            **_at([1], [2], (0.6, "mg/m2", 1)),
            **_at([1], [8], (0.3, "mg/m2", 1)),
            **_at([2, 3, 4], [2, 8], (0.3, "mg/m2", 1)),
        }
        expected[("ursodiol", "PO", "intensive")] = _at(range(1, 5), range(1, 29),
                                                        (300, "mg", 3))
        expected[("blinatumomab", "IV", "intensive")] = {
            **_at([5], range(1, 5), (9, "mcg/day", 1)),
            **_at([5], range(5, 29), (28, "mcg/day", 1)),
            **_at([6, 7, 8], range(1, 29), (28, "mcg/day", 1)),
        }
        pomp = [1, 2, 3, 5, 6, 7, 9, 10, 11, 13, 14, 15]
        expected[("blinatumomab", "IV", "maintenance")] = _at([4, 8, 12, 16], range(1, 29),
                                                              (28, "mcg/day", 1))
        expected[("vincristine", "IV", "maintenance")] = _at(pomp, [1], (2, "mg", 1))
        expected[("prednisone", "PO", "maintenance")] = _at(pomp, range(1, 6), (50, "mg", 1))
        expected[("mercaptopurine", "PO", "maintenance")] = _at(pomp, range(1, 29),
                                                                (50, "mg", 2))
        expected[("methotrexate", "PO", "maintenance")] = _at(pomp, [1, 8, 15, 22],
                                                              (10, "mg/m2", 1))
        assert schedule == expected
        assert plan.inotuzumab_planned_total_mg_per_m2 == 2.7

    def test_courses(self) -> None:
        """4 x 28-day mini-Hyper-CVD, 4 x 42-day blinatumomab; maintenance 3 POMP + 1 blina."""
        plan = load_protocol("amended")
        lengths = [(c.phase, c.group.length_days) for c in plan.courses]
        assert lengths == (
            [("intensive", 28)] * 4 + [("intensive", 42)] * 4
            + ([("maintenance", 28)] * 3 + [("maintenance", 42)]) * 4
        )

    def test_blinatumomab_is_a_continuous_infusion(self) -> None:
        """Every blinatumomab row says it is a continuous infusion (the dose is per day)."""
        notes = {c.note for c in load_protocol("amended").components if c.drug == "blinatumomab"}
        infusion = "continuous IV infusion, 4 weeks on then 2 weeks off"
        assert notes and all(note is not None and note.startswith(infusion) for note in notes)

    def test_low_weight_label_doses(self) -> None:
        """Under 45 kg: 5 then 15 mcg/m2/day, never above 9 / 28 mcg/day, marked."""
        plan = load_protocol("amended")
        low = {
            (c.phase, min(c.courses), min(c.days)): (
                c.low_weight.below_weight_kg, c.low_weight.dose, c.low_weight.unit,
                c.low_weight.max_dose, c.low_weight.stated_in_paper,
            )
            for c in plan.components if c.drug == "blinatumomab" and c.low_weight is not None
        }
        assert low == {
            ("intensive", 5, 1): (45, 5, "mcg/m2/day", 9, False),
            ("intensive", 5, 5): (45, 15, "mcg/m2/day", 28, False),
            ("intensive", 6, 1): (45, 15, "mcg/m2/day", 28, False),
            ("maintenance", 4, 1): (45, 15, "mcg/m2/day", 28, False),
        }


@pytest.mark.parametrize("name", ["original", "original-reduced", "amended"])
class TestConditionalAndSupportive:
    def test_rituximab(self, name: str) -> None:
        """CD20 >= 20%: days 1, 11 of courses 1, 3; days 1, 8 of courses 2, 4; dose marked."""
        plan = load_protocol(name)
        assert plan.cd20_threshold_pct == 20
        assert _schedule(plan, "cd20_positive") == {
            ("rituximab", "IV", "intensive"): {
                **_at([1, 3], [1, 11], (375, "mg/m2", 1)), **_at([2, 4], [1, 8],
                                                                 (375, "mg/m2", 1)),
            }
        }
        assert all(not c.stated_in_paper for c in plan.components if c.drug == "rituximab")

    def test_intrathecal_prophylaxis(self, name: str) -> None:
        """MTX day 2 / AraC day 7 in odd courses, reversed in even, courses 1-4; ±3 days."""
        plan = load_protocol(name)
        assert _schedule(plan, "cns_prophylaxis") == {
            ("methotrexate", "IT", "intensive"): {
                **_at([1, 3], [2], (12, "mg", 1)), **_at([2, 4], [7], (12, "mg", 1))
            },
            ("cytarabine", "IT", "intensive"): {
                **_at([1, 3], [7], (100, "mg", 1)), **_at([2, 4], [2], (100, "mg", 1))
            },
        }
        intrathecal = [c for c in plan.components if c.condition == "cns_prophylaxis"]
        assert {(c.day_window, c.stated_in_paper) for c in intrathecal} == {("±3 days", False)}
        assert {c.dose_via_ommaya for c in intrathecal if c.drug == "methotrexate"} == {6}

    def test_triple_intrathecal(self, name: str) -> None:
        """Cytarabine 40 mg, methotrexate 12 mg (6 mg via Ommaya), hydrocortisone 50 mg."""
        tit = load_protocol(name).cns_disease_therapy
        assert {(d.drug, d.dose, d.dose_via_ommaya) for d in tit.drugs} == {
            ("cytarabine", 40, None), ("methotrexate", 12, 6), ("hydrocortisone", 50, None)
        }
        assert (tit.weekly_doses_after_clear, tit.replaces_prophylaxis) == (4, True)

    def test_azole_hold_and_sct(self, name: str) -> None:
        """Azoles held the day before, of and after vincristine; the observed median interval
        to SCT was 7 weeks on the original study, 14 after the amendment (Results, SOS)."""
        plan = load_protocol(name)
        assert [(h.around_drug, h.days_before, h.days_after) for h in plan.holds] == [
            ("vincristine", 1, 1)
        ]
        observed = 14 if name == "amended" else 7
        assert plan.sct_planning.observed_median_weeks_after_last_inotuzumab == observed

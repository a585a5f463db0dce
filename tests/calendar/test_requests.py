"""Parsing course delays and dose adjustments from their command-line form."""

from __future__ import annotations

from decimal import Decimal

import pytest

from minihcvd.calendar import CourseDelay, DoseAdjustment
from minihcvd.calendar.requests import CourseSpan, parse_course
from minihcvd.errors import CalendarError


class TestParseCourse:
    @pytest.mark.parametrize(
        ("text", "expected"), [("3", ("intensive", 3)), ("m12", ("maintenance", 12))]
    )
    def test_names(self, text: str, expected: tuple[str, int]) -> None:
        """A bare number is an intensive course; mN a maintenance course."""
        assert parse_course(text, field="delay") == expected

    @pytest.mark.parametrize("text", ["0", "x3", "m", "-1", "1.5"])
    def test_bad(self, text: str) -> None:
        """Anything else is refused, naming the option."""
        with pytest.raises(CalendarError, match="field 'delay': expected a course like 3"):
            parse_course(text, field="delay")


class TestCourseDelay:
    def test_parse(self) -> None:
        """3:7 delays intensive course 3 by 7 days."""
        assert CourseDelay.parse("3:7") == CourseDelay("intensive", 3, 7)
        assert CourseDelay.parse("m2:14") == CourseDelay("maintenance", 2, 14)

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("3", "field 'delay': expected COURSE:DAYS such as 3:7 or m2:14, found '3'"),
            ("3:-2", "field 'delay': expected COURSE:DAYS such as 3:7 or m2:14, found '3:-2'"),
            ("3:0", "field 'delay': expected a delay of 1-365 days, found 0"),
            ("3:400", "field 'delay': expected a delay of 1-365 days, found 400"),
        ],
    )
    def test_bad(self, text: str, message: str) -> None:
        """Malformed, zero, negative and over-long delays are refused."""
        with pytest.raises(CalendarError) as caught:
            CourseDelay.parse(text)
        assert caught.value.one_line() == message


class TestDoseAdjustment:
    def test_parse(self) -> None:
        """The issue's example parses into its parts."""
        assert DoseAdjustment.parse("vincristine@2:50%:neuropathy") == DoseAdjustment(
            "vincristine", "intensive", 2, Decimal(50), "neuropathy"
        )

    def test_route_and_maintenance(self) -> None:
        """A route after a slash and a maintenance course are understood; case is ignored."""
        adjustment = DoseAdjustment.parse("Methotrexate/iv@m3:75.5%:mucositis, grade 3")
        assert adjustment == DoseAdjustment(
            "methotrexate", "maintenance", 3, Decimal("75.5"), "mucositis, grade 3", "IV"
        )

    def test_reason_may_contain_colons(self) -> None:
        """Everything after the percentage is the reason."""
        assert DoseAdjustment.parse("vincristine@1:50%:CTCAE: grade 2").reason == (
            "CTCAE: grade 2"
        )

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("vincristine:50%:x", "expected DRUG[/ROUTE]@COURSES:PERCENT%:REASON such as"
             " vincristine@2:50%:neuropathy, found 'vincristine:50%:x'"),
            ("vincristine@2:50:x", "expected a percentage such as 50%, found '50'"),
            ("vincristine@2:0%:x", "expected a percentage above 0% and at most 100%, found 0%"),
            ("vincristine@2:150%:x",
             "expected a percentage above 0% and at most 100%, found 150%"),
            ("aspirin@2:50%:x", "expected a drug of the regimen (cyclophosphamide,"
             " dexamethasone, vincristine, methotrexate, cytarabine, inotuzumab ozogamicin,"
             " blinatumomab, rituximab, prednisone, mercaptopurine, pegfilgrastim, ursodiol,"
             " hydrocortisone), found 'aspirin'"),
            ("vincristine/XX@2:50%:x", "expected a route among IV, IT, PO, SC, found 'XX'"),
            ("vincristine@2:50%: ", "a dose adjustment needs a reason"),
        ],
    )
    def test_bad(self, text: str, message: str) -> None:
        """Each malformed part is refused with what was expected."""
        with pytest.raises(CalendarError) as caught:
            DoseAdjustment.parse(text)
        assert caught.value.one_line() == f"field 'adjust': {message}"


class TestLastingAdjustments:
    def test_range_list_and_open(self) -> None:
        """The issue's three forms parse into spans; the first course names the adjustment."""
        tpmt = DoseAdjustment.parse("mercaptopurine@m1-m39:50%:TPMT")
        assert tpmt.spans == (CourseSpan(("maintenance", 1), ("maintenance", 39)),)
        assert (tpmt.phase, tpmt.course, tpmt.courses_text) == ("maintenance", 1, "m1-m39")
        listed = DoseAdjustment.parse("vincristine@3,5,7:50%:neuropathy")
        assert [span.first for span in listed.spans] == [
            ("intensive", 3), ("intensive", 5), ("intensive", 7)
        ]
        assert all(span.single for span in listed.spans)
        open_ended = DoseAdjustment.parse("vincristine@m5-:50%:neuropathy")
        assert open_ended.spans == (CourseSpan(("maintenance", 5), None),)

    def test_one_course_is_unchanged(self) -> None:
        """A single course still parses to the one-course adjustment (no spans)."""
        assert DoseAdjustment.parse("vincristine@2:50%:x").spans == ()

    @pytest.mark.parametrize("courses", ["3,,5", "3-x", "-3", "m"])
    def test_bad_courses(self, courses: str) -> None:
        """Malformed lists and ranges are one line naming the option."""
        with pytest.raises(CalendarError, match="field 'adjust': expected a course like 3"):
            DoseAdjustment.parse(f"vincristine@{courses}:50%:x")

"""``minihcvd schedule``: a patient's treatment calendar as a table, CSV, JSON, iCalendar or a
FHIR Bundle.

Thin: parse options, call :func:`minihcvd.calendar.build_calendar`, render, print or write the
file atomically. Everything is computed before anything is written, so an error leaves no file.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from minihcvd.cli.app import app, console
from minihcvd.errors import CalendarError

if TYPE_CHECKING:
    from minihcvd.calendar import TreatmentCalendar
    from minihcvd.protocol import Protocol

__all__ = ["schedule"]

FORMATS = ("table", "csv", "json", "ics", "fhir")
TABLE_FILE_WIDTH = 200


@app.command()
def schedule(
    protocol: Annotated[
        str,
        typer.Option(
            help="original, original-reduced, amended, or a path to a protocol .yaml file."
        ),
    ],
    height_cm: Annotated[float, typer.Option(help="Height in cm (100-250).")],
    weight_kg: Annotated[float, typer.Option(help="Actual body weight in kg (20-350).")],
    start: Annotated[str, typer.Option(help="Day 1 of course 1, YYYY-MM-DD.")],
    cd20_pct: Annotated[
        float | None,
        typer.Option(help="CD20 expression, % of blasts; rituximab when >= 20. Omit if unknown."),
    ] = None,
    cns_disease: Annotated[
        bool, typer.Option("--cns-disease", help="Active CNS disease: triple intrathecal therapy.")
    ] = False,
    bsa_formula: Annotated[str, typer.Option(help="mosteller (default) or dubois.")] = "mosteller",
    bsa_cap_m2: Annotated[
        float | None,
        typer.Option(
            "--bsa-cap-m2", "--bsa-cap", help="Cap the BSA used for dosing (default: no cap)."
        ),
    ] = None,
    delay: Annotated[
        list[str] | None,
        typer.Option(help="COURSE:DAYS, e.g. 3:7 or m2:14 (maintenance); repeatable."),
    ] = None,
    adjust: Annotated[
        list[str] | None,
        typer.Option(
            # Help texts are Rich markup: the backslash keeps "[/ROUTE]" from reading as a tag.
            help="DRUG\\[/ROUTE]@COURSES:PERCENT%:REASON, e.g. vincristine@2:50%:neuropathy,"
            " methotrexate/IV@2:75%:renal, mercaptopurine@m1-m39:50%:TPMT (a range),"
            " vincristine@3,5,7:50%:neuropathy (a list) or vincristine@m5-:50%:neuropathy"
            " (to the end); repeatable."
        ),
    ] = None,
    ommaya: Annotated[
        bool, typer.Option("--ommaya", help="Intrathecal methotrexate via Ommaya (6 mg).")
    ] = False,
    cns_doses_until_clear: Annotated[
        int | None,
        typer.Option(help="Twice-weekly triple IT doses until the CSF clears (protocol: 4)."),
    ] = None,
    sct_weeks: Annotated[
        int | None,
        typer.Option(
            help="Weeks from the last inotuzumab dose to the SCT date shown (default: the"
            " trial's observed median for the protocol version, 7 original / 14 amended;"
            " an observation, not a rule)."
        ),
    ] = None,
    patient_id: Annotated[
        str | None,
        typer.Option(
            help="ICS/FHIR: an identifier of the patient (a study number rather than a name) so"
            " that a new export updates the same events even after a new weight."
        ),
    ] = None,
    output_format: Annotated[
        str,
        typer.Option(
            "--format", help="table, csv, json, ics or fhir (a FHIR R4B transaction Bundle)."
        ),
    ] = "table",
    out: Annotated[Path | None, typer.Option(help="Write to this file instead of stdout.")] = None,
) -> None:
    """Print a patient's treatment calendar: every dose with its calculation and source."""
    # the regimen layers load here, not at start-up: other commands do not pay for them
    from minihcvd.atomic import check_output_file, write_bytes_atomic
    from minihcvd.calendar import (
        CourseDelay,
        DoseAdjustment,
        build_calendar,
        parse_start_date,
        to_rich,
    )

    if output_format not in FORMATS:
        raise CalendarError(
            f"expected one of {', '.join(FORMATS)}, found {output_format!r}", field="format"
        )
    if cd20_pct is not None and not math.isfinite(cd20_pct):
        # The library reads NaN as "unknown" (a missing value in a data frame); typed on the
        # command line it is a mistake, and would silently drop rituximab.
        raise CalendarError(
            f"expected 0-100 % (omit the option if CD20 is unknown), found {cd20_pct!r}",
            field="cd20_pct",
        )
    if out is not None and out.is_dir():
        raise CalendarError(f"expected a file name, found the folder {str(out)!r}", field="out")
    if out is not None and not out.parent.exists():
        # a typo in the folder should not silently create a new tree
        raise CalendarError(
            f"the folder {str(out.parent)!r} does not exist; create it first", field="out"
        )
    if out is not None:
        check_output_file(out, error=CalendarError)  # a device, FIFO or symbolic link
    calendar = build_calendar(
        _protocol(protocol),
        height_cm=height_cm,
        weight_kg=weight_kg,
        start=parse_start_date(start),
        cd20_pct=cd20_pct,
        cns_disease=cns_disease,
        bsa_formula=bsa_formula,
        bsa_cap_m2=bsa_cap_m2,
        delays=[CourseDelay.parse(text) for text in delay or []],
        adjustments=[DoseAdjustment.parse(text) for text in adjust or []],
        via_ommaya=ommaya,
        cns_doses_until_clear=cns_doses_until_clear,
        sct_weeks=sct_weeks,
    )
    if output_format == "table" and out is None:
        console.print(to_rich(calendar))
        return
    for warning in calendar.warnings:
        # the file carries the warnings too; stderr makes sure the person running it sees them
        typer.echo(f"warning: {warning}", err=True)
    data = _render(calendar, output_format, patient_id)
    if out is None:
        typer.echo(data.decode("utf-8"), nl=False)
    else:
        try:
            write_bytes_atomic(out, data)
        except OSError as error:
            raise CalendarError(
                f"cannot write {str(out)!r} ({error.strerror or error})", field="out"
            ) from None
        console.print(
            f"wrote {out} ({len(calendar.administrations)} administrations)",
            soft_wrap=True, markup=False, highlight=False,
        )


def _protocol(value: str) -> Protocol:
    """A shipped protocol by name, or a YAML file by path."""
    from minihcvd.protocol import load_protocol, load_protocol_file

    if value.endswith((".yaml", ".yml")) or "/" in value:
        return load_protocol_file(Path(value))
    return load_protocol(value)


def _render(calendar: TreatmentCalendar, output_format: str, patient_id: str | None) -> bytes:
    from rich.console import Console

    from minihcvd.calendar import to_csv, to_fhir_bundle, to_ics, to_json, to_rich

    if output_format == "json":
        return to_json(calendar).encode("utf-8")
    if output_format == "fhir":
        bundle = to_fhir_bundle(
            calendar, generated_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
            patient_id=patient_id,
        )
        return (json.dumps(bundle, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    if output_format == "csv":
        return to_csv(calendar).encode("utf-8")
    if output_format == "ics":
        return to_ics(
            calendar, generated_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
            patient_id=patient_id,
        )
    buffer = io.StringIO()
    Console(file=buffer, width=TABLE_FILE_WIDTH, no_color=True).print(to_rich(calendar))
    return buffer.getvalue().encode("utf-8")

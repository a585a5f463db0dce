"""The regimen as data: protocol versions as validated YAML files shipped in the package."""

from minihcvd.protocol.loader import load_protocol, load_protocol_file, protocol_names
from minihcvd.protocol.models import (
    DRUGS,
    ROUTES,
    Component,
    CourseGroup,
    CourseRef,
    HoldRule,
    IntrathecalDrug,
    LowWeightDose,
    Phase,
    Protocol,
    Rounding,
    SctPlanning,
    SupportiveCare,
    TripleIntrathecal,
)

__all__ = [
    "DRUGS",
    "ROUTES",
    "Component",
    "CourseGroup",
    "CourseRef",
    "HoldRule",
    "IntrathecalDrug",
    "LowWeightDose",
    "Phase",
    "Protocol",
    "Rounding",
    "SctPlanning",
    "SupportiveCare",
    "TripleIntrathecal",
    "load_protocol",
    "load_protocol_file",
    "protocol_names",
]

"""Hard dose limits that no protocol file can lift: one per drug and route, each with its source.

A protocol file (shipped or a site's variant) is refused on load when a component, or a triple
intrathecal drug, asks for more than the limit of its drug and route, uses a unit other than the
limit's, or gives a drug by a route this table does not list (vincristine intrathecally is fatal;
a route with no limit here is never planned). The dosing layer checks every computed dose again.

The limits are the highest dose per administration the trial paper gives for that drug and
route (Jabbour et al., J Hematol Oncol 2023, Methods: Procedures) or, where the paper states the
mini-Hyper-CVD dose as a reduction from Hyper-CVAD, the full Hyper-CVAD dose that reduction
implies. The rituximab and prophylactic intrathecal cytarabine limits come from the regimen's
earlier publications, like the doses themselves (not stated in the trial paper).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

__all__ = [
    "DOSE_LIMITS",
    "INOTUZUMAB_PAPER_MAX_TOTAL_MG_PER_M2",
    "INOTUZUMAB_TOTAL_SOURCE",
    "OMMAYA_ROUTE",
    "DoseLimit",
    "check_limit",
    "dose_limit",
]

OMMAYA_ROUTE = "intraventricular (Ommaya)"
"""The route of a dose given through an Ommaya reservoir (not a lumbar puncture)."""

_PROCEDURES = "Jabbour et al., J Hematol Oncol 2023, Methods: Procedures"
INOTUZUMAB_PAPER_MAX_TOTAL_MG_PER_M2 = Decimal("5.7")
INOTUZUMAB_TOTAL_SOURCE = (
    f"{_PROCEDURES}: the highest planned cumulative inotuzumab dose of the trial (4.3-5.7 mg/m2"
    " before the amendment, 2.7 mg/m2 after)"
)


@dataclass(frozen=True, slots=True)
class DoseLimit:
    """At most ``maximum`` ``unit`` per administration of ``drug`` by ``route``."""

    drug: str
    route: str
    maximum: Decimal
    unit: str
    source: str

    @property
    def text(self) -> str:
        """``2 mg a dose (source)``, for messages."""
        return f"{format(self.maximum.normalize(), 'f')} {self.unit} a dose ({self.source})"


def _limit(drug: str, route: str, maximum: str, unit: str, why: str) -> DoseLimit:
    return DoseLimit(drug, route, Decimal(maximum), unit, why)


_FULL = "full Hyper-CVAD dose implied by the paper's stated reduction"

DOSE_LIMITS: dict[tuple[str, str], DoseLimit] = {
    (limit.drug, limit.route): limit
    for limit in (
        _limit("cyclophosphamide", "IV", "300", "mg/m2",
               f"{_PROCEDURES}: 150 mg/m2 is a 50% reduction; {_FULL}"),
        _limit("dexamethasone", "IV", "40", "mg",
               f"{_PROCEDURES}: 20 mg is a 50% reduction; {_FULL}"),
        _limit("dexamethasone", "PO", "40", "mg",
               f"{_PROCEDURES}: 20 mg is a 50% reduction; {_FULL}"),
        _limit("vincristine", "IV", "2", "mg",
               f"{_PROCEDURES}: 2 mg flat dose, the usual cap of a vincristine dose"),
        _limit("methotrexate", "IV", "1000", "mg/m2",
               f"{_PROCEDURES}: 250 mg/m2 is a 75% reduction; {_FULL}"),
        _limit("methotrexate", "PO", "10", "mg/m2", f"{_PROCEDURES}: POMP, 10 mg/m2 weekly"),
        _limit("methotrexate", "IT", "12", "mg",
               f"{_PROCEDURES}: 12 mg intrathecally (triple intrathecal therapy)"),
        _limit("methotrexate", OMMAYA_ROUTE, "6", "mg",
               f"{_PROCEDURES}: 6 mg via Ommaya reservoir (triple intrathecal therapy)"),
        _limit("cytarabine", "IV", "3000", "mg/m2",
               f"{_PROCEDURES}: 0.5 g/m2 is an 83% reduction; {_FULL}"),
        _limit("cytarabine", "IT", "100", "mg",
               "usual Hyper-CVAD CNS prophylaxis (Kantarjian et al., J Clin Oncol 2000); not"
               " stated in the trial paper, which gives 40 mg in triple intrathecal therapy"),
        _limit("hydrocortisone", "IT", "50", "mg",
               f"{_PROCEDURES}: 50 mg (triple intrathecal therapy)"),
        _limit("inotuzumab ozogamicin", "IV", "1.8", "mg/m2",
               f"{_PROCEDURES}: the highest inotuzumab dose of the trial (1.8 mg/m2 in course 1"
               " before the amendment)"),
        _limit("blinatumomab", "IV", "28", "mcg/day",
               f"{_PROCEDURES}: 28 mcg/day, the trial's full blinatumomab dose"),
        _limit("rituximab", "IV", "375", "mg/m2",
               "usual Hyper-CVAD + rituximab dose (Thomas et al., J Clin Oncol 2010); not stated"
               " in the trial paper"),
        _limit("prednisone", "PO", "50", "mg", f"{_PROCEDURES}: POMP, 50 mg daily"),
        _limit("mercaptopurine", "PO", "50", "mg", f"{_PROCEDURES}: POMP, 50 mg twice daily"),
        _limit("pegfilgrastim", "SC", "6", "mg", f"{_PROCEDURES}: 6 mg subcutaneously"),
        _limit("ursodiol", "PO", "300", "mg", f"{_PROCEDURES}: 300 mg three times daily"),
    )
}

_LOW_WEIGHT_LIMIT = DoseLimit(
    "blinatumomab", "IV", Decimal(15), "mcg/m2/day",
    "BLINCYTO (blinatumomab) US prescribing information: 15 mcg/m2/day under 45 kg",
)


def dose_limit(drug: str, route: str, *, low_weight: bool = False) -> DoseLimit | None:
    """The hard limit of ``drug`` by ``route`` (None: the route is not allowed for the drug)."""
    if low_weight:
        return _LOW_WEIGHT_LIMIT if (drug, route) == ("blinatumomab", "IV") else None
    return DOSE_LIMITS.get((drug, route))


def check_limit(drug: str, route: str, dose: Decimal, unit: str, *,
                low_weight: bool = False) -> str | None:
    """None when ``dose`` ``unit`` of ``drug`` by ``route`` is within its hard limit, else why."""
    limit = dose_limit(drug, route, low_weight=low_weight)
    amount = f"{format(dose.normalize(), 'f')} {unit}"
    if limit is None:
        return f"{drug} is never planned by the route {route} (no hard limit for it)"
    if unit != limit.unit:
        return f"{drug} {route} must be dosed in {limit.unit} (its hard limit), found {amount}"
    if dose > limit.maximum:
        return (
            f"{drug} {route} {amount} is above the hard limit of {limit.text};"
            " no protocol file can raise it"
        )
    return None

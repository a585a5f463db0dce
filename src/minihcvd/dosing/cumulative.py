"""Cumulative dose tracking: inotuzumab's hepatotoxicity (SOS) rises with the total given."""

from __future__ import annotations

from decimal import Decimal

from minihcvd.dosing.doses import format_amount
from minihcvd.errors import DosingError

__all__ = ["CumulativeDose"]


class CumulativeDose:
    """A running total in mg/m2 that refuses any dose taking it past the planned total."""

    def __init__(self, drug: str, planned_total_mg_per_m2: Decimal) -> None:
        if planned_total_mg_per_m2 <= 0:
            raise DosingError(
                f"expected a positive planned total, found {planned_total_mg_per_m2}",
                field="planned_total_mg_per_m2",
            )
        self.drug = drug
        self.planned_total_mg_per_m2 = planned_total_mg_per_m2
        self.total_mg_per_m2 = Decimal(0)
        self.count = 0

    @property
    def remaining_mg_per_m2(self) -> Decimal:
        return self.planned_total_mg_per_m2 - self.total_mg_per_m2

    def add(self, dose_mg_per_m2: Decimal, *, where: str) -> Decimal:
        """Record a dose given at ``where`` and return the new total; refuse one that overshoots."""
        if dose_mg_per_m2 < 0:
            raise DosingError(
                f"expected a dose of 0 mg/m2 or more, found {format_amount(dose_mg_per_m2)}",
                field=self.drug,
            )
        new_total = self.total_mg_per_m2 + dose_mg_per_m2
        if new_total > self.planned_total_mg_per_m2:
            raise DosingError(
                f"{where}: {format_amount(dose_mg_per_m2)} mg/m2 would bring the cumulative"
                f" {self.drug} dose to {format_amount(new_total)} mg/m2, above the planned total"
                f" of {format_amount(self.planned_total_mg_per_m2)} mg/m2; dose refused",
                field=self.drug,
            )
        self.total_mg_per_m2 = new_total
        self.count += 1
        return new_total

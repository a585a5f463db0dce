"""The registration form: parses input into the service's request, checks nothing clinical
itself (the core's rules do, through the service)."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from django import forms

from minihcvd.clinical import EligibilityInput
from minihcvd.web.patients.models import ELIGIBILITY_FIELDS, BsaFormula, Sex
from minihcvd.web.patients.services import RegistrationRequest
from minihcvd.web.sites.models import PROTOCOL_CHOICES, Site, SiteProtocol

__all__ = ["ELIGIBILITY_LABELS", "RegistrationForm"]

ELIGIBILITY_LABELS = {
    "relapsed_or_refractory": "Relapsed or refractory ALL",
    "precursor_b_all": "Precursor-B ALL",
    "ph_positive": "Philadelphia chromosome positive",
    "cd22_positive": "CD22 positive (as the laboratory reports it)",
    "ecog": "ECOG performance status (0-5)",
    "ejection_fraction_pct": "Ejection fraction (%)",
    "bilirubin_mg_dl": "Bilirubin (mg/dL)",
    "creatinine_mg_dl": "Creatinine (mg/dL)",
    "uncontrolled_infection": "Active infection not controlled by antibiotics",
    "nyha_class": "NYHA heart-failure class (1-4)",
    "second_active_malignancy": "Second active malignancy",
}
_YES_NO_UNKNOWN = [("", "unknown"), ("yes", "yes"), ("no", "no")]


def _eligibility_field(name: str, kind: Any) -> forms.Field:
    label = ELIGIBILITY_LABELS[name]
    if "bool" in str(kind):
        return forms.TypedChoiceField(
            label=label,
            choices=_YES_NO_UNKNOWN,
            coerce=lambda value: value == "yes",
            empty_value=None,
            required=False,
        )
    if "int" in str(kind):
        return forms.IntegerField(label=label, required=False)
    return forms.FloatField(label=label, required=False)


class RegistrationForm(forms.Form):
    """A patient's registration: the site, the protocol, body size, and the screening answers."""

    site = forms.ModelChoiceField(queryset=Site.objects.none(), empty_label=None)
    protocol = forms.ChoiceField(choices=PROTOCOL_CHOICES)
    start_date = forms.DateField(
        label="Planned start (day 1 of course 1)",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    sex = forms.ChoiceField(choices=Sex.choices)
    age_years = forms.IntegerField(label="Age (years)")
    height_cm = forms.FloatField(label="Height (cm)")
    weight_kg = forms.FloatField(label="Weight (kg)")
    bsa_formula = forms.ChoiceField(
        label="BSA formula", choices=BsaFormula.choices, initial=BsaFormula.MOSTELLER
    )
    cd20_pct = forms.FloatField(label="CD20 (% of blasts; blank if unknown)", required=False)
    cns_disease = forms.BooleanField(label="Active CNS disease", required=False)

    def __init__(self, *args: Any, sites: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites  # type: ignore[attr-defined]
        variants = sorted(
            {(v.name, v.site.code) for v in SiteProtocol.objects.filter(site__in=sites)}
        )
        self.fields["protocol"].choices = [  # type: ignore[attr-defined]
            *PROTOCOL_CHOICES,
            *((name, f"{name} (site {code}'s variant)") for name, code in variants),
        ]
        first = sites.first()
        if first is not None:
            self.fields["site"].initial = first.pk
            self.fields["protocol"].initial = first.active_protocol
        for spec in fields(EligibilityInput):
            self.fields[spec.name] = _eligibility_field(spec.name, spec.type)

    def eligibility_input(self) -> EligibilityInput:
        """The screening answers given so far (unknown where blank or invalid)."""
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return EligibilityInput(**{name: data.get(name) for name in ELIGIBILITY_FIELDS})

    def eligibility_sections(self) -> list[forms.BoundField]:
        return [self[name] for name in ELIGIBILITY_FIELDS]

    def patient_sections(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name not in ELIGIBILITY_FIELDS]

    def to_request(self) -> RegistrationRequest:
        """The service's request from a valid form."""
        data = self.cleaned_data
        return RegistrationRequest(
            site=data["site"],
            protocol=data["protocol"],
            start_date=data["start_date"],
            sex=data["sex"],
            age_years=data["age_years"],
            height_cm=data["height_cm"],
            weight_kg=data["weight_kg"],
            cd20_pct=data["cd20_pct"],
            cns_disease=data["cns_disease"],
            bsa_formula=data["bsa_formula"],
            eligibility=self.eligibility_input(),
        )

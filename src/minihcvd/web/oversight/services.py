"""The dashboard's numbers and the stopping rule, from the live data through the core.

Both start from the casebook exported as a trial data package and read back by the core
(``write_casebook`` then ``read_package``, what ``minihcvd analyze`` and ``minihcvd monitor
check`` read), then call the same functions those commands call: ``analyze_package`` for
Tables 2–3, SOS and the curves, ``check_as_of`` for the rule. Nothing is computed twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.cache import cache
from django.core.mail import send_mail

from minihcvd.monitoring import check_as_of
from minihcvd.monitoring.design_file import default_design_path, load_design
from minihcvd.stats.analysis import AnalysisOptions, analyze_package
from minihcvd.trialdata import TrialPackage, read_package
from minihcvd.web.accounts.models import Role, User
from minihcvd.web.accounts.permissions import Action, allowed
from minihcvd.web.audit.models import AuditEntry
from minihcvd.web.audit.services import last_entry_hash
from minihcvd.web.casebook.package import package_for, write_casebook
from minihcvd.web.errors import PermissionRefused, WebInputError
from minihcvd.web.oversight.models import RuleNotice, StopDecision, TrialDesign
from minihcvd.web.patients.models import Patient

if TYPE_CHECKING:
    from minihcvd.monitoring import InterimLook, MonitoringDesign

T = TypeVar("T")

__all__ = [
    "RuleState",
    "analysis_of",
    "current_design",
    "evaluate_rule",
    "package_of",
    "record_decision",
    "registrations_held",
    "set_design",
]


def package_of(patients: list[Patient]) -> TrialPackage:
    """The patients' casebooks as the core reads them (written, validated and read back)."""
    with tempfile.TemporaryDirectory(prefix="minihcvd-live-") as folder:
        path = Path(folder) / "package"
        write_casebook(patients, path)
        return read_package(path)


#: the records the stopping rule reads (patients, deaths, follow-up) and its own settings
RULE_RECORDS = (
    "patients.patient",
    "casebook.death",
    "casebook.followup",
    "casebook.marrowassessment",  # last known alive
    "casebook.adverseevent",
    "casebook.transplant",
    "casebook.blinatumomabstart",
    "oversight.trialdesign",
    "oversight.stopdecision",
    "oversight.rulenotice",
)


def _data_version(records: tuple[str, ...] | None = None) -> str:
    """The audit trail's last entry (of ``records`` only, if given), by its hash: a write to
    the trial (to those records) changes it, and no other database has it (a restore or
    another trial never reuses a cached result)."""
    entries = AuditEntry.objects.all()
    if records is not None:
        entries = entries.filter(record_model__in=records)
    return last_entry_hash(entries)


#: how old the dashboard's numbers and the pages' rule banner may be while data are being
#: entered (each recomputation reads the whole trial; the API and the registration hold are
#: always computed on the data as they are)
RECENT_SECONDS = 30.0


def _cached(
    name: str,
    scope: str,
    version: str,
    compute: Callable[[], T],
    *,
    max_age_s: float = RECENT_SECONDS,
) -> tuple[T, float]:
    """(value, UTC time computed): the value for ``version`` of the data if known, else the
    last one of ``scope`` if at most ``max_age_s`` old, else computed now."""
    exact = cache.get(f"{name}:{scope}:{version}")
    if exact is not None:
        return exact  # type: ignore[no-any-return]
    latest = cache.get(f"{name}:{scope}:latest")
    if latest is not None and time.time() - latest[1] <= max_age_s:
        return latest  # type: ignore[no-any-return]
    entry = (compute(), time.time())
    cache.set(f"{name}:{scope}:{version}", entry, timeout=600)
    cache.set(f"{name}:{scope}:latest", entry, timeout=600)
    return entry


@dataclass(frozen=True)
class DashboardAnalysis:
    """What the dashboard shows of ``minihcvd analyze``'s results: results.json's document
    and Fig. 1A as the report draws it (kept small: the cache holds this, not the fitters)."""

    document: dict[str, Any]
    survival_svg: str | None
    enrollment_svg: str


def analysis_of(patients: list[Patient]) -> tuple[DashboardAnalysis | None, float]:
    """The analysis of these patients' data (at most RECENT_SECONDS old) and when it was
    computed; None without patients."""
    from minihcvd.web.oversight.plots import enrollment_svg, survival_svg

    def compute() -> DashboardAnalysis:
        results = analyze_package(package_of(patients), AnalysisOptions())
        return DashboardAnalysis(
            results.to_json_dict(), survival_svg(results), enrollment_svg(patients)
        )

    if not patients:
        return None, time.time()
    digest = hashlib.sha256(",".join(str(p.pk) for p in patients).encode()).hexdigest()[:32]
    return _cached("analysis", digest, _data_version(), compute)


def current_design() -> tuple[MonitoringDesign, str]:
    """The design in force and where it comes from (the latest an admin set, or the default)."""
    latest = TrialDesign.objects.first()
    if latest is None:
        return load_design(default_design_path()), "the default design (docs/monitoring.md)"
    with tempfile.TemporaryDirectory(prefix="minihcvd-design-") as folder:
        path = Path(folder) / "design.toml"
        path.write_text(latest.toml, encoding="utf-8")
        design = load_design(path)
    return design, f"set by {latest.set_by} on {latest.set_at:%Y-%m-%d %H:%M} UTC"


def set_design(*, user: User | None, toml_text: str, reason: str, set_by: str) -> TrialDesign:
    """Put a new design in force (admins; validated by the core first; audited)."""
    if user is not None and not allowed(user, Action.MANAGE_USERS_AND_SITES):
        raise PermissionRefused("only an admin sets the trial's monitoring design")
    if not reason.strip():
        raise WebInputError("a reason is required to change the design", field="reason")
    with tempfile.TemporaryDirectory(prefix="minihcvd-design-") as folder:
        path = Path(folder) / "design.toml"
        path.write_text(toml_text, encoding="utf-8")
        load_design(path)  # refuses an invalid design, naming the field
    design = TrialDesign(toml=toml_text, set_by=set_by, reason=reason)
    design.save()
    return design


@dataclass(frozen=True)
class RuleState:
    """The rule's evaluation on the whole trial today, and what follows from it."""

    look: InterimLook
    design: MonitoringDesign
    design_source: str
    decision: StopDecision | None
    registrations_held: bool

    def to_json_dict(self) -> dict[str, Any]:
        look = self.look
        return {
            "as_of": look.as_of.isoformat(),
            "patients": look.patients,
            "deaths": look.deaths,
            "exposure_months": look.exposure_months,
            "probability_experimental_better": look.prob_experimental_better,
            "active": look.active,
            "stop": look.stop,
            "design": {
                "min_patients": self.design.min_patients,
                "max_patients": self.design.max_patients,
                "delta_months": self.design.delta_months,
                "p_lower": self.design.p_lower,
                "source": self.design_source,
            },
            "decision": None
            if self.decision is None
            else {
                "decision": self.decision.decision,
                "reason": self.decision.reason,
                "decided_by": self.decision.decided_by,
                "decided_at": self.decision.decided_at.isoformat(),
            },
            "registrations_held": self.registrations_held,
        }


def evaluate_rule(as_of: dt.date | None = None, *, recent: bool = False) -> RuleState:
    """The stopping rule on every site's patients as of ``as_of`` (today, UTC); with
    ``recent`` an evaluation at most RECENT_SECONDS old will do (the pages' banner)."""
    day = as_of or dt.datetime.now(dt.UTC).date()
    version = _data_version(RULE_RECORDS)
    max_age_s = RECENT_SECONDS if recent else 0.0
    return _cached("rule", str(day), version, lambda: _evaluate(day), max_age_s=max_age_s)[0]


def _evaluate(day: dt.date) -> RuleState:
    design, source = current_design()
    patients = list(Patient.objects.select_related("site").order_by("site__code", "sequence"))
    if patients:
        # the casebook's own frames: validated on entry, so no round trip through the files
        look = check_as_of(design, package_for(patients).patients, day)
    else:
        from minihcvd.monitoring import InterimLook

        look = InterimLook(day, 0, 0, 0.0, 1.0, active=False, stop=False)
    decision = StopDecision.objects.first()
    notice = RuleNotice.objects.order_by("-sent_at").first()
    answered = _answered(decision, notice, look)
    stopped_by_decision = decision is not None and decision.decision == "stop"
    return RuleState(
        look=look,
        design=design,
        design_source=source,
        decision=decision,
        registrations_held=stopped_by_decision or (look.stop and not answered),
    )


def _answered(decision: StopDecision | None, notice: RuleNotice | None, look: InterimLook) -> bool:
    """A "continue" decision newer than the last notice answers a stop until a further death."""
    return (
        decision is not None
        and decision.decision == "continue"
        and (notice is None or decision.decided_at >= notice.sent_at)
        and look.deaths <= decision.deaths
    )


def registrations_held(*, recent: bool = False) -> str | None:
    """Why new registrations are held (the rule said stop and no decision answers it yet)."""
    state = evaluate_rule(recent=recent)
    if not state.registrations_held:
        return None
    if state.decision is not None and state.decision.decision == "stop":
        return f"the trial was stopped on {state.decision.decided_at:%Y-%m-%d}"
    return (
        f"the stopping rule says stop (Pr = {state.look.prob_experimental_better:.4f} < "
        f"{state.design.p_lower:g}); an admin must record the decision first"
    )


def record_decision(*, user: User, decision: str, reason: str) -> StopDecision:
    """An admin's answer to a stop: continue (registrations resume) or stop the trial."""
    if not allowed(user, Action.MANAGE_USERS_AND_SITES):
        raise PermissionRefused("only an admin records the decision on the stopping rule")
    if decision not in ("continue", "stop"):
        raise WebInputError("expected continue or stop", field="decision")
    if not reason.strip():
        raise WebInputError("a reason is required", field="reason")
    state = evaluate_rule()
    made = StopDecision(
        decided_by=user.username,
        look_as_of=state.look.as_of,
        deaths=state.look.deaths,
        decision=decision,
        reason=reason,
    )
    made.save()
    return made


def after_trial_event() -> None:
    """After a death, follow-up or new patient commits: evaluate the rule, and when it says
    stop and no notice or decision covers it yet, tell the investigators and statisticians
    (once per stop)."""
    state = evaluate_rule()
    if not state.look.stop:
        return
    last_notice = RuleNotice.objects.order_by("-sent_at").first()
    last_decision = StopDecision.objects.first()
    if last_notice is not None and (
        last_decision is None or last_notice.sent_at >= last_decision.decided_at
    ):
        return  # already told about this stop
    if _answered(last_decision, last_notice, state.look):
        return  # an admin decided to continue and no one has died since
    people = User.objects.filter(
        role__in=(Role.INVESTIGATOR, Role.STATISTICIAN), is_active=True
    ).exclude(email="")
    recipients = sorted(people.values_list("email", flat=True))
    look = state.look
    RuleNotice(look_as_of=look.as_of, recipients=recipients).save()  # audited as a create
    send_mail(
        subject="minihcvd: the stopping rule says stop",
        message=(
            f"As of {look.as_of}: {look.patients} patients, {look.deaths} deaths, "
            f"{look.exposure_months:.1f} patient-months; Pr(experimental better) = "
            f"{look.prob_experimental_better:.4f} < {state.design.p_lower:g}. New registrations "
            "are held until an admin records the decision."
        ),
        from_email=None,
        recipient_list=recipients,
        fail_silently=False,
    )

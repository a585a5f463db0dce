"""Registration: eligible patients enrolled with the next study id, the others logged with the
reasons, bad input named by field (form and API), the live eligibility panel."""

from __future__ import annotations

from typing import Any

import pytest
from tests.web.conftest import ELIGIBLE, PATIENT, api_token

from minihcvd.web.patients.models import Patient, ScreeningEntry

pytestmark = pytest.mark.django_db


def _post(client: Any, user: str, body: dict[str, Any]) -> Any:
    token = api_token(client, user)
    return client.post(
        "/api/v1/patients",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def _body(**changes: Any) -> dict[str, Any]:
    eligibility = {**ELIGIBLE, **changes.pop("eligibility", {})}
    return {**PATIENT, "site": "A", **changes, "eligibility": eligibility}


class TestApi:
    def test_an_eligible_patient_is_enrolled_with_the_next_study_id(
        self, client: Any, patient_a: Any
    ) -> None:
        """201 with the study id, the site, the protocol and every criterion passing."""
        response = _post(client, "nurse-a", _body())
        assert response.status_code == 201
        data = response.json()
        assert (data["study_id"], data["site"], data["protocol"]) == ("A-0002", "A", "amended")
        assert data["eligibility"]["eligible"] is True
        assert {c["status"] for c in data["eligibility"]["criteria"]} == {"pass"}
        assert len(data["eligibility"]["criteria"]) == 11

    def test_an_ineligible_patient_is_logged_not_enrolled(self, client: Any, users: Any) -> None:
        """422 with the failing criterion and its reason; the screening log has the entry."""
        response = _post(client, "nurse-a", _body(eligibility={"bilirubin_mg_dl": 3.2}))
        assert response.status_code == 422
        eligibility = response.json()["eligibility"]
        assert eligibility["eligible"] is False
        failed = [c for c in eligibility["criteria"] if c["status"] == "fail"]
        assert failed == [
            {
                "criterion": "bilirubin <= 1.95 mg/dL",
                "status": "fail",
                "reason": "bilirubin_mg_dl = 3.2",
            }
        ]
        assert Patient.objects.count() == 0
        (entry,) = ScreeningEntry.objects.all()
        assert (entry.site.code, entry.outcome, entry.reasons) == ("A", "ineligible", failed)

    def test_unknown_criteria_do_not_enrol(self, client: Any, users: Any) -> None:
        """A criterion not yet known keeps the patient out, logged as unknown."""
        response = _post(client, "investigator-a", _body(eligibility={"ecog": None}))
        assert response.status_code == 422
        assert response.json()["eligibility"]["status"] == "unknown"
        assert ScreeningEntry.objects.get().outcome == "unknown"
        assert Patient.objects.count() == 0

    @pytest.mark.parametrize(
        ("changes", "location"),
        [
            ({"height_cm": 30}, "height_cm"),
            ({"weight_kg": -1}, "weight_kg"),
            ({"age_years": 7}, "age_years"),
            ({"sex": "X"}, "sex"),
            ({"start_date": "2025-02-30"}, "start_date"),
            ({"protocol": "hyper-cvad"}, "protocol"),
            ({"cd20_pct": 140}, "cd20_pct"),
            ({"eligibility": {"ecog": 9}}, "ecog"),
        ],
    )
    def test_invalid_fields_are_named(
        self, client: Any, users: Any, changes: dict[str, Any], location: str
    ) -> None:
        """422 naming the field; nothing enrolled or logged."""
        response = _post(client, "nurse-a", _body(**changes))
        assert response.status_code == 422
        locations = [detail["loc"][-1] for detail in response.json()["detail"]]
        assert location in locations
        assert Patient.objects.count() == ScreeningEntry.objects.count() == 0

    def test_a_missing_field_is_named(self, client: Any, users: Any) -> None:
        """A body without the start date says so."""
        body = _body()
        del body["start_date"]
        response = _post(client, "nurse-a", body)
        assert response.status_code == 422
        assert ["body", "payload", "start_date"] in [d["loc"] for d in response.json()["detail"]]

    def test_a_pharmacist_may_not_register(self, client: Any, users: Any) -> None:
        """403, nothing written."""
        assert _post(client, "pharmacist-a", _body()).status_code == 403
        assert Patient.objects.count() == ScreeningEntry.objects.count() == 0

    def test_study_ids_count_per_site(self, client: Any, users: Any) -> None:
        """Each site numbers its own patients."""
        ids = [
            _post(client, user, _body(site=site)).json()["study_id"]
            for user, site in (("nurse-a", "A"), ("nurse-b", "B"), ("nurse-a", "A"))
        ]
        assert ids == ["A-0001", "B-0001", "A-0002"]


class TestPages:
    def _form(self, **changes: Any) -> dict[str, Any]:
        yes_no = {True: "yes", False: "no", None: ""}
        eligibility = {**ELIGIBLE, **changes.pop("eligibility", {})}
        form = {**PATIENT, "bsa_formula": "mosteller", **changes}
        form["cns_disease"] = "on" if form["cns_disease"] else ""
        for name, value in eligibility.items():
            form[name] = yes_no[value] if isinstance(value, bool) or value is None else value
        return form

    def test_registering_an_eligible_patient_opens_their_calendar(
        self, client: Any, users: Any, sites: Any
    ) -> None:
        """The form enrols and redirects to the new patient's page."""
        client.force_login(users["nurse", "A"])
        response = client.post("/patients/register/", {**self._form(), "site": sites["A"].pk})
        assert response.status_code == 302 and response["Location"] == "/patients/A-0001/"
        page = client.get("/patients/A-0001/").content.decode()
        assert "inotuzumab" in page and "A-0001 enrolled" in page

    def test_an_ineligible_patient_shows_the_reasons(
        self, client: Any, users: Any, sites: Any
    ) -> None:
        """The form stays, with the failing criterion and its reason; the log has it."""
        client.force_login(users["nurse", "A"])
        form = {**self._form(eligibility={"ph_positive": True}), "site": sites["A"].pk}
        response = client.post("/patients/register/", form)
        page = response.content.decode()
        assert response.status_code == 422
        assert "Philadelphia-chromosome negative" in page and "ph_positive = True" in page
        assert ScreeningEntry.objects.get().outcome == "ineligible"

    def test_an_out_of_range_height_is_the_fields_error(
        self, client: Any, users: Any, sites: Any
    ) -> None:
        """The core's body-size check comes back on the height field."""
        client.force_login(users["nurse", "A"])
        response = client.post(
            "/patients/register/", {**self._form(height_cm=30), "site": sites["A"].pk}
        )
        assert response.status_code == 422
        assert "height_cm" in response.context["form"].errors
        assert Patient.objects.count() == 0

    def test_a_site_of_another_user_cannot_be_chosen(
        self, client: Any, users: Any, sites: Any
    ) -> None:
        """Site B is not a choice for a nurse of site A."""
        client.force_login(users["nurse", "A"])
        response = client.post("/patients/register/", {**self._form(), "site": sites["B"].pk})
        assert "site" in response.context["form"].errors
        assert Patient.objects.count() == 0

    def test_the_live_panel_judges_each_criterion(
        self, client: Any, users: Any, sites: Any
    ) -> None:
        """Partial answers: pass, fail and unknown, each with its reason."""
        client.force_login(users["nurse", "A"])
        response = client.post(
            "/patients/register/eligibility/",
            {"relapsed_or_refractory": "yes", "bilirubin_mg_dl": "2.5"},
            HTTP_HX_REQUEST="true",
        )
        statuses = {c.criterion: c.status for c in response.context["result"].criteria}
        assert statuses["relapsed or refractory ALL"] == "pass"
        assert statuses["bilirubin <= 1.95 mg/dL"] == "fail"
        assert statuses["CD22 positive"] == "unknown"
        assert response.context["result"].status == "ineligible"

    def test_the_live_panel_names_an_impossible_value(self, client: Any, users: Any) -> None:
        """An ECOG of 9 is shown as the field's problem, not a server error."""
        client.force_login(users["nurse", "A"])
        response = client.post("/patients/register/eligibility/", {"ecog": "9"})
        assert response.status_code == 200
        assert "ECOG" in response.context["error"]

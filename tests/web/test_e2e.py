"""End to end in a browser (Playwright driving Debian's /usr/bin/chromium, no downloaded
browser) against `minihcvd serve --demo`: the demo logins work and show the site's patients, a
nurse registers an eligible patient and downloads the calendar, sees an ineligible one's
reasons, and cannot open another site's patient."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.web.servers import RunningServer, fresh_database, run_minihcvd, serve_demo

CHROMIUM = "/usr/bin/chromium"
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        shutil.which(CHROMIUM) is None and os.environ.get("CI") != "true",
        reason="Debian's chromium is not installed (under CI=true this fails instead)",
    ),
]


SECOND_PHARMACIST = "pharmacist-a2"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """The demo, and a second pharmacist of site A (made by ``minihcvd web createuser``)."""
    data = tmp_path_factory.mktemp("e2e") / "data"
    with fresh_database() as url, serve_demo(data, url) as s:
        password = "a second pharmacist's password 7"
        args = ["web", "createuser", "--username", SECOND_PHARMACIST, "--role", "pharmacist"]
        done = run_minihcvd(
            [*args, "--site", "A", "--password-stdin", "--data-dir", str(data)],
            url,
            stdin=f"{password}\n",
        )
        assert done.returncode == 0, done.stderr
        s.passwords[SECOND_PHARMACIST] = password
        yield s


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(accept_downloads=True, viewport={"width": 1400, "height": 900})
    yield context.new_page()
    context.close()


def _login(page: Any, server: RunningServer, username: str) -> None:
    page.goto(f"{server.url}/")
    page.fill("#id_username", username)
    page.fill("#id_password", server.passwords[username])
    page.click("button[type=submit]")


def test_the_demo_prints_a_login_per_role_per_site(server: RunningServer) -> None:
    """Three sites × five site roles, and the admin; every password printed once."""
    printed = [name for name in server.passwords if name != SECOND_PHARMACIST]
    assert len(printed) == 16 and "nurse-b" in server.passwords
    assert "demo: 110/110 patients registered" in server.output


def test_a_demo_nurse_finds_their_sites_patients(page: Any, server: RunningServer) -> None:
    """Site A holds a third of the 110 demo patients, all with A- study ids."""
    _login(page, server, "nurse-a")
    heading = page.locator("h1").inner_text()
    assert heading.startswith("Patients 37 at A")
    ids = page.locator("table.grid tbody tr td:first-child").all_inner_texts()
    assert len(ids) == 37 and all(i.startswith("A-") for i in ids)


def test_register_an_eligible_patient_and_download_the_calendar(
    page: Any, server: RunningServer, tmp_path: Path
) -> None:
    """The live panel turns eligible, registration opens the calendar, the ICS downloads."""
    _login(page, server, "nurse-a")
    page.click("text=Register a patient")
    page.fill("#id_start_date", "2026-01-05")
    page.select_option("#id_sex", "F")
    page.fill("#id_age_years", "52")
    page.fill("#id_height_cm", "165")
    page.fill("#id_weight_kg", "62")
    page.fill("#id_cd20_pct", "25")
    for name, value in [
        ("relapsed_or_refractory", "yes"),
        ("precursor_b_all", "yes"),
        ("ph_positive", "no"),
        ("cd22_positive", "yes"),
        ("uncontrolled_infection", "no"),
        ("second_active_malignancy", "no"),
    ]:
        page.select_option(f"#id_{name}", value)
    for name, value in [
        ("ecog", "1"),
        ("ejection_fraction_pct", "58"),
        ("bilirubin_mg_dl", "0.8"),
        ("creatinine_mg_dl", "1.0"),
        ("nyha_class", "1"),
    ]:
        page.fill(f"#id_{name}", value)
    page.locator("#id_nyha_class").blur()
    page.wait_for_selector("#eligibility .status.eligible")
    page.click("button:has-text('Register')")
    page.wait_for_url("**/patients/A-0038/")
    assert "A-0038 enrolled" in page.content()
    assert page.locator("table.calendar tbody tr").count() > 30  # course 1
    page.click("text=maintenance 1")
    assert "Administrations of maintenance course 1" in page.content()
    with page.expect_download() as download_info:
        page.click("text=calendar (ICS)")
    saved = tmp_path / "calendar.ics"
    download_info.value.save_as(saved)
    assert saved.read_text().startswith("BEGIN:VCALENDAR")


def test_an_ineligible_patient_shows_the_reasons(page: Any, server: RunningServer) -> None:
    """A Ph-positive patient is not enrolled and the failing criterion is shown."""
    _login(page, server, "investigator-b")
    page.goto(f"{server.url}/patients/register/")
    page.select_option("#id_ph_positive", "yes")
    page.wait_for_selector("#eligibility li.fail")
    assert "Philadelphia-chromosome negative" in page.locator("#eligibility li.fail").inner_text()
    page.fill("#id_start_date", "2026-01-05")
    page.fill("#id_age_years", "40")
    page.fill("#id_height_cm", "170")
    page.fill("#id_weight_kg", "70")
    page.click("button:has-text('Register')")
    assert "Not enrolled" in page.content()
    page.goto(f"{server.url}/patients/screening/")
    assert "ph_positive = True" in page.content()


def test_a_nurse_of_site_b_cannot_open_a_site_a_patient(page: Any, server: RunningServer) -> None:
    """404 for A-0001, and the list of site B has no A- patients."""
    _login(page, server, "nurse-b")
    response = page.goto(f"{server.url}/patients/A-0001/")
    assert response.status == 404
    page.goto(f"{server.url}/patients/?q=A-0001")
    assert page.locator("table.grid tbody").inner_text().startswith("No patients")


def test_a_nurse_enters_a_marrow_showing_cr(page: Any, server: RunningServer) -> None:
    """The form saves through the package rules and the casebook shows the core's response."""
    _login(page, server, "nurse-a")
    page.goto(f"{server.url}/patients/A-0038/casebook/assessments/new/")
    page.fill("#id_assessment_date", "2026-02-02")
    page.fill("#id_bm_blasts_pct", "2")
    page.fill("#id_anc_10e9_per_l", "1.8")
    page.fill("#id_platelets_10e9_per_l", "150")
    page.select_option("#id_extramedullary_disease", "false")
    page.fill("#id_mrd_flow_level", "0.00002")
    page.click("button:has-text('Save')")
    page.wait_for_url("**/patients/A-0038/")
    row = page.locator("#casebook table.grid tbody tr").first.inner_text()
    assert "CR" in row and "flow negative" in row
    assert "CR on 2026-02-02" in page.locator("#casebook").inner_text()


def test_a_pharmacist_verifies_a_nurse_gives_and_a_second_pharmacist_sees_the_signature(
    browser: Any, server: RunningServer
) -> None:
    """Course 1 of A-0038 (registered above): a nurse cannot give it before it is verified; the
    pharmacist confirms the unstated doses and signs with the password; the nurse records a
    dose as planned in one click and another with its reason; a second pharmacist's screen
    shows the signature (valid) and the doses given."""
    treatment = f"{server.url}/patients/A-0038/treatment/?course=1"
    nurse = browser.new_context().new_page()
    _login(nurse, server, "nurse-a")
    nurse.goto(treatment)
    assert "cannot start before" in nurse.content()
    assert nurse.locator("button:has-text('Given as planned')").count() == 0
    pharmacist = browser.new_context().new_page()
    _login(pharmacist, server, "pharmacist-a")
    pharmacist.goto(treatment)
    pharmacist.click("text=verify and sign")
    pharmacist.wait_for_url("**/treatment/1/verification/")
    assert "Mosteller" in pharmacist.locator("#verification").inner_text()
    pharmacist.fill("#sign-password", server.passwords["pharmacist-a"])
    pharmacist.click("button:has-text('Sign: verified the doses of course 1')")
    assert "confirm each dose" in pharmacist.locator("p.message.error").inner_text()
    for box in pharmacist.locator("input[name=confirmed]").all():
        box.check()
    pharmacist.fill("#sign-password", server.passwords["pharmacist-a"])
    pharmacist.click("button:has-text('Sign: verified the doses of course 1')")
    signed = pharmacist.locator("ul.signatures").inner_text()
    assert "Signed by pharmacist-a" in signed and "signature valid" in signed
    nurse.goto(treatment)
    first = nurse.locator("table.given tbody tr").first
    drug = first.locator("td").nth(2).inner_text()
    first.locator("button:has-text('Given as planned')").click()  # htmx: the page part swaps
    nurse.wait_for_selector(f"p.message.success:has-text('{drug} day 1 recorded as given')")
    assert "as planned" in nurse.locator("table.given tbody tr").first.inner_text()
    second = nurse.locator("table.given tbody tr").nth(1)
    second.locator("summary").click()
    second.locator("input[name=dose]").fill("1")
    second.locator("input[name=reason]").fill("dose capped by the treating physician")
    second.locator("button:has-text('Record the dose given')").click()
    nurse.wait_for_selector("text=not as planned: dose capped by the treating physician")
    assert "Cumulative inotuzumab given" in nurse.content()
    other = browser.new_context().new_page()
    _login(other, server, SECOND_PHARMACIST)
    other.goto(f"{server.url}/patients/A-0038/treatment/1/verification/")
    shown = other.locator("ul.signatures").inner_text()
    assert "Signed by pharmacist-a (pharmacist-a, pharmacist)" in shown
    assert "“verified the doses of course 1”" in shown and "signature valid" in shown
    assert "not as planned: dose capped" not in shown
    assert "dose capped by the treating physician" in other.locator("table.verify").inner_text()
    other.goto(f"{server.url}/patients/A-0038/")
    assert "Signed by pharmacist-a" in other.content()


def test_a_monitor_raises_a_query_and_the_nurse_answers_it(
    browser: Any, server: RunningServer
) -> None:
    monitor = browser.new_context().new_page()
    _login(monitor, server, "monitor-a")
    monitor.goto(f"{server.url}/patients/A-0001/")
    monitor.locator("#casebook a:has-text('query')").first.click()
    monitor.select_option("#id_field", "bm_blasts_pct")
    monitor.fill("#id_text", "The source report says 1.2 %")
    monitor.click("button:has-text('Raise the query')")
    assert "open" in monitor.locator("section.query").first.inner_text().lower()
    nurse = browser.new_context().new_page()
    _login(nurse, server, "nurse-a")
    nurse.goto(f"{server.url}/patients/A-0001/")
    assert "data queries: 1 open" in nurse.content()
    nurse.goto(f"{server.url}/patients/A-0001/queries/")
    nurse.locator("section.query input[name=text]").first.fill("checked: 1.2 % is right")
    nurse.click("section.query button:has-text('Answer')")
    thread = nurse.locator("section.query").first.inner_text().lower()
    assert "answered" in thread and "checked: 1.2 % is right" in thread
    monitor.reload()
    monitor.locator("section.query input[name=text]").first.fill("agreed")
    monitor.click("section.query button:has-text('Close')")
    assert "closed" in monitor.locator("section.query").first.inner_text().lower()


def test_the_statistician_opens_the_dashboard_and_the_full_report(
    page: Any, server: RunningServer
) -> None:
    _login(page, server, "statistician-a")
    page.click("text=Dashboard")
    assert "Response (Table 2)" in page.content()
    assert page.locator("#rule .status").inner_text().lower() == "continue"  # the calibrated demo
    page.click("button:has-text('Run the full analysis')")
    page.wait_for_url("**/report.html", timeout=120_000)
    assert "Kaplan" in page.content() or "survival" in page.content().lower()


@pytest.fixture(scope="module")
def poor_trial(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A trial whose true survival is poor: a virtual cohort of the core's generator with a
    high hazard, imported into a site, then served."""
    from tests.web.servers import run_minihcvd

    from minihcvd.cohort import synthesize
    from minihcvd.cohort.outcomes import OutcomeModel
    from minihcvd.trialdata import write_package

    folder = tmp_path_factory.mktemp("poor")
    model = OutcomeModel(
        baseline_hazard_per_day=8e-3,
        post_relapse_median_months=2.0,
        post_relapse_long_term_share=0.0,
        no_response_median_months=1.5,
        no_response_long_term_share=0.0,
        long_term_hazard_per_day=2e-3,
    )
    write_package(synthesize(5, 40, administrations=False, model=model), folder / "package")
    data = folder / "data"
    with fresh_database() as url:
        for args, stdin in (
            (["web", "createsite", "--code", "A", "--name", "Poor"], ""),
            (["web", "import", str(folder / "package"), "--site", "A"], ""),
            (
                [
                    "web",
                    "createuser",
                    "--username",
                    "stat",
                    "--role",
                    "statistician",
                    "--site",
                    "A",
                    "--password-stdin",
                ],
                "a long enough password 1\n",
            ),
        ):
            done = run_minihcvd([*args, "--data-dir", str(data)], url, stdin=stdin)
            assert done.returncode == 0, done.stderr
        with serve_demo(data, url, demo=False) as running:
            running.passwords["stat"] = "a long enough password 1"
            yield running


def test_a_poor_trial_trips_the_rule_and_the_dashboard_says_stop(
    page: Any, poor_trial: RunningServer
) -> None:
    _login(page, poor_trial, "stat")
    page.goto(f"{poor_trial.url}/dashboard/")
    assert page.locator("#rule .status").inner_text().lower() == "stop"
    assert "New registrations are held" in page.content()


def test_an_investigator_signs_and_locks_a_casebook_and_a_later_edit_is_refused(
    browser: Any, server: RunningServer
) -> None:
    investigator = browser.new_context().new_page()
    _login(investigator, server, "investigator-a")
    investigator.goto(f"{server.url}/patients/A-0002/")
    investigator.fill("#casebook-lock input[name=password]", server.passwords["investigator-a"])
    investigator.click("button:has-text('Sign and lock the casebook')")
    lock = investigator.locator("#casebook-lock").inner_text()
    assert "Signed and locked" in lock and "signature valid" in lock
    nurse = browser.new_context().new_page()
    _login(nurse, server, "nurse-a")
    nurse.goto(f"{server.url}/patients/A-0002/casebook/followups/new/")
    nurse.fill("#id_visit_date", "2012-11-20")
    nurse.click("button:has-text('Save')")
    assert "signed and locked" in nurse.content()

"""Screenshots of the web application's main pages for docs/web.md (docs/images/web-*.png).

Runs ``minihcvd serve --demo`` on a throw-away data folder and drives Debian's chromium with
Playwright: ``.venv/bin/python scripts/web_screenshots.py``.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402
from tests.web.servers import serve_demo  # noqa: E402

IMAGES = ROOT / "docs" / "images"


def main() -> None:
    IMAGES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder, serve_demo(Path(folder) / "data", None) as server:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", args=["--no-sandbox"]
            )
            page = browser.new_page(viewport={"width": 1280, "height": 860})

            def shot(name: str, full_page: bool = False) -> None:
                page.screenshot(path=str(IMAGES / f"web-{name}.png"), full_page=full_page)
                print(f"docs/images/web-{name}.png")

            page.goto(f"{server.url}/")
            shot("login")
            page.fill("#id_username", "nurse-a")
            page.fill("#id_password", server.passwords["nurse-a"])
            page.click("button[type=submit]")
            page.wait_for_selector("table.grid")
            shot("patients")
            page.goto(f"{server.url}/patients/register/")
            page.select_option("#id_relapsed_or_refractory", "yes")
            page.select_option("#id_ph_positive", "yes")
            page.fill("#id_ecog", "1")
            page.locator("#id_ecog").blur()
            page.wait_for_selector("#eligibility li.fail")
            shot("register")
            page.goto(f"{server.url}/patients/A-0001/")
            shot("calendar")
            page.locator("#casebook").scroll_into_view_if_needed()
            page.locator("#casebook").screenshot(path=str(IMAGES / "web-casebook.png"))
            print("docs/images/web-casebook.png")
            page.goto(f"{server.url}/patients/A-0001/casebook/assessments/new/")
            page.fill("#id_assessment_date", "2012-11-01")
            page.fill("#id_bm_blasts_pct", "3")
            page.fill("#id_anc_10e9_per_l", "1.2")
            page.fill("#id_platelets_10e9_per_l", "110")
            page.select_option("#id_extramedullary_disease", "false")
            page.click("button:has-text('Save')")
            page.wait_for_selector(".error")
            shot("record-refused")
            page.goto(f"{server.url}/patients/A-0001/history/")
            shot("history")
            page.goto(f"{server.url}/patients/screening/")
            shot("screening")
            page.goto(f"{server.url}/api/v1/docs")
            page.wait_for_timeout(1500)
            shot("api")
            page = _treatment_shots(browser, server, shot)
            browser.close()


def _treatment_shots(browser: Any, server: Any, shot: Callable[..., None]) -> Any:
    """A pharmacist verifies the first course of A-0002 with no dose given yet (the
    verification page, before signing); the nurse gives its first doses (the treatment page);
    the signature as another user sees it."""
    treatment = f"{server.url}/patients/A-0002/treatment/"
    pharmacist = _logged_in(browser, server, "pharmacist-a")
    pharmacist.goto(treatment)
    row = pharmacist.locator("table.courses tbody tr", has_text="0 of").first
    course = row.locator("a").first.get_attribute("href").split("course=")[1].split("#")[0]
    verification = f"{server.url}/patients/A-0002/treatment/{course}/verification/"
    pharmacist.goto(verification)
    for box in pharmacist.locator("input[name=confirmed]").all():
        box.check()
    pharmacist.fill("#sign-password", server.passwords["pharmacist-a"])
    pharmacist.screenshot(path=str(IMAGES / "web-verify.png"), full_page=True)
    print("docs/images/web-verify.png")
    pharmacist.click(f"button:has-text('Sign: verified the doses of course {course}')")
    nurse = _logged_in(browser, server, "nurse-a")
    nurse.goto(f"{treatment}?course={course}")
    for done in range(2):
        nurse.locator("button:has-text('Given as planned')").first.click()
        nurse.locator("table.given tr.done").nth(done).wait_for()
    other = nurse.locator("table.given tbody tr", has=nurse.locator("summary")).first
    other.locator("summary").click()
    other.locator("input[name=dose]").fill("1")
    other.locator("input[name=reason]").fill("capped by the treating physician")
    other.locator("button:has-text('Record the dose given')").click()
    nurse.wait_for_selector("text=not as planned")
    nurse.screenshot(path=str(IMAGES / "web-treatment.png"), full_page=True)
    print("docs/images/web-treatment.png")
    investigator = _logged_in(browser, server, "investigator-a")
    investigator.goto(verification)
    investigator.locator("ul.signatures").screenshot(path=str(IMAGES / "web-signature.png"))
    print("docs/images/web-signature.png")
    return investigator


def _logged_in(browser: Any, server: Any, username: str) -> Any:
    page = browser.new_context(viewport={"width": 1280, "height": 860}).new_page()
    page.goto(f"{server.url}/")
    page.fill("#id_username", username)
    page.fill("#id_password", server.passwords[username])
    page.click("button[type=submit]")
    page.wait_for_selector("main")
    return page


if __name__ == "__main__":
    main()

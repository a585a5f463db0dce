"""Screenshots of the web application's main pages for docs/web.md (docs/images/web-*.png).

Runs ``minihcvd serve --demo`` on a throw-away data folder and drives Debian's chromium with
Playwright: ``.venv/bin/python scripts/web_screenshots.py``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

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
            browser.close()


if __name__ == "__main__":
    main()

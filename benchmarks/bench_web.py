"""The web application under load: `minihcvd serve --demo` (gunicorn) driven over loopback.

    .venv/bin/python benchmarks/bench_web.py [--users 50] [--seconds 120] [--postgres]

A bounded script of its own (threads, one `requests.Session` per virtual user; no load-testing
framework to install): the users arrive over the first 30 s, each logs in as its site's nurse
(pages, data entry by an API token) and statistician (dashboard), and loops over a realistic
mix until the time is up — patient list, patient page, calendar download, enter a marrow
assessment, enter an adverse event (API), dashboard — pausing 2–8 s between requests (reading
the page, filling the form: 50 users make about 10 requests a second). Prints p50/p95/p99 per
request type, throughput and errors, then checks afterwards that every write that answered 201
is in the database with its audit entry and that the audit chain verifies (`minihcvd audit
verify`).
Targets (issue 14): p95 ≤ 100 ms for pages and API calls, ≤ 300 ms for the dashboard, 0
errors, 0 lost writes.

`--postgres` runs the same against a throw-away PostgreSQL cluster (scripts/postgres.sh).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from functools import partial
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.web.servers import run_minihcvd, serve_demo  # noqa: E402

SITES = ("a", "b", "c")
#: the users log in one after another over this many seconds (a morning, compressed)
RAMP_S = 30.0
#: a person's pause between requests (reading a page, filling a form), seconds
THINK_S = (2.0, 8.0)


class Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list[str]] = defaultdict(list)
        self.refused: dict[str, int] = defaultdict(int)
        self.created: list[tuple[str, str]] = []

    def timed(
        self, name: str, call: object, ok: tuple[int, ...] = (200,)
    ) -> requests.Response | None:
        start = time.perf_counter()
        try:
            response = call()  # type: ignore[operator]
        except requests.RequestException as error:
            with self.lock:
                self.errors[name].append(type(error).__name__)
            return None
        elapsed = time.perf_counter() - start
        with self.lock:
            self.times[name].append(elapsed)
            if response.status_code == 422 and 201 in ok:  # the casebook's rules said no
                self.refused[name] += 1
            elif response.status_code not in ok:
                self.errors[name].append(f"HTTP {response.status_code} {response.text[:160]}")
        return response


def _login(session: requests.Session, url: str, username: str, password: str) -> requests.Response:
    page = session.get(f"{url}/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token is not None
    done = session.post(
        f"{url}/accounts/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token[1]},
        headers={"Referer": f"{url}/accounts/login/"},
    )
    assert done.status_code == 200 and "Log out" in done.text, f"login {username} failed"
    return done


def _patients(url: str, session: requests.Session, token: str) -> list[dict[str, str]]:
    listed = session.get(f"{url}/api/v1/patients", headers={"Authorization": f"Bearer {token}"})
    return list(listed.json())


def _user(index: int, url: str, passwords: dict[str, str], stop_at: float, rec: Recorder) -> None:
    rng = random.Random(index)
    time.sleep(index * RAMP_S / 50)  # people arrive over the first RAMP_S seconds
    site = SITES[index % len(SITES)]
    nurse, statistician = requests.Session(), requests.Session()
    rec.timed("login", partial(_login, nurse, url, f"nurse-{site}", passwords[f"nurse-{site}"]))
    _login(statistician, url, f"statistician-{site}", passwords[f"statistician-{site}"])
    token = nurse.post(
        f"{url}/api/v1/token",
        json={"username": f"nurse-{site}", "password": passwords[f"nurse-{site}"]},
    ).json()["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    patients = [p for p in _patients(url, nurse, token) if p.get("height_cm")]
    while time.monotonic() < stop_at:
        patient = rng.choice(patients)
        sid = patient["study_id"]
        day = (
            dt.date.fromisoformat(patient["start_date"]) + dt.timedelta(days=rng.randint(1, 20))
        ).isoformat()
        step = rng.random()
        if step < 0.25:
            rec.timed("patient list", partial(nurse.get, f"{url}/patients/"))
        elif step < 0.50:
            rec.timed("patient page", partial(nurse.get, f"{url}/patients/{sid}/"))
        elif step < 0.65:
            rec.timed("calendar (ICS)", partial(nurse.get, f"{url}/patients/{sid}/calendar.ics"))
        elif step < 0.78:
            marrow = {
                "assessment_date": day,
                "bm_blasts_pct": 40,
                "anc_10e9_per_l": 0.4,
                "platelets_10e9_per_l": 30,
                "extramedullary_disease": False,
            }
            made = rec.timed(
                "enter assessment (API)",
                partial(
                    nurse.post,
                    f"{url}/api/v1/patients/{sid}/assessments",
                    json=marrow,
                    headers=bearer,
                ),
                ok=(201,),
            )
            if made is not None and made.status_code == 201:
                with rec.lock:
                    rec.created.append(("casebook.marrowassessment", made.json()["id"]))
        elif step < 0.91:
            event = {
                "term": "Nausea",
                "onset_date": day,
                "grade": 2,
                "ctcae_version": "4.03",
                "hematologic": False,
                "treatment_related": True,
            }
            made = rec.timed(
                "enter adverse event (API)",
                partial(
                    nurse.post,
                    f"{url}/api/v1/patients/{sid}/adverse-events",
                    json=event,
                    headers=bearer,
                ),
                ok=(201,),
            )
            if made is not None and made.status_code == 201:
                with rec.lock:
                    rec.created.append(("casebook.adverseevent", made.json()["id"]))
        else:
            rec.timed("dashboard", partial(statistician.get, f"{url}/dashboard/"))
        time.sleep(rng.uniform(THINK_S[0], THINK_S[1]))


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def _check_writes(data_dir: Path, database_url: str | None, created: list[tuple[str, str]]) -> str:
    """Every 201 is a row with its create entry; the chain verifies."""
    script = (
        "import json, sys\n"
        "from minihcvd.web.bootstrap import start_django\n"
        "from pathlib import Path\n"
        f"start_django(Path({str(data_dir)!r}), migrate=False)\n"
        "from minihcvd.web.audit.models import AuditEntry\n"
        "from minihcvd.web.casebook.models import MarrowAssessment, AdverseEvent\n"
        "made = json.load(sys.stdin)\n"
        "models = {'casebook.marrowassessment': MarrowAssessment,\n"
        "          'casebook.adverseevent': AdverseEvent}\n"
        "lost = [i for m, i in made if not models[m].objects.filter(pk=i).exists()]\n"
        "unaudited = [i for m, i in made if not AuditEntry.objects.filter(\n"
        "    record_model=m, record_id=i, action='create').exists()]\n"
        "print(len(lost), len(unaudited))\n"
    )
    import json

    env = dict(os.environ)
    if database_url:
        env["MINIHCVD_DATABASE_URL"] = database_url
    checked = subprocess.run(
        [sys.executable, "-c", script],
        input=json.dumps(created),
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    verify = run_minihcvd(["audit", "verify", "--data-dir", str(data_dir)], database_url)
    counts = checked.stdout.strip() or checked.stderr[-300:]
    return f"lost writes, unaudited writes: {counts}; {verify.stdout.strip()}"


def run(users: int, seconds: float, database_url: str | None, label: str) -> None:
    with tempfile.TemporaryDirectory(prefix="minihcvd-bench-web-") as folder:
        data = Path(folder) / "data"
        print(f"{label}: starting minihcvd serve --demo …", flush=True)
        with serve_demo(data, database_url) as server:
            rec = Recorder()
            stop_at = time.monotonic() + seconds
            threads = [
                threading.Thread(target=_user, args=(i, server.url, server.passwords, stop_at, rec))
                for i in range(users)
            ]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            wall = time.perf_counter() - started
        total = sum(len(v) for v in rec.times.values())
        print(f"{label}: {users} users for {seconds:.0f} s: {total} requests, {total / wall:.1f}/s")
        print(f"{'request':28} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")
        for name in sorted(rec.times):
            values = rec.times[name]
            print(
                f"{name:28} {len(values):6d} {_percentile(values, 0.5):8.1f} "
                f"{_percentile(values, 0.95):8.1f} {_percentile(values, 0.99):8.1f} "
                f"{len(rec.errors[name]):7d}"
            )
        for name, count in rec.refused.items():
            print(f"  {name}: {count} refused by the casebook's rules (422, e.g. after a death)")
        for name, errors in rec.errors.items():
            if errors:
                print(f"  {name}: {sorted(set(errors))[:5]}")
        print(f"{label}: {_check_writes(data, database_url, rec.created)}")
        every = [t for v in rec.times.values() for t in v]
        print(f"  median of all {statistics.median(every) * 1000:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument(
        "--postgres", action="store_true", help="also on a throw-away PostgreSQL cluster"
    )
    args = parser.parse_args()
    run(args.users, args.seconds, None, "SQLite")
    if args.postgres:
        folder = tempfile.mkdtemp(prefix="minihcvd-bench-pg-")
        url = subprocess.run(
            ["bash", str(ROOT / "scripts" / "postgres.sh"), "start", folder],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        try:
            run(args.users, args.seconds, url, "PostgreSQL")
        finally:
            subprocess.run(
                ["bash", str(ROOT / "scripts" / "postgres.sh"), "stop", folder], check=False
            )


if __name__ == "__main__":
    main()

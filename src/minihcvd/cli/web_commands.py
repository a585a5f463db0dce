"""``minihcvd serve``, ``minihcvd web …`` and ``minihcvd audit verify``: the trial application.

Thin: resolve the data folder (``--data-dir``, else ``MINIHCVD_DATA_DIR``, else
``./minihcvd-data``; PostgreSQL when ``MINIHCVD_DATABASE_URL`` is set), start Django, call one
service of :mod:`minihcvd.web`. Django loads only when one of these commands runs.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from minihcvd.cli.app import app, console, err_console

__all__ = ["audit_verify", "createsite", "createuser", "serve", "users"]

DataDirOption = Annotated[
    Path | None,
    typer.Option(
        help="The application's data folder: secret key and SQLite database (default "
        "./minihcvd-data, or MINIHCVD_DATA_DIR). MINIHCVD_DATABASE_URL selects PostgreSQL."
    ),
]
MAX_WORKERS = 64

web = typer.Typer(
    name="web", help="Manage the trial application's sites and users.", no_args_is_help=True
)
audit = typer.Typer(name="audit", help="Check the application's audit trail.", no_args_is_help=True)
app.add_typer(web)
app.add_typer(audit)


def _start(data_dir: Path | None) -> Path:
    from minihcvd.web.bootstrap import start_django

    return start_django(data_dir)


@app.command()
def serve(
    data_dir: DataDirOption = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on (1-65535).")] = 8000,
    workers: Annotated[int, typer.Option(help="gunicorn worker processes (1-64).")] = 2,
    demo: Annotated[
        bool,
        typer.Option(
            "--demo",
            help="Seed an empty database with a demo trial (3 sites, one "
            "user per role per site, 110 virtual patients); prints the logins once.",
        ),
    ] = False,
) -> None:
    """Run the trial web application (gunicorn + whitenoise; never DEBUG)."""
    from minihcvd.web.errors import WebInputError

    if not 1 <= port <= 65535:
        raise WebInputError(f"expected a port from 1 to 65535, found {port}", field="port")
    if not 1 <= workers <= MAX_WORKERS:
        raise WebInputError(
            f"expected 1 to {MAX_WORKERS} workers, found {workers}", field="workers"
        )
    folder = _start(data_dir)
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    if demo:
        _seed_demo()
    from minihcvd.web.server import serve_forever

    shown_host = f"[{host}]" if ":" in host else host
    console.print(f"minihcvd: data in {folder}", markup=False, highlight=False)
    console.print(
        f"minihcvd: serving on http://{shown_host}:{port}/ (Ctrl-C stops)",
        markup=False,
        highlight=False,
    )
    sys.stdout.flush()
    serve_forever(host=host, port=port, workers=workers)


def _seed_demo() -> None:
    from minihcvd.web.demo import seed_demo
    from minihcvd.web.sites.models import Site

    if Site.objects.exists():
        console.print(
            "demo: the database already holds a trial; not seeded again "
            "(the logins were printed when it was seeded)",
            markup=False,
        )
        return
    logins = seed_demo(progress=lambda line: err_console.print(line, markup=False))
    table = Table(title="Demo logins (shown once; store them now)")
    for column in ("username", "role", "site", "password"):
        table.add_column(column)
    for login in logins:
        table.add_row(login.username, login.role, login.site, login.password)
    console.print(table)


@web.command()
def createsite(
    code: Annotated[
        str, typer.Option(help="Site code, 1-8 capitals or digits (study ids are CODE-0001…).")
    ],
    name: Annotated[str, typer.Option(help="The hospital's name.")],
    protocol: Annotated[
        str, typer.Option(help="The site's active protocol: original, original-reduced or amended.")
    ] = "amended",
    data_dir: DataDirOption = None,
) -> None:
    """Create a site."""
    _start(data_dir)
    from minihcvd.web.audit.context import Actor, acting_as
    from minihcvd.web.sites.services import create_site

    with acting_as(Actor(user_id=None, username="cli:web createsite")):
        site = create_site(code=code, name=name, active_protocol=protocol)
    console.print(
        f"created site {site.code} ({site.name}, protocol {site.active_protocol})",
        markup=False,
        highlight=False,
    )


@web.command()
def createuser(
    username: Annotated[str, typer.Option(help="Login name.")],
    role: Annotated[
        str, typer.Option(help="investigator, nurse, pharmacist, statistician, monitor or admin.")
    ],
    site: Annotated[
        list[str] | None,
        typer.Option(help="Site code (repeatable); 'all' for statisticians and monitors."),
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin.")
    ] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Create a user (the password is asked for, or read from stdin; never a default)."""
    from minihcvd.web.errors import WebInputError

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        raise WebInputError(
            "no terminal to ask for the password: use --password-stdin", field="password"
        )
    _start(data_dir)
    from minihcvd.web.accounts.services import create_user
    from minihcvd.web.audit.context import Actor, acting_as

    with acting_as(Actor(user_id=None, username="cli:web createuser")):
        user = create_user(username=username, role=role, password=password, site_codes=site or [])
    console.print(
        f"created {user.role} {user.username} (sites: {', '.join(user.site_codes()) or '-'})",
        markup=False,
        highlight=False,
    )


@web.command("siteprotocol")
def site_protocol_command(
    protocol_file: Annotated[
        Path, typer.Argument(help="A site variant YAML (docs/protocols.md: extends a version).")
    ],
    site: Annotated[str, typer.Option(help="The site's code.")],
    reason: Annotated[str, typer.Option(help="Why the site uses it (audited).")],
    activate: Annotated[
        bool, typer.Option("--activate", help="Make it the site's active protocol.")
    ] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Upload a site's protocol variant, validated by the core (deviations need a source)."""
    _start(data_dir)
    from minihcvd.web.audit.context import Actor, acting_as
    from minihcvd.web.errors import WebInputError
    from minihcvd.web.sites.models import Site
    from minihcvd.web.sites.services import add_site_protocol

    found = Site.objects.filter(code=site).first()
    if found is None:
        raise WebInputError(f"no site {site!r}", field="site")
    with acting_as(Actor(user_id=None, username="cli:web siteprotocol")):
        variant = add_site_protocol(
            site=found, path=protocol_file, reason=reason, uploaded_by="cli:web siteprotocol"
        )
        if activate:
            found.active_protocol = variant.name
            found.save()
    console.print(
        f"site {site}: protocol {variant.name} ({variant.file_name}, extends {variant.base}, "
        f"sha256 {variant.sha256[:12]}){' active' if activate else ''}",
        markup=False,
        highlight=False,
    )


@web.command("import")
def import_package_command(
    package_dir: Annotated[
        Path, typer.Argument(help="A trial data package folder (docs/data-format.md).")
    ],
    site: Annotated[str, typer.Option(help="The code of the (empty) site to load it into.")],
    data_dir: DataDirOption = None,
) -> None:
    """Load a data package into an empty site through the audited write path (all or nothing)."""
    _start(data_dir)
    from minihcvd.web.audit.context import Actor, acting_as
    from minihcvd.web.casebook.importer import import_package

    with acting_as(Actor(user_id=None, username="cli:web import")):
        summary = import_package(
            package_dir,
            site_code=site,
            progress=lambda line: err_console.print(line, markup=False),
        )
    rows = ", ".join(f"{count} {name}" for name, count in summary.items())
    console.print(f"imported into site {site}: {rows}", markup=False, highlight=False)


@web.command("design")
def set_design_command(
    design_file: Annotated[
        Path, typer.Argument(help="A design file of `minihcvd monitor design` (TOML).")
    ],
    reason: Annotated[str, typer.Option(help="Why the trial's design changes (audited).")],
    data_dir: DataDirOption = None,
) -> None:
    """Put a monitoring design in force for the trial's live stopping rule (the admin's)."""
    _start(data_dir)
    from minihcvd.monitoring.design_file import load_design
    from minihcvd.web.audit.context import Actor, acting_as
    from minihcvd.web.oversight.services import set_design

    load_design(design_file)  # one line naming the file and field if it is not a design
    with acting_as(Actor(user_id=None, username="cli:web design")):
        set_design(
            user=None,
            toml_text=design_file.read_text(encoding="utf-8"),
            reason=reason,
            set_by="cli:web design",
        )
    console.print(f"design {design_file.name} in force", markup=False, highlight=False)


@web.command()
def users(data_dir: DataDirOption = None) -> None:
    """List the users with their role and sites."""
    _start(data_dir)
    from minihcvd.web.accounts.models import User

    table = Table(title="Users")
    for column in ("username", "role", "sites", "active", "last login (UTC)"):
        table.add_column(column)
    for user in User.objects.prefetch_related("sites").order_by("username"):
        table.add_row(
            user.username,
            user.role,
            ", ".join(user.site_codes()) or "-",
            "yes" if user.is_active else "no",
            f"{user.last_login:%Y-%m-%d %H:%M}" if user.last_login else "-",
        )
    console.print(table)


@audit.command("verify")
def audit_verify(data_dir: DataDirOption = None) -> None:
    """Recompute the audit trail's hash chain: exit 0 if intact, 1 naming the first bad entry."""
    _start(data_dir)
    from minihcvd.web.audit.services import verify_chain

    checked, problem = verify_chain()
    if problem is None:
        console.print(f"audit trail intact: {checked} entries", markup=False)
        return
    err_console.print(
        f"audit trail broken at entry #{problem.sequence}: {problem.problem} "
        f"({checked} {'entry' if checked == 1 else 'entries'} before it "
        f"{'is' if checked == 1 else 'are'} intact)",
        markup=False,
        highlight=False,
    )
    raise typer.Exit(1)

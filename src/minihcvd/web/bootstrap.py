"""Starting Django for a data folder, outside a web server (the CLI's web commands)."""

from __future__ import annotations

import os
from pathlib import Path

from minihcvd.web.config import use_data_dir

__all__ = ["start_django"]

SETTINGS_MODULE = "minihcvd.web.settings"


def start_django(data_dir: Path | None, *, migrate: bool = True) -> Path:
    """Use ``data_dir`` (made with its secret key on first use), set Django up and apply the
    migrations; returns the folder."""
    chosen = use_data_dir(data_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS_MODULE
    import django
    from django.core.management import call_command

    django.setup()
    if migrate:
        call_command("migrate", interactive=False, verbosity=0)
    return chosen

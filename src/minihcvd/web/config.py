"""Where the application keeps its state: the data folder, its secret key, the database URL.

Every web command (``serve``, ``web …``, ``audit verify``) resolves these the same way:
``--data-dir`` (or ``MINIHCVD_DATA_DIR``, default ``./minihcvd-data``) holds the secret key
(mode 0600, made on first start) and the SQLite database; ``MINIHCVD_DATABASE_URL`` points to
PostgreSQL instead. No Django import here: the CLI resolves paths before Django starts.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from minihcvd.web.errors import DataDirError

__all__ = [
    "DATABASE_URL_VARIABLE",
    "DATA_DIR_VARIABLE",
    "DEFAULT_DATA_DIR",
    "SECRET_KEY_FILE",
    "data_dir_from_environment",
    "read_or_create_secret_key",
    "use_data_dir",
]

DATA_DIR_VARIABLE = "MINIHCVD_DATA_DIR"
DATABASE_URL_VARIABLE = "MINIHCVD_DATABASE_URL"
DEFAULT_DATA_DIR = Path("minihcvd-data")
# the name of the key's file, not a secret (bandit B105)
SECRET_KEY_FILE = "secret_key"  # nosec B105


def data_dir_from_environment() -> Path:
    """The data folder the settings use: ``MINIHCVD_DATA_DIR`` or ``./minihcvd-data``."""
    return Path(os.environ.get(DATA_DIR_VARIABLE) or DEFAULT_DATA_DIR).resolve()


def use_data_dir(data_dir: Path | None) -> Path:
    """Make ``data_dir`` (or the environment's) the folder of this process, creating it."""
    chosen = (data_dir if data_dir is not None else data_dir_from_environment()).resolve()
    if chosen.exists() and not chosen.is_dir():
        raise DataDirError(f"expected a folder, found a file at {str(chosen)!r}", field="data-dir")
    try:
        chosen.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DataDirError(
            f"cannot create the data folder {str(chosen)!r} ({error.strerror or error})",
            field="data-dir",
        ) from None
    os.environ[DATA_DIR_VARIABLE] = str(chosen)
    return chosen


def read_or_create_secret_key(data_dir: Path) -> str:
    """The folder's Django secret key; made once (file mode 0600, never printed or logged).

    A key file that others can read is refused: it signs sessions and password-reset tokens.
    """
    path = data_dir / SECRET_KEY_FILE
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        key = secrets.token_urlsafe(64)
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(key + "\n")
        return key
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise DataDirError(
            f"the secret key {str(path)!r} is readable by others (mode {mode:04o}); "
            f"run: chmod 600 {path}",
            field="data-dir",
        ) from None
    key = path.read_text(encoding="ascii").strip()
    if len(key) < 50:
        raise DataDirError(
            f"the secret key {str(path)!r} is shorter than 50 characters; remove it to "
            "make a new one (existing sessions end)",
            field="data-dir",
        )
    return key

"""Django settings for the test session: the application's own, with a throw-away data folder.

``MINIHCVD_DATABASE_URL`` (PostgreSQL) is honoured as in production; pytest-django then creates
and drops a ``test_…`` database on that server.
"""

from __future__ import annotations

import os
import tempfile

os.environ["MINIHCVD_DATA_DIR"] = tempfile.mkdtemp(prefix="minihcvd-test-data-")

from minihcvd.web.settings import *  # noqa: E402, F403

# argon2 at its production cost makes each test login slow; the hasher is the same
PASSWORD_HASHERS = ["tests.web_hashers.QuickArgon2PasswordHasher"]

STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405  (serve's collectstatic makes it)
# pages render without a collectstatic run (the manifest is serve's); whitenoise is unchanged
STORAGES = {**STORAGES, "staticfiles": {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}

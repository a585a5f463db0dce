"""Security settings: never DEBUG, argon2, login lock-out, CSRF, cookie flags, CSP, idle
sessions, the secret key file."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from tests.web.conftest import PASSWORD

from minihcvd.web.config import read_or_create_secret_key
from minihcvd.web.errors import DataDirError


def test_production_settings() -> None:
    """Never DEBUG; argon2 (the production settings' only hasher); 30-minute idle sessions."""
    import minihcvd.web.settings as production

    assert production.DEBUG is False and settings.DEBUG is False
    assert production.PASSWORD_HASHERS == ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    assert settings.SESSION_COOKIE_AGE == 30 * 60 and settings.SESSION_SAVE_EVERY_REQUEST
    assert settings.SESSION_COOKIE_HTTPONLY and settings.SESSION_COOKIE_SAMESITE == "Lax"


@pytest.mark.django_db
def test_every_page_has_a_content_security_policy(client: Any) -> None:
    """Scripts only from this origin, no framing."""
    policy = client.get("/accounts/login/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy


@pytest.mark.django_db
def test_a_form_without_its_csrf_token_is_refused(users: Any) -> None:
    """403 for a login posted without the CSRF token."""
    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/accounts/login/", {"username": "nurse-a", "password": PASSWORD})
    assert response.status_code == 403


@pytest.mark.django_db
def test_the_session_cookie_is_httponly_and_lax(client: Any, users: Any) -> None:
    """After a login the session cookie carries HttpOnly and SameSite=Lax, and its age is
    the idle limit."""
    client.post("/accounts/login/", {"username": "nurse-a", "password": PASSWORD})
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


@pytest.mark.django_db
def test_five_failed_logins_lock_the_api_and_the_page(client: Any, users: Any) -> None:
    """After five wrong passwords even the right one is refused: 429 in the API, the lock-out
    page on the site."""
    for _ in range(5):
        wrong = client.post(
            "/api/v1/token",
            {"username": "nurse-a", "password": "nope"},
            content_type="application/json",
        )
        assert wrong.status_code in (401, 429)
    right = client.post(
        "/api/v1/token",
        {"username": "nurse-a", "password": PASSWORD},
        content_type="application/json",
    )
    assert right.status_code == 429
    page = client.post("/accounts/login/", {"username": "nurse-a", "password": PASSWORD})
    assert page.status_code == 429 and b"Too many failed logins" in page.content


@pytest.mark.django_db
def test_a_wrong_password_is_a_401(client: Any, users: Any) -> None:
    """Bad credentials: 401 and no token."""
    response = client.post(
        "/api/v1/token",
        {"username": "nurse-a", "password": "nope"},
        content_type="application/json",
    )
    assert response.status_code == 401 and "token" not in response.json()


class TestSecretKey:
    def test_made_once_with_mode_0600(self, tmp_path: Path) -> None:
        """The first start makes the key readable by its owner only; later starts read it."""
        key = read_or_create_secret_key(tmp_path)
        mode = stat.S_IMODE((tmp_path / "secret_key").stat().st_mode)
        assert mode == 0o600 and len(key) >= 50
        assert read_or_create_secret_key(tmp_path) == key

    def test_a_key_others_can_read_is_refused(self, tmp_path: Path) -> None:
        """Mode 0644 is an error that says how to fix it."""
        read_or_create_secret_key(tmp_path)
        os.chmod(tmp_path / "secret_key", 0o644)
        with pytest.raises(DataDirError, match="chmod 600"):
            read_or_create_secret_key(tmp_path)


@pytest.mark.django_db
def test_every_page_and_api_answer_has_the_security_headers(client: Any) -> None:
    """No framing, no MIME sniffing, the referrer only to this origin; a CSP on the API too.
    Over plain HTTP (no MINIHCVD_HTTPS) there is no HSTS: a browser would pin a site that
    has no TLS."""
    for path in ("/accounts/login/", "/api/v1/openapi.json"):
        response = client.get(path)
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert "default-src 'self'" in response["Content-Security-Policy"]
        assert "Strict-Transport-Security" not in response


def _https_settings(tmp_path: Path) -> dict[str, Any]:
    """The production settings module as ``MINIHCVD_HTTPS=1`` makes it (a fresh interpreter:
    the settings read the environment once, at import)."""
    import json
    import subprocess
    import sys

    names = [
        "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS", "SECURE_PROXY_SSL_HEADER",
    ]
    code = (
        "import json, minihcvd.web.settings as s; "
        f"print(json.dumps({{n: getattr(s, n, None) for n in {names!r}}}))"
    )
    env = {**os.environ, "MINIHCVD_HTTPS": "1", "MINIHCVD_DATA_DIR": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    found: dict[str, Any] = json.loads(out.stdout)
    found["SECURE_PROXY_SSL_HEADER"] = tuple(found["SECURE_PROXY_SSL_HEADER"])
    return found


def test_https_mode_sets_secure_cookies_hsts_and_the_redirect(tmp_path: Path) -> None:
    https = _https_settings(tmp_path)
    assert https["SESSION_COOKIE_SECURE"] and https["CSRF_COOKIE_SECURE"]
    assert https["SECURE_SSL_REDIRECT"] and https["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert https["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    import minihcvd.web.settings as production  # this session: plain HTTP

    assert not getattr(production, "SECURE_SSL_REDIRECT", False)


@pytest.mark.django_db
def test_behind_https_hsts_is_sent_http_redirects_and_cookies_are_secure(
    client: Any, users: Any, tmp_path: Path
) -> None:
    """With the settings of HTTPS mode: a request the proxy marks as HTTPS gets HSTS, a plain
    one is redirected to https, and the session cookie after a login is Secure."""
    from django.test import override_settings

    with override_settings(**_https_settings(tmp_path)):
        assert client.get("/accounts/login/").status_code == 301
        proxied = {"HTTP_X_FORWARDED_PROTO": "https"}
        page = client.get("/accounts/login/", **proxied)
        assert page.status_code == 200
        assert page["Strict-Transport-Security"].startswith("max-age=31536000")
        client.post(
            "/accounts/login/", {"username": "nurse-a", "password": PASSWORD}, **proxied
        )
        assert client.cookies[settings.SESSION_COOKIE_NAME]["secure"]

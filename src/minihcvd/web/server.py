"""Serving the application with gunicorn (its documented custom-application API)."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication

__all__ = ["serve_forever"]


class _Application(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from minihcvd.web.wsgi import application

        return application


def serve_forever(*, host: str, port: int, workers: int) -> None:
    """Run gunicorn until SIGINT/SIGTERM (workers restart on failure; access log to stdout).

    The database connections this process opened (migrations, the demo) are closed first: a
    forked worker must not share its parent's connection (with two workers on one PostgreSQL
    socket the answers interleave; SQLite forbids carrying a connection across fork).
    """
    from django.db import connections

    connections.close_all()
    _Application(
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "accesslog": "-",
            "errorlog": "-",
            "timeout": 120,
            "graceful_timeout": 10,
            "forwarded_allow_ips": "127.0.0.1",
            "control_socket_disable": True,  # no shared socket in $HOME between servers
        }
    ).run()

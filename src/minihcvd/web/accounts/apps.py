from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Users, their role and their sites; API tokens."""

    name = "minihcvd.web.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from minihcvd.web.accounts import signals  # noqa: F401  (site changes are role changes)

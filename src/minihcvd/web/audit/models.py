"""The audit trail (21 CFR 11.10(e), ICH E6(R3)) and the base of every audited model.

:class:`AuditEntry` rows are append-only: the database refuses UPDATE and DELETE (triggers made
by this app's migration), each entry carries the SHA-256 of the one before it and of its own
content, and ``minihcvd audit verify`` recomputes the chain. :class:`AuditedModel` writes its
entry in the same transaction as the change; its querysets refuse the bulk paths that would
skip it. Clinical tables are guarded in the database as well (:mod:`.triggers`): a raw UPDATE,
INSERT or DELETE without its audit entry is refused.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar, Self

from django.db import models, transaction

from minihcvd.web.errors import AuditBypassError, ConcurrentChangeError, ReasonRequired

__all__ = ["AuditEntry", "AuditedModel", "AuditedQuerySet", "ClinicalRecord"]


class AuditAction(models.TextChoices):
    CREATE = "create"
    CHANGE = "change"
    DELETE = "delete"
    LOGIN = "login"
    FAILED_LOGIN = "failed login"
    ROLE_CHANGE = "role change"
    EXPORT = "export"
    SIGNATURE = "signature"


class AppendOnlyQuerySet(models.QuerySet["AuditEntry"]):
    """Audit entries are added one by one through the service, never changed or removed."""

    def update(self, **kwargs: Any) -> int:
        raise AuditBypassError("audit entries cannot be changed")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditBypassError("audit entries cannot be deleted")

    def bulk_create(self, *args: Any, **kwargs: Any) -> list[AuditEntry]:
        raise AuditBypassError("audit entries are appended one by one (the hash chain)")

    def bulk_update(self, *args: Any, **kwargs: Any) -> int:
        raise AuditBypassError("audit entries cannot be changed")


class AuditEntry(models.Model):
    """One recorded event: who, when, where, what changed (field by field) and why."""

    Action = AuditAction

    sequence = models.PositiveBigIntegerField(unique=True)
    timestamp = models.DateTimeField(help_text="UTC")
    user_id = models.BigIntegerField(null=True)
    username = models.CharField(max_length=150)
    site_code = models.CharField(max_length=16, blank=True)
    action = models.CharField(max_length=16, choices=AuditAction.choices)
    record_model = models.CharField(max_length=64, blank=True)
    record_id = models.CharField(max_length=64, blank=True)
    record_version = models.PositiveIntegerField(null=True)
    study_id = models.CharField(max_length=32, blank=True, db_index=True)
    changes = models.JSONField(default=dict, help_text="{field: [old, new]}")
    reason = models.TextField(blank=True)
    previous_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["sequence"]
        indexes = [models.Index(fields=["record_model", "record_id"])]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} {self.record_model} {self.record_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditBypassError("audit entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditBypassError("audit entries cannot be deleted")


class AuditedQuerySet(models.QuerySet[Any]):
    """Refuses the bulk ORM paths that write without an audit entry per record."""

    def _refuse(self, path: str) -> AuditBypassError:
        return AuditBypassError(
            f"{path} on {self.model._meta.label} would skip the audit trail; "
            "save or delete each record through its service"
        )

    def update(self, **kwargs: Any) -> int:
        raise self._refuse("QuerySet.update")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise self._refuse("QuerySet.delete")

    def bulk_create(self, *args: Any, **kwargs: Any) -> list[Any]:
        raise self._refuse("bulk_create")

    def bulk_update(self, *args: Any, **kwargs: Any) -> int:
        raise self._refuse("bulk_update")


class AuditedModel(models.Model):
    """A model whose every save and delete appends its audit entry in the same transaction.

    ``version`` is the optimistic-concurrency counter: a save of a copy read before someone
    else's change raises :class:`ConcurrentChangeError` instead of overwriting it.
    """

    version = models.PositiveIntegerField(default=0, editable=False)

    objects = AuditedQuerySet.as_manager()

    #: fields never copied into the trail (only "changed" is recorded)
    audit_redacted: ClassVar[tuple[str, ...]] = ()
    #: fields whose changes are not recorded (bookkeeping such as last_login)
    audit_ignored: ClassVar[tuple[str, ...]] = ()
    #: a change to an existing record needs a reason (clinical records)
    reason_required: ClassVar[bool] = False

    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db: str | None, field_names: Any, values: Any) -> Self:
        instance = super().from_db(db, field_names, values)
        instance._audit_loaded = instance.audit_values()
        return instance

    def audit_values(self) -> dict[str, Any]:
        """The recorded fields as JSON values (``version`` is the entry's own column)."""
        from minihcvd.web.audit.services import json_value

        return {
            field.attname: json_value(getattr(self, field.attname))
            for field in self._meta.concrete_fields
            if field.attname not in ("version", *self.audit_ignored)
        }

    def audit_site_code(self) -> str:
        """The site the record belongs to (blank for records of no site)."""
        return ""

    def audit_study_id(self) -> str:
        """The study id the record belongs to (blank when none)."""
        return ""

    def audit_action(self, changes: dict[str, list[Any]]) -> str:
        """The action an update records (models may name role changes)."""
        return AuditAction.CHANGE

    def save(self, *args: Any, reason: str = "", **kwargs: Any) -> None:
        from minihcvd.web.audit.services import append_entry

        with transaction.atomic():
            adding = self._state.adding
            new = self.audit_values()
            if adding:
                changes = {name: [None, value] for name, value in new.items()}
                action: str = AuditAction.CREATE
            else:
                old = getattr(self, "_audit_loaded", None)
                if old is None:
                    raise AuditBypassError(
                        f"{self._meta.label} {self.pk}: save a record read from the database"
                    )
                changes = {
                    name: [old.get(name), value]
                    for name, value in new.items()
                    if old.get(name) != value
                }
                if not changes:
                    return
                if self.reason_required and not reason.strip():
                    raise ReasonRequired(
                        f"a reason is required to change {self._meta.verbose_name} "
                        f"{self.audit_study_id() or self.pk}",
                        field="reason",
                    )
                self._check_version()
                action = self.audit_action(changes)
            self.version += 1
            try:
                if adding and self.pk is None:
                    super().save(*args, **kwargs)  # an auto key is known only after the insert
                    append_entry(action=action, record=self, changes=changes, reason=reason)
                else:
                    append_entry(action=action, record=self, changes=changes, reason=reason)
                    super().save(*args, **kwargs)
            except BaseException:
                self.version -= 1
                raise
        self._audit_loaded = self.audit_values()

    def delete(self, *args: Any, reason: str = "", **kwargs: Any) -> tuple[int, dict[str, int]]:
        from minihcvd.web.audit.services import append_entry

        with transaction.atomic():
            if self.reason_required and not reason.strip():
                raise ReasonRequired(
                    f"a reason is required to delete {self._meta.verbose_name} "
                    f"{self.audit_study_id() or self.pk}",
                    field="reason",
                )
            self._check_version()
            old = self.audit_values()
            self.version += 1
            append_entry(
                action=AuditAction.DELETE,
                record=self,
                changes={name: [value, None] for name, value in old.items()},
                reason=reason,
            )
            return super().delete(*args, **kwargs)

    def _check_version(self) -> None:
        stored = (
            type(self)._base_manager.select_for_update()
            .filter(pk=self.pk)
            .values_list("version", flat=True)
            .first()
        )
        if stored != self.version:
            raise ConcurrentChangeError(
                f"{self._meta.verbose_name} {self.audit_study_id() or self.pk} was changed by "
                f"someone else (version {stored}, yours {self.version}); reload and try again",
                field="version",
            )


class ClinicalRecord(AuditedModel):
    """Trial data: a random key known before the insert, so the database can require the audit
    entry of every INSERT, UPDATE and DELETE (:mod:`minihcvd.web.audit.triggers`)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)

    reason_required: ClassVar[bool] = True

    class Meta:
        abstract = True

"""The trial's monitoring design (versioned: each change is a new row) and the decisions an
admin records when the stopping rule says stop."""

from __future__ import annotations

from django.db import models

from minihcvd.web.audit.models import AuditedModel

__all__ = ["RuleNotice", "StopDecision", "TrialDesign"]


class TrialDesign(AuditedModel):
    """A ``minihcvd monitor`` design file as set by an admin; the latest is in force."""

    toml = models.TextField(help_text="the design file's text (minihcvd monitor design)")
    set_at = models.DateTimeField(auto_now_add=True)
    set_by = models.CharField(max_length=150)
    reason = models.CharField(max_length=300)

    class Meta:
        ordering = ["-set_at", "-id"]


class StopDecision(AuditedModel):
    """An admin's decision after the rule said stop. "continue" answers the stop: registrations
    resume, and the rule raises it again only after a further death."""

    decided_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.CharField(max_length=150)
    look_as_of = models.DateField(help_text="the evaluation the decision answers")
    deaths = models.PositiveIntegerField(help_text="deaths in that evaluation")
    decision = models.CharField(
        max_length=32,
        choices=[("continue", "continue the trial"), ("stop", "stop the trial")],
    )
    reason = models.TextField()

    class Meta:
        ordering = ["-decided_at", "-id"]


class RuleNotice(AuditedModel):
    """That the investigators and statisticians were told the rule says stop (sent once per
    stop, until a decision answers it)."""

    sent_at = models.DateTimeField(auto_now_add=True)
    look_as_of = models.DateField()
    recipients = models.JSONField(default=list)

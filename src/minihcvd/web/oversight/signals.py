"""The rule is evaluated after every death, follow-up or new patient, once the write commits."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from minihcvd.web.casebook.models import Death, FollowUp
from minihcvd.web.patients.models import Patient


@receiver(post_save, sender=Death)
@receiver(post_save, sender=FollowUp)
@receiver(post_save, sender=Patient)
def _trial_event(sender: Any, **kwargs: Any) -> None:
    from minihcvd.web.audit.context import current_actor
    from minihcvd.web.oversight.services import after_trial_event

    actor = current_actor()

    def evaluate() -> None:
        from minihcvd.web.audit.context import acting_as

        with acting_as(actor):  # the notice is written as the one whose write triggered it
            after_trial_event()

    transaction.on_commit(evaluate)

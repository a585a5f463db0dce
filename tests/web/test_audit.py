"""The audit trail: an entry for every write path in the same transaction, the hash chain,
append-only in the database, raw and bulk paths refused (SQLite and PostgreSQL alike)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from tests.web.conftest import PASSWORD

from minihcvd.web.audit.context import Actor, acting_as
from minihcvd.web.audit.models import AuditEntry
from minihcvd.web.audit.services import entry_content_hash, verify_chain
from minihcvd.web.errors import (
    AuditBypassError,
    AuditContextMissing,
    ConcurrentChangeError,
    ReasonRequired,
)

pytestmark = pytest.mark.django_db

EDITOR = Actor(user_id=None, username="test-editor")


def _entries(**filters: Any) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(**filters).order_by("sequence"))


class TestEntries:
    def test_registration_writes_one_create_entry_with_every_field(self, patient_a: Any) -> None:
        """The patient's creation is recorded with each field's new value and the nurse."""
        (entry,) = _entries(record_model="patients.patient", record_id=str(patient_a.pk))
        assert (entry.action, entry.username, entry.site_code, entry.study_id) == (
            "create",
            "nurse-a",
            "A",
            "A-0001",
        )
        assert entry.record_version == 1
        assert entry.changes["height_cm"] == [None, 175.0]
        assert entry.changes["start_date"] == [None, "2025-01-06"]

    def test_a_change_records_old_and_new_values_and_the_reason(self, patient_a: Any) -> None:
        """A change of weight names the field, the old and the new value, and why."""
        with acting_as(EDITOR):
            patient_a.weight_kg = 74.5
            patient_a.save(reason="re-weighed before course 1")
        entry = _entries(record_id=str(patient_a.pk))[-1]
        assert entry.action == "change"
        assert entry.changes == {"weight_kg": [76.0, 74.5]}
        assert entry.reason == "re-weighed before course 1"
        assert entry.record_version == 2

    def test_a_clinical_change_without_a_reason_is_refused(self, patient_a: Any) -> None:
        """Nothing about an existing clinical record changes without a reason."""
        with acting_as(EDITOR), pytest.raises(ReasonRequired):
            patient_a.weight_kg = 70.0
            patient_a.save()
        patient_a.refresh_from_db()
        assert patient_a.weight_kg == 76.0

    def test_a_stale_copy_cannot_overwrite_a_newer_change(self, patient_a: Any) -> None:
        """Optimistic concurrency: the second of two edits of one version is refused."""
        from minihcvd.web.patients.models import Patient

        first = Patient.objects.get(pk=patient_a.pk)
        second = Patient.objects.get(pk=patient_a.pk)
        with acting_as(EDITOR):
            first.weight_kg = 75.0
            first.save(reason="first edit")
            second.weight_kg = 77.0
            with pytest.raises(ConcurrentChangeError):
                second.save(reason="second edit")
        assert Patient.objects.get(pk=patient_a.pk).weight_kg == 75.0

    def test_a_write_without_an_actor_is_refused(self, sites: Any) -> None:
        """No path writes trial data anonymously."""
        from minihcvd.web.sites.models import Site

        with pytest.raises(AuditContextMissing):
            Site(code="Z", name="Nowhere").save()
        assert not Site.objects.filter(code="Z").exists()

    def test_login_and_failed_login_are_recorded(self, client: Any, users: Any) -> None:
        """Both the page login and a wrong password leave an entry."""
        client.post("/accounts/login/", {"username": "nurse-a", "password": "wrong"})
        client.post("/accounts/login/", {"username": "nurse-a", "password": PASSWORD})
        actions = [(e.action, e.username) for e in _entries(action__in=["login", "failed login"])]
        assert actions == [("failed login", "nurse-a"), ("login", "nurse-a")]

    def test_password_values_never_reach_the_trail(self, users: Any) -> None:
        """A password change is recorded as changed, never with its hash."""
        entries = _entries(record_model="accounts.user")
        assert entries and all("argon2" not in str(e.changes.get("password", "")) for e in entries)

    def test_a_role_or_site_change_is_a_role_change(self, users: Any, sites: Any) -> None:
        """Changing a user's role or sites is recorded as a role change."""
        nurse = users["nurse", "A"]
        with acting_as(EDITOR):
            nurse.role = "investigator"
            nurse.save()
            nurse.sites.add(sites["B"])
        last_two = _entries(action="role change")[-2:]
        assert last_two[0].changes["role"] == ["nurse", "investigator"]
        assert last_two[1].changes["sites now"] == [None, ["A", "B"]]

    def test_a_failed_write_leaves_no_entry(self, patient_a: Any, sites: Any) -> None:
        """The entry and the change commit together or not at all."""
        from minihcvd.web.patients.models import Patient

        before = AuditEntry.objects.count()
        copy = Patient.objects.get(pk=patient_a.pk)
        copy.pk = None
        with acting_as(EDITOR), pytest.raises(DatabaseError), transaction.atomic():
            clone = Patient(
                **{
                    f.attname: getattr(copy, f.attname)
                    for f in Patient._meta.concrete_fields
                    if f.attname != "id"
                }
            )
            clone.version = 0
            clone.save()  # the same study id: the unique constraint fails
        assert AuditEntry.objects.count() == before


class TestChain:
    def test_the_chain_of_a_fresh_trial_is_intact(self, patient_a: Any) -> None:
        """Every entry links to the one before and matches its own hash."""
        checked, problem = verify_chain()
        assert problem is None
        assert checked == AuditEntry.objects.count() > 5

    def test_an_altered_entry_is_named(self, patient_a: Any) -> None:
        """Changing one entry's content breaks the chain at that entry."""
        entries = _entries()
        entries[3].changes = {"weight_kg": [1, 2]}
        checked, problem = verify_chain(entries)
        assert problem is not None and problem.sequence == entries[3].sequence
        assert checked == 3

    def test_a_removed_entry_is_named(self, patient_a: Any) -> None:
        """A gap in the sequence is found."""
        entries = _entries()
        del entries[2]
        _, problem = verify_chain(entries)
        assert problem is not None and problem.sequence == entries[2].sequence

    def test_a_rehashed_entry_breaks_the_next_link(self, patient_a: Any) -> None:
        """Recomputing an altered entry's own hash does not help: the next entry's link fails."""
        from minihcvd.web.audit.services import _content

        entries = _entries()
        entries[1].reason = "forged"
        entries[1].entry_hash = entry_content_hash(_content(entries[1]))
        _, problem = verify_chain(entries)
        assert problem is not None and problem.sequence == entries[2].sequence


def _raw(sql: str, params: list[Any] | None = None) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


class TestDatabaseRefuses:
    def test_update_of_an_audit_entry(self, patient_a: Any) -> None:
        """The database refuses UPDATE of audit rows (trigger)."""
        with pytest.raises(DatabaseError, match="append-only"):
            _raw("UPDATE audit_auditentry SET reason = 'x'")

    def test_delete_of_an_audit_entry(self, patient_a: Any) -> None:
        """The database refuses DELETE of audit rows (trigger)."""
        with pytest.raises(DatabaseError, match="append-only"):
            _raw("DELETE FROM audit_auditentry")

    def test_raw_update_of_a_patient(self, patient_a: Any) -> None:
        """A raw UPDATE of a clinical row without its audit entry is refused."""
        with pytest.raises(DatabaseError, match=r"audit entry|version"):
            _raw("UPDATE patients_patient SET weight_kg = 10, version = version + 1")
        patient_a.refresh_from_db()
        assert patient_a.weight_kg == 76.0

    def test_raw_update_that_keeps_the_version(self, patient_a: Any) -> None:
        """An UPDATE that does not raise the version is refused too."""
        with pytest.raises(DatabaseError):
            _raw("UPDATE patients_patient SET weight_kg = 10")

    def test_raw_delete_of_a_patient(self, patient_a: Any) -> None:
        """A raw DELETE of a clinical row is refused."""
        with pytest.raises(DatabaseError, match="audit entry"):
            _raw("DELETE FROM patients_patient")

    def test_raw_insert_of_a_screening_entry(self, sites: Any) -> None:
        """A raw INSERT of a clinical row is refused."""
        import uuid

        key = uuid.uuid4().hex if connection.vendor == "sqlite" else str(uuid.uuid4())
        with pytest.raises(DatabaseError, match="audit entry"):
            _raw(
                "INSERT INTO patients_screeningentry (id, version, site_id, screened_at, "
                "screened_by, protocol, outcome, reasons) VALUES (%s, 1, %s, %s, 'x', "
                "'amended', 'ineligible', '[]')",
                [key, sites["A"].pk, "2025-01-01T00:00:00+00:00"],
            )


class TestBulkPathsRefused:
    @pytest.mark.parametrize("path", ["update", "delete", "bulk_create", "bulk_update"])
    def test_on_patients(self, patient_a: Any, path: str) -> None:
        """QuerySet.update/delete, bulk_create and bulk_update of patients are refused."""
        from minihcvd.web.patients.models import Patient

        queryset = Patient.objects.all()
        calls = {
            "update": lambda: queryset.update(weight_kg=1),
            "delete": lambda: queryset.delete(),
            "bulk_create": lambda: Patient.objects.bulk_create([]),
            "bulk_update": lambda: Patient.objects.bulk_update([patient_a], ["weight_kg"]),
        }
        with pytest.raises(AuditBypassError, match="audit"):
            calls[path]()

    @pytest.mark.parametrize("model", ["sites", "users", "entries"])
    def test_on_sites_users_and_the_trail(self, users: Any, model: str) -> None:
        """The same holds for sites, users and the audit entries themselves."""
        from minihcvd.web.accounts.models import User
        from minihcvd.web.sites.models import Site

        queryset = {"sites": Site.objects, "users": User.objects, "entries": AuditEntry.objects}[
            model
        ]
        with pytest.raises(AuditBypassError):
            queryset.all().update(pk=0)
        with pytest.raises(AuditBypassError):
            queryset.all().delete()

    def test_an_audit_entry_cannot_be_saved_again(self, patient_a: Any) -> None:
        """An existing entry's save and delete are refused by the model too."""
        entry = _entries()[0]
        with pytest.raises(AuditBypassError):
            entry.save()
        with pytest.raises(AuditBypassError):
            entry.delete()


class TestAdminPath:
    def test_a_site_created_in_the_admin_is_audited(self, client: Any, users: Any) -> None:
        """The Django admin writes through the same audited save, as the admin user."""
        client.force_login(users["admin", None])
        response = client.post(
            "/admin/trialsites/site/add/",
            {"code": "C", "name": "Hospital C", "active_protocol": "amended"},
        )
        assert response.status_code == 302, response.content[:2000]
        (entry,) = _entries(record_model="trialsites.site", site_code="C")
        assert (entry.action, entry.username) == ("create", "admin")


def test_entry_fields_are_hashed_in_a_canonical_order() -> None:
    """The content hash does not depend on the order of keys."""
    assert entry_content_hash({"a": 1, "b": [1, 2]}) == entry_content_hash({"b": [1, 2], "a": 1})
    assert dataclasses.is_dataclass(EDITOR)


def test_every_clinical_table_has_its_audit_triggers(db: None) -> None:
    """After all migrations (SQLite drops a table's triggers when a migration alters it)."""
    from django.apps import apps

    from minihcvd.web.audit.models import ClinicalRecord

    tables = [
        m._meta.db_table
        for m in apps.get_models()
        if issubclass(m, ClinicalRecord) and not m._meta.abstract
    ]
    assert "patients_patient" in tables and "casebook_marrowassessment" in tables
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute(
                "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
                " WHERE NOT t.tgisinternal"
            )
        triggers = {(table, name) for table, name in cursor.fetchall()}
    expected = ("_audited_insert", "_audited_update", "_audited_delete")
    for table in tables:
        names = {name for t, name in triggers if t == table}
        if connection.vendor == "sqlite":
            assert names >= {table + suffix for suffix in expected}, table
        else:
            assert table + "_audited" in names, table

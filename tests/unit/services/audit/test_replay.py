"""`audit verify` replays the trail and compares it with the tables: data edited behind
ExoDesk's back (stock, lots, treatments, movements, roles, passwords) is named, and so are
records the trail never mentions, and a trail whose newest (or every) events were deleted."""

from __future__ import annotations

import hashlib

import pytest
from audit_clinic import RENAMED, Tamper, check, serious
from sample_files import LOT, PRODUCT, TODAY

from exodesk.db import Database
from exodesk.services.accounts import users
from exodesk.services.audit.replay import password_fingerprint
from exodesk.services.audit.trail import AUDIT_TABLE, event_hash
from exodesk.services.stock.lots import record_waste

PL001 = f"{RENAMED} / {LOT}"
PL002 = f"{RENAMED} / PL002"


def test_every_writer_replays_to_what_the_tables_hold(clinic: Database) -> None:
    result = check(clinic)
    assert result.breaks == ()
    assert serious(result) == []
    assert result.intact


def test_stock_on_hand_edited_is_named_with_both_numbers(clinic: Database, tamper: Tamper) -> None:
    tamper("UPDATE movement SET quantity = quantity - 3 WHERE lot_id = 2 AND kind = 'transfer'")
    assert f"lot {PL002}: on hand 5 in the tables, 8 by the audit trail" in serious(check(clinic))


def test_a_receipt_inflated_is_named(clinic: Database, tamper: Tamper) -> None:
    tamper("UPDATE movement SET quantity = 50 WHERE lot_id = 2 AND quantity = 5")
    found = serious(check(clinic))
    assert f"lot {PL002}: received 53 in the tables, 8 by the audit trail" in found
    assert f"lot {PL002}: on hand 53 in the tables, 8 by the audit trail" in found


def test_expiry_and_status_edited_are_named(clinic: Database, tamper: Tamper) -> None:
    tamper(
        "UPDATE lot SET expiry = '2030-01-01' WHERE code = 'PL002'",
        "UPDATE movement SET status = 'released' WHERE lot_id = 2 AND kind = 'status_change'",
    )
    found = serious(check(clinic))
    assert f"lot {PL002}: expiry 2030-01-01 in the tables, 2027-06-01 by the audit trail" in found
    assert f"lot {PL002}: status released in the tables, on_hold by the audit trail" in found


def test_a_treatment_edited_or_deleted_is_named(clinic: Database, tamper: Tamper) -> None:
    tamper("UPDATE treatment SET vials = 1")
    found = serious(check(clinic))
    assert any(
        "treatment T-" in f and "1 vial(s) in the tables, 2 by the audit trail" in f for f in found
    )
    # the treatment is its own use of the lot: the lot's stock on hand moved with it
    assert any(f"lot {PL001}: on hand" in f for f in found)
    tamper("DELETE FROM treatment")
    found = serious(check(clinic))
    assert any(
        "in the audit trail, but missing from the tables" in f and "treatment" in f for f in found
    )
    assert f"lot {PL001}: on hand 0 in the tables, -2 by the audit trail" not in found


def test_a_movement_slipped_in_or_removed_is_named(clinic: Database, tamper: Tamper) -> None:
    tamper(
        "INSERT INTO movement (ref, lot_id, date, kind, quantity, reason, recorded_at) "
        "VALUES ('M-999', 2, '2026-06-01', 'adjustment', 4, 'found', '2026-06-01 10:00:00')"
    )
    found = serious(check(clinic))
    assert any(f.startswith("movement M-999 (adjustment of 4, lot") for f in found)
    assert f"lot {PL002}: on hand 12 in the tables, 8 by the audit trail" in found
    tamper("DELETE FROM movement WHERE ref = 'M-999'", "DELETE FROM movement WHERE kind = 'waste'")
    found = serious(check(clinic))
    assert sum("in the audit trail, but missing from the tables" in f for f in found) == 2


def test_a_lot_added_or_removed_is_named(clinic: Database, tamper: Tamper) -> None:
    tamper(
        "INSERT INTO lot (product_id, code, expiry, received, initial_status) "
        "VALUES (1, 'GHOST', '2027-01-01', '2026-06-01', 'released')"
    )
    assert (
        f"lot {RENAMED} / GHOST: in the tables, but the audit trail never recorded it being "
        "received or imported"
    ) in serious(check(clinic))


def test_role_active_flag_and_password_hash_edited_are_named(
    clinic: Database, tamper: Tamper
) -> None:
    tamper(
        "UPDATE user_account SET role = 'admin' WHERE name = 'Sam'",
        "UPDATE user_account SET active = 1 WHERE name = 'Dr B'",
        "UPDATE user_account SET password_hash = 'mallory' WHERE name = 'Admin'",
    )
    found = serious(check(clinic))
    assert "user Sam: role admin in the tables, stock_manager by the audit trail" in found
    assert "user Dr B: active in the tables, deactivated by the audit trail" in found
    assert any(f.startswith("user Admin: the stored password is not the one") for f in found)


def test_the_fingerprint_is_the_accounts_formula(clinic: Database) -> None:
    stored = "$argon2id$v=19$m=1024,t=1,p=1$abc$def"
    assert password_fingerprint(stored) == hashlib.sha256(stored.encode()).hexdigest()[:16]
    if hasattr(users, "password_fingerprint"):
        assert users.password_fingerprint(stored).removeprefix("fp:") == password_fingerprint(
            stored
        )


def test_a_trail_without_fingerprints_is_a_note_not_a_break(
    clinic: Database, tamper: Tamper
) -> None:
    with clinic.write() as s:
        users.create_user(s, "Old", "auditor", "correct horse", by="Admin")
    # An older ExoDesk wrote no fingerprint: rebuild the chain as such a trail would be.
    rows = _rows(clinic)
    for row in rows:
        if row["record"] == "user" and row["record_key"] == "Old":
            row["new"] = '{"name": "Old", "role": "auditor"}'
    _rewrite(tamper, rows)
    result = check(clinic)
    assert result.intact, serious(result)
    assert any(
        f.text.startswith("user Old: the audit trail holds no fingerprint") and not f.serious
        for f in result.findings
    )


def test_newest_events_deleted_are_caught_by_the_replay(clinic: Database, tamper: Tamper) -> None:
    with clinic.write() as s:
        record_waste(s, RENAMED, "PL002", 2, reason="leak", on=TODAY, user="Admin")
    last = _rows(clinic)[-1]["id"]
    tamper(f"DELETE FROM audit_event WHERE id >= {last - 1}")
    result = check(clinic)
    assert result.breaks == ()  # the chain that is left is sound …
    assert f"lot {PL002}: on hand 6 in the tables, 8 by the audit trail" in serious(result)


def test_every_event_deleted_is_caught(clinic: Database, tamper: Tamper) -> None:
    tamper("DELETE FROM audit_event")
    result = check(clinic)
    assert result.checked == 0 and not result.intact
    found = serious(result)
    assert any("never recorded it being received or imported" in f for f in found)
    assert any("user Admin: the account is in the tables" in f for f in found)


def test_a_forged_event_with_the_chain_recomputed_disagrees_with_the_tables(
    clinic: Database, tamper: Tamper
) -> None:
    rows = _rows(clinic)
    for row in rows:
        if row["record"] == "lot" and row["action"] == "create" and "PL002" in row["record_key"]:
            row["new"] = row["new"].replace('"quantity": 5', '"quantity": 50')
    _rewrite(tamper, rows)
    result = check(clinic)
    assert result.breaks == ()
    assert f"lot {PL002}: on hand 8 in the tables, 53 by the audit trail" in serious(result)


def test_a_rename_of_the_product_keeps_the_lots_matched(clinic: Database) -> None:
    with clinic.write() as s:
        record_waste(s, RENAMED, "PL002", 1, reason="leak", on=TODAY, user="Admin")
    assert check(clinic).intact
    assert PRODUCT != RENAMED


def test_verify_reads_each_table_a_batch_at_a_time(
    clinic: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from exodesk.services.audit import replay, trail

    real_events = trail._events
    monkeypatch.setattr("exodesk.services.audit.verify._events", lambda s: real_events(s, batch=3))
    real_batched = replay._batched
    monkeypatch.setattr(
        replay, "_batched", lambda s, q, k, batch=2: real_batched(s, q, k, batch=batch)
    )
    assert check(clinic).intact


def _rows(db: Database) -> list[dict[str, object]]:
    with db.read() as s:
        return [
            dict(r) for r in s.execute(AUDIT_TABLE.select().order_by(AUDIT_TABLE.c.id)).mappings()
        ]


def _rewrite(tamper: Tamper, rows: list[dict[str, object]]) -> None:
    """Recompute the whole chain with the published hash function, as an attacker can."""
    previous = "0" * 64
    statements = ["DELETE FROM audit_event"]
    for row in rows:
        previous = event_hash(previous, row)
        values = [
            row[c]
            for c in (
                "id",
                "at",
                "user",
                "action",
                "record",
                "record_key",
                "field",
                "old",
                "new",
                "reason",
            )
        ]
        shown = ", ".join(
            "NULL" if v is None else "'" + str(v).replace("'", "''") + "'" for v in values
        )
        statements.append(
            "INSERT INTO audit_event (id, at, user, action, record, record_key, field, old, "
            f"new, reason, hash) VALUES ({shown}, '{previous}')"
        )
    tamper(*statements)

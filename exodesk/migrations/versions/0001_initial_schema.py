"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22 03:43:24.824274
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("user", sa.String(length=200), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("record", sa.String(length=32), nullable=False),
        sa.Column("record_key", sa.String(length=300), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=True),
        sa.Column("old", sa.Text(), nullable=True),
        sa.Column("new", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_record_key"), ["record_key"], unique=False)

    op.create_table(
        "clinic",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("market", sa.String(length=8), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clinic")),
    )
    op.create_table(
        "location",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_location")),
        sa.UniqueConstraint("name", name=op.f("uq_location_name")),
    )
    op.create_table(
        "product",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("manufacturer", sa.String(length=200), nullable=True),
        sa.Column("country", sa.String(length=8), nullable=True),
        sa.Column("gtin", sa.String(length=14), nullable=True),
        sa.Column("source_type", sa.String(length=32), nullable=False),
        sa.Column("form", sa.String(length=32), nullable=False),
        sa.Column("regulatory_class", sa.String(length=32), nullable=False),
        sa.Column("intended_routes", sa.Text(), nullable=False),
        sa.Column("periorbital_approved", sa.Boolean(), nullable=False),
        sa.Column("markets", sa.Text(), nullable=False),
        sa.Column("composition_documented", sa.Boolean(), nullable=False),
        sa.Column("reconstitution_hours", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product")),
        sa.UniqueConstraint("gtin", name=op.f("uq_product_gtin")),
        sa.UniqueConstraint("name", name=op.f("uq_product_name")),
    )
    op.create_table(
        "user_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_account")),
        sa.UniqueConstraint("name", name=op.f("uq_user_account_name")),
    )
    op.create_table(
        "lot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=100), nullable=False),
        sa.Column("expiry", sa.Date(), nullable=False),
        sa.Column("received", sa.Date(), nullable=True),
        sa.Column("initial_status", sa.String(length=32), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["location_id"], ["location.id"], name=op.f("fk_lot_location_id_location")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["product.id"], name=op.f("fk_lot_product_id_product")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lot")),
        sa.UniqueConstraint("product_id", "code", name=op.f("uq_lot_product_id_code")),
    )
    with op.batch_alter_table("lot", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lot_expiry"), ["expiry"], unique=False)

    op.create_table(
        "document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("number", sa.String(length=200), nullable=False),
        sa.Column("issuer", sa.String(length=200), nullable=True),
        sa.Column("issued", sa.Date(), nullable=True),
        sa.Column("expires", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("stored_file", sa.Text(), nullable=True),
        sa.Column("lot_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["lot_id"], ["lot.id"], name=op.f("fk_document_lot_id_lot")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document")),
        sa.UniqueConstraint("kind", "number", name=op.f("uq_document_kind_number")),
    )
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_document_lot_id"), ["lot_id"], unique=False)

    op.create_table(
        "treatment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=100), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("patient", sa.String(length=100), nullable=False),
        sa.Column("practitioner", sa.String(length=200), nullable=False),
        sa.Column("route", sa.String(length=32), nullable=False),
        sa.Column("zone", sa.String(length=32), nullable=True),
        sa.Column("vials", sa.Integer(), nullable=False),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["lot_id"], ["lot.id"], name=op.f("fk_treatment_lot_id_lot")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_treatment")),
        sa.UniqueConstraint("ref", name=op.f("uq_treatment_ref")),
    )
    with op.batch_alter_table("treatment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_treatment_lot_id"), ["lot_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_treatment_patient"), ["patient"], unique=False)

    op.create_table(
        "document_product",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["document.id"],
            name=op.f("fk_document_product_document_id_document"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["product.id"],
            name=op.f("fk_document_product_product_id_product"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("document_id", "product_id", name=op.f("pk_document_product")),
    )
    op.create_table(
        "movement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=100), nullable=True),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=True),
        sa.Column("location_id", sa.Integer(), nullable=True),
        sa.Column("treatment_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["location_id"], ["location.id"], name=op.f("fk_movement_location_id_location")
        ),
        sa.ForeignKeyConstraint(["lot_id"], ["lot.id"], name=op.f("fk_movement_lot_id_lot")),
        sa.ForeignKeyConstraint(
            ["treatment_id"],
            ["treatment.id"],
            name=op.f("fk_movement_treatment_id_treatment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_movement")),
        sa.UniqueConstraint("ref", name=op.f("uq_movement_ref")),
        sa.UniqueConstraint("treatment_id", name=op.f("uq_movement_treatment_id")),
    )
    with op.batch_alter_table("movement", schema=None) as batch_op:
        batch_op.create_index("ix_movement_lot_id_date", ["lot_id", "date"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("movement", schema=None) as batch_op:
        batch_op.drop_index("ix_movement_lot_id_date")

    op.drop_table("movement")
    op.drop_table("document_product")
    with op.batch_alter_table("treatment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_treatment_patient"))
        batch_op.drop_index(batch_op.f("ix_treatment_lot_id"))

    op.drop_table("treatment")
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_lot_id"))

    op.drop_table("document")
    with op.batch_alter_table("lot", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lot_expiry"))

    op.drop_table("lot")
    op.drop_table("user_account")
    op.drop_table("product")
    op.drop_table("location")
    op.drop_table("clinic")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_record_key"))
        batch_op.drop_index(batch_op.f("ix_audit_event_at"))

    op.drop_table("audit_event")

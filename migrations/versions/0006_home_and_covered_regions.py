"""Where applicants live and which regions they cover are two questions.

An application had one region (or "elsewhere" with a free text); it now has a home country
(``country``, or "elsewhere" with its name in ``country_other``) and one or more covered
regions (``application_regions``). Existing rows move without loss: a region becomes the
one covered region and its country the home country; "elsewhere" becomes the home country
"elsewhere", its text the country's name, and no covered region. Calls lose the region
"elsewhere", their North Caucasus regions get the country "russia", and each region gets
its group (south_caucasus, north_caucasus, neighbouring) where it is known; the standing
call (local-experts) gains Stavropol krai, Krasnodar krai and the Black Sea coast of Russia.

The old columns are dropped with plain ALTER TABLE (batch mode, never recreating the
table): on SQLite a recreated ``applications`` would be dropped with foreign keys on, and
that DROP deletes every document, language and rating row through ON DELETE CASCADE.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 05:30:00.000000

"""

import json

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# The groups of the default call's regions (a copy: a migration never imports app code).
GROUPS = {
    "georgia": "south_caucasus",
    "abkhazia": "south_caucasus",
    "tskhinvali": "south_caucasus",
    "armenia": "south_caucasus",
    "azerbaijan": "south_caucasus",
    "nakhchivan": "south_caucasus",
    "karabakh": "south_caucasus",
    "dagestan": "north_caucasus",
    "chechnya": "north_caucasus",
    "ingushetia": "north_caucasus",
    "north_ossetia": "north_caucasus",
    "kabardino_balkaria": "north_caucasus",
    "karachay_cherkessia": "north_caucasus",
    "adygea": "north_caucasus",
    "stavropol": "neighbouring",
    "krasnodar": "neighbouring",
    "black_sea_coast": "neighbouring",
}
# The North Caucasus was written as a country of its own; people living there live in Russia.
COUNTRY_RENAMES = {"north_caucasus": "russia"}
# The regions issue 13 adds to the standing call (slug local-experts), unless it has them.
DEFAULT_CALL_SLUG = "local-experts"
NEIGHBOURING = [
    {
        "key": "stavropol",
        "country": "russia",
        "group": "neighbouring",
        "label": {"de": "Region Stawropol", "en": "Stavropol krai", "ru": "Ставропольский край"},
    },
    {
        "key": "krasnodar",
        "country": "russia",
        "group": "neighbouring",
        "label": {"de": "Region Krasnodar", "en": "Krasnodar krai", "ru": "Краснодарский край"},
    },
    {
        "key": "black_sea_coast",
        "country": "russia",
        "group": "neighbouring",
        "label": {
            "de": "Schwarzmeerküste Russlands",
            "en": "Black Sea coast of Russia",
            "ru": "Черноморское побережье России",
        },
    },
]
ELSEWHERE_LABEL = {
    "de": "Anderswo / Diaspora",
    "en": "Elsewhere / diaspora",
    "ru": "Другое место / диаспора",
}


def _load(value):
    return json.loads(value) if isinstance(value, str) else value


def _save_regions(connection, call_id, regions):
    # Bound as JSON: PostgreSQL refuses a plain string for a json column.
    statement = sa.text("UPDATE calls SET regions = :regions WHERE id = :id").bindparams(
        sa.bindparam("regions", type_=sa.JSON)
    )
    connection.execute(statement, {"regions": regions, "id": call_id})


def _new_call_regions(regions):
    """Return the call's regions without "elsewhere", with countries renamed and groups."""
    result = []
    for region in regions:
        if region["key"] == "elsewhere":
            continue
        region = dict(region)
        country = region.get("country") or region["key"]
        region["country"] = COUNTRY_RENAMES.get(country, country)
        group = GROUPS.get(region["key"])
        if group and "group" not in region:
            region["group"] = group
        result.append(region)
    return result


def upgrade():
    op.create_table(
        "application_regions",
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("region", sa.String(length=60), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_application_regions_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("application_id", "region", name=op.f("pk_application_regions")),
    )
    op.create_index(
        "ix_application_regions_region", "application_regions", ["region", "application_id"]
    )
    with op.batch_alter_table("applications", recreate="never") as batch_op:
        batch_op.add_column(sa.Column("country_other", sa.String(length=200), nullable=True))

    connection = op.get_bind()
    calls = connection.execute(sa.text("SELECT id, slug, regions FROM calls")).all()
    for call_id, slug, regions in calls:
        regions = _new_call_regions(_load(regions))
        keys = {region["key"] for region in regions}
        if slug == DEFAULT_CALL_SLUG:
            regions += [region for region in NEIGHBOURING if region["key"] not in keys]
        _save_regions(connection, call_id, regions)
    rows = connection.execute(
        sa.text("SELECT id, country, region, region_other FROM applications")
    ).all()
    for application_id, country, region, region_other in rows:
        if region == "elsewhere":
            country = "elsewhere"
        else:
            connection.execute(
                sa.text(
                    "INSERT INTO application_regions (application_id, region, position) VALUES (:id, :region, 0)"
                ),
                {"id": application_id, "region": region},
            )
            country = COUNTRY_RENAMES.get(country, country)
        # The free text only ever said where an "elsewhere" applicant lives; kept whole.
        connection.execute(
            sa.text(
                "UPDATE applications SET country = :country, country_other = :other WHERE id = :id"
            ),
            {"country": country, "other": region_other, "id": application_id},
        )

    op.drop_index("ix_applications_region_status_created", table_name="applications")
    op.drop_index(op.f("ix_applications_region"), table_name="applications")
    with op.batch_alter_table("applications", recreate="never") as batch_op:
        batch_op.drop_column("region_other")
        batch_op.drop_column("region")


def downgrade():
    with op.batch_alter_table("applications", recreate="never") as batch_op:
        # SQLite adds a NOT NULL column only with a default; every row gets its value below.
        batch_op.add_column(
            sa.Column("region", sa.String(length=60), nullable=False, server_default="elsewhere")
        )
        batch_op.add_column(sa.Column("region_other", sa.String(length=200), nullable=True))
    connection = op.get_bind()
    # The first covered region is the one region of old; without one, "elsewhere".
    connection.execute(
        sa.text(
            "UPDATE applications SET region_other = country_other, region = COALESCE("
            "(SELECT region FROM application_regions WHERE application_id = applications.id "
            "ORDER BY position LIMIT 1), 'elsewhere')"
        )
    )
    calls = connection.execute(sa.text("SELECT id, regions FROM calls")).all()
    for call_id, regions in calls:
        regions = _load(regions)
        if not any(region["key"] == "elsewhere" for region in regions):
            regions.append({"key": "elsewhere", "country": "elsewhere", "label": ELSEWHERE_LABEL})
        _save_regions(connection, call_id, regions)
    op.create_index(op.f("ix_applications_region"), "applications", ["region"])
    op.create_index(
        "ix_applications_region_status_created", "applications", ["region", "status", "created_at"]
    )
    with op.batch_alter_table("applications", recreate="never") as batch_op:
        batch_op.drop_column("country_other")
    op.drop_index("ix_application_regions_region", table_name="application_regions")
    op.drop_table("application_regions")

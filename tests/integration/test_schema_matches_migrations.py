"""The migrations build exactly the tables of `adapters/db/schema.py`: a column or index added
to one and not the other fails here, on SQLite and on PostgreSQL."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from shikaku.adapters.db.engine import migrate
from shikaku.adapters.db.schema import metadata
from shikaku.adapters.vault import Keyring, Vault
from tests.helpers import fresh_database


def test_migrated_database_has_the_schema_of_the_metadata(db_url):
    with fresh_database(db_url) as url:
        engine = create_engine(url)
        try:
            migrate(engine, Keyring(Vault(b"schema-test-key-0123456789abcdef")))
            with engine.connect() as conn:
                differences = compare_metadata(MigrationContext.configure(conn), metadata)
        finally:
            engine.dispose()
    assert differences == []

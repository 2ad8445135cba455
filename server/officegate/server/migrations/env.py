"""Alembic environment: run with a connection handed in by ``db.run_migrations``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from officegate.server.models import Base

config = context.config
target_metadata = Base.metadata


def run() -> None:
    """Run migrations on the given connection, or on ``sqlalchemy.url`` for autogenerate."""
    conn = config.attributes.get("connection")
    if conn is None:
        engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite://")
        with engine.begin() as own:
            _configure_and_run(own)
        return
    _configure_and_run(conn)


def _configure_and_run(conn: object) -> None:
    context.configure(
        connection=conn,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite needs batch mode for ALTER
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()

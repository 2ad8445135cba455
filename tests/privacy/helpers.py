"""Looking for a person in every table of the database."""

from __future__ import annotations

from sqlalchemy import create_engine, select

from officegate.server.models import Base


def where_found(database_url: str, needles: list[str]) -> list[str]:
    """``table.column`` of every stored value holding one of ``needles`` (case-insensitive),
    across every table of the schema."""
    engine = create_engine(database_url)
    lowered = [n.lower() for n in needles]
    found: set[str] = set()
    try:
        with engine.connect() as conn:
            for table in Base.metadata.sorted_tables:
                for row in conn.execute(select(table)):
                    for column, value in row._mapping.items():
                        text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
                        if any(n in text.lower() for n in lowered):
                            found.add(f"{table.name}.{column}")
    finally:
        engine.dispose()
    return sorted(found)

"""Throwaway PostgreSQL schemas, so that tests and benchmarks never touch anyone's tables."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text

from storage.engine import parse_url


@contextmanager
def scratch_schema(url: str, prefix: str = "slotchat_scratch") -> Iterator[str]:
    """Create an empty schema, yield a URL whose ``search_path`` is that schema, drop it after."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", prefix):
        raise ValueError(f"bad schema prefix {prefix!r}")
    parsed = parse_url(url)
    schema = f"{prefix}_{secrets.token_hex(4)}"
    admin = create_engine(parsed)
    try:
        with admin.begin() as connection:
            connection.execute(text(f"CREATE SCHEMA {schema}"))
        scoped = parsed.update_query_dict({"options": f"-csearch_path={schema}"})
        yield scoped.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()


def is_postgres(url: str) -> bool:
    return parse_url(url).get_backend_name() == "postgresql"

"""``pagos seed``: a deterministic, realistic loan book for development, demos and benchmarks."""

from __future__ import annotations

from service.seed.seeding import (
    Progress,
    ProgressCallback,
    SeedReport,
    seed_database,
)
from service.seed.writer import DatabaseNotEmpty, SchemaMissing, SeedError, database_is_empty

__all__ = [
    "DatabaseNotEmpty",
    "Progress",
    "ProgressCallback",
    "SchemaMissing",
    "SeedError",
    "SeedReport",
    "database_is_empty",
    "seed_database",
]

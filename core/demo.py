"""One registration point for demo data: every app adds its seeder in AppConfig.ready(), and
``manage.py seed_demo`` runs them in order. Seeders must be idempotent."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Seeder:
    name: str
    path: str
    order: int


_seeders: dict[str, Seeder] = {}


def register(name: str, path: str, *, order: int = 100) -> None:
    _seeders[name] = Seeder(name, path, order)


def seeders() -> list[Seeder]:
    return sorted(_seeders.values(), key=lambda s: (s.order, s.name))


def run_all(stdout=None) -> dict[str, object]:
    results = {}
    for seeder in seeders():
        results[seeder.name] = import_string(seeder.path)()
        if stdout is not None:
            stdout.write(f"  · {seeder.name}: {results[seeder.name]}")
    return results

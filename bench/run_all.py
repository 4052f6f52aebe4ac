"""Run every benchmark of bench/ (``bench_*.py``, each with ``main() -> int``) and sum them up.

Each benchmark prints its own figures; this runner prints which passed and exits non-zero when
any missed its target (returned non-zero) or crashed. ``make bench`` runs this file.
"""

from __future__ import annotations

import importlib.util
import sys
import time
import traceback
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent


def discover() -> list[Path]:
    return sorted(BENCH_DIR.glob("bench_*.py"))


def run_one(path: Path) -> int:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"no se puede cargar {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    main = getattr(module, "main", None)
    if not callable(main):
        raise AttributeError(f"{path.name} no define main()")
    return int(main() or 0)


def main() -> int:
    if str(BENCH_DIR) not in sys.path:
        sys.path.insert(0, str(BENCH_DIR))  # benchmarks import their sibling helpers
    benches = discover()
    if not benches:
        print("No hay benchmarks (bench/bench_*.py).")
        return 1
    summary = []
    for path in benches:
        print(f"\n######## {path.stem} ########", flush=True)
        started = time.monotonic()
        try:
            code = run_one(path)
        except Exception:
            traceback.print_exc(file=sys.stdout)
            code = 1
        summary.append((path.stem, code, time.monotonic() - started))
        sys.stdout.flush()
    print("\n######## Resumen ########")
    for name, code, seconds in summary:
        print(f"{name:<30} {'OK' if code == 0 else 'FALLA':<6} {seconds:6.0f} s")
    failed = [name for name, code, _ in summary if code != 0]
    if failed:
        print(f"Fuera de objetivo o con error: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Parse the rows of a big file on several cores, in file order.

Parsing a row (phones through ``phonenumbers``, documents through ``stdnum``, amounts, dates) is
pure CPU work on plain values, so chunks of rows go to worker processes and come back as
``RowResult`` lists; the caller's process keeps reading the file, matching repeats and writing.
Workers are started with ``spawn``: they share nothing with the caller — no database connection,
no threads — and need no Django settings.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from itertools import islice

CHUNK_ROWS = 1000

_parser = None  # the worker's row parser, set once per process by ``_start``


def _start(parser) -> None:
    global _parser
    _parser = parser


def _parse_chunk(rows: list[tuple[int, tuple]]) -> list:
    return [_parser.parse(number, values) for number, values in rows]


def parse_rows(rows: Iterable, parser, workers: int, chunk_rows: int = CHUNK_ROWS) -> Iterator:
    """``parser.parse(number, values)`` for every ``(number, values)`` of ``rows``, in order, on
    ``workers`` processes. At most two chunks per worker are in flight, so memory stays flat."""
    context = multiprocessing.get_context("spawn")
    source = iter(rows)
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start, initargs=(parser,)) as pool:
        pending: deque = deque()
        while True:
            chunk = [(number, tuple(values)) for number, values in islice(source, chunk_rows)]
            if chunk:
                pending.append(pool.submit(_parse_chunk, chunk))
            if pending and (not chunk or len(pending) >= 2 * workers):
                yield from pending.popleft().result()
            elif not chunk:
                return

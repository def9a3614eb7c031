"""200 MB through put() and back through open() on each backend, with memory growth below 50 MB.

Two measures, both asserted: tracemalloc's peak of Python allocations, and the process's peak
resident memory (VmHWM after a reset when the kernel allows it, plus VmRSS sampled every 5 ms
in a thread), each relative to the level just before the operation. The figures are printed,
shown in the terminal summary and written to test-output/storage-memory.txt.
"""
from __future__ import annotations

import gc
import hashlib
import random
import secrets
import threading
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

import pytest


SIZE = 200 * 1024 * 1024
LIMIT = 50 * 1024 * 1024
MB = 1024 * 1024
READ_CHUNK = 1024 * 1024


class GeneratedStream:
    """`size` deterministic pseudo-random bytes made on demand, never held whole in memory.

    The content repeats a block of an odd length (so reads never line up with it), and the
    stream hashes what it hands out, giving an expected SHA-256 independent of the store's.
    """

    BLOCK = 1024 * 1024 + 4099

    def __init__(self, size: int, seed: str):
        self._block = random.Random(seed).randbytes(self.BLOCK)
        self._size = size
        self._position = 0
        self._hash = hashlib.sha256()

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            raise AssertionError("the store asked for the whole stream at once")
        n = min(n, self._size - self._position)
        pieces = []
        while n > 0:
            offset = self._position % self.BLOCK
            piece = self._block[offset : offset + n]
            pieces.append(piece)
            self._position += len(piece)
            n -= len(piece)
        data = b"".join(pieces)
        self._hash.update(data)
        return data

    def sha256(self) -> str:
        return self._hash.hexdigest()


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise LookupError(field)


@dataclass
class Measure:
    traced_peak: int = 0
    rss_peak: int = 0
    seconds: float = 0.0
    source: str = ""


class PeakMemory:
    """Context manager measuring the peak memory growth of what runs inside it."""

    def __init__(self):
        self.measure = Measure()
        self._stop = threading.Event()
        self._sampled_max_kib = 0

    def _sample(self) -> None:
        while not self._stop.is_set():
            self._sampled_max_kib = max(self._sampled_max_kib, _status_kib("VmRSS"))
            time.sleep(0.005)

    def __enter__(self) -> Measure:
        gc.collect()
        try:
            # "5" resets the peak resident set size (VmHWM) to the current one (Linux >= 4.0).
            with open("/proc/self/clear_refs", "w") as clear_refs:
                clear_refs.write("5")
            self._hwm_usable = _status_kib("VmHWM") <= _status_kib("VmRSS") + 1024
        except OSError:
            self._hwm_usable = False
        self._baseline_kib = _status_kib("VmRSS")
        self._sampled_max_kib = self._baseline_kib
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()
        tracemalloc.start()
        self._started = time.monotonic()
        return self.measure

    def __exit__(self, *exc_info) -> None:
        self.measure.seconds = time.monotonic() - self._started
        _, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        self._stop.set()
        self._sampler.join()
        peak_kib = self._sampled_max_kib
        self.measure.source = "VmRSS sampled every 5 ms"
        if self._hwm_usable:
            peak_kib = max(peak_kib, _status_kib("VmHWM"))
            self.measure.source = "VmHWM (reset before) and VmRSS sampled every 5 ms"
        self.measure.traced_peak = traced_peak
        self.measure.rss_peak = max(0, peak_kib - self._baseline_kib) * 1024


@pytest.fixture(scope="module")
def memory_report(output_dir, memory_figures):
    lines: list[str] = []
    yield lines
    memory_figures.extend(lines)
    if lines:
        output_dir.mkdir(exist_ok=True)
        header = (
            f"Storage memory test: {SIZE // MB} MB streamed through put() then open(); "
            f"limit {LIMIT // MB} MB growth\n"
        )
        Path(output_dir / "storage-memory.txt").write_text(header + "\n".join(lines) + "\n", encoding="utf-8")


def _report(report: list[str], backend: str, phase: str, measure: Measure) -> str:
    line = (
        f"{backend:5} {phase:4}: peak RSS growth {measure.rss_peak / MB:5.1f} MB, "
        f"tracemalloc peak {measure.traced_peak / MB:5.1f} MB, "
        f"{measure.seconds:5.1f} s ({SIZE / MB / max(measure.seconds, 1e-9):4.0f} MB/s) [{measure.source}]"
    )
    print(line)
    report.append(line)
    return line


@pytest.mark.timeout(300)
def test_200_mb_streams_in_bounded_memory(store, memory_report):
    stream = GeneratedStream(SIZE, seed=f"{store.name}-{secrets.token_hex(8)}")

    with PeakMemory() as put_measure:
        ref = store.put(stream, max_size=SIZE)
    _report(memory_report, store.name, "put", put_measure)
    assert ref.size == SIZE
    assert ref.sha256 == stream.sha256()

    digest = hashlib.sha256()
    received = 0
    with PeakMemory() as open_measure:
        with store.open(ref.key) as data:
            while chunk := data.read(READ_CHUNK):
                digest.update(chunk)
                received += len(chunk)
    _report(memory_report, store.name, "open", open_measure)
    store.delete(ref.key)

    assert received == SIZE
    assert digest.hexdigest() == ref.sha256
    for phase, measure in (("put", put_measure), ("open", open_measure)):
        assert measure.traced_peak < LIMIT, f"{phase}: tracemalloc peak {measure.traced_peak / MB:.1f} MB"
        assert measure.rss_peak < LIMIT, f"{phase}: RSS growth {measure.rss_peak / MB:.1f} MB"

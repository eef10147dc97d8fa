"""How fast the monthly payment documents render, against a straightforward platypus rendering.

What it does, in one run: makes --documents different PaymentDocuments
(bench/payment_documents.py: 5–40 lines, long names and addresses, negative
recalculations, zeros, organisations without requisites), then renders them in a pool of
--workers processes (os.cpu_count() by default), in chunks as the panel would, two ways:

  ours       panel.documents.render.render_batch: reportlab's canvas, own QR encoder
  platypus   bench/platypus_document.py: SimpleDocTemplate + Table + Paragraph and
             reportlab's own QR widget, the first thing one would write

the platypus way on the first --baseline-documents of the same documents (all by default).
Each pool renders one document per worker before the clock starts (imports, fonts).
Printed per way: documents per second (wall clock, all workers), CPU ms per document
(the workers' CPU time for rendering / documents), KB per document (mean and largest),
the largest worker's peak RSS, and each worker's RSS after its first, middle and last
chunk (a renderer that keeps something per document keeps growing; ours fills its
bounded per-process caches in the first documents, then stays flat); then the ratio.

Checks, after the clock: every PDF parses with pypdf and its text holds the document's
account number; ours are at most 60 KB each; our workers' RSS grows by less than
--rss-growth-mb in their second half. Exit status 0 when all held.

--profile N: also profile ours on N documents in this process and print the top costs.

    .venv/bin/python bench/render_documents.py [--documents 2000] [--workers N] [--baseline-documents N]
"""
from __future__ import annotations

import argparse
import cProfile
import io
import multiprocessing
import os
import pstats
import sys
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pypdf  # noqa: E402

from bench.payment_documents import make_documents  # noqa: E402
from bench.platypus_document import render_platypus_batch  # noqa: E402
from panel.documents.model import PaymentDocument  # noqa: E402
from panel.documents.render import render_batch  # noqa: E402

WAYS = {"ours": render_batch, "platypus": render_platypus_batch}
LIMIT_KB = 60


@dataclass(frozen=True)
class Chunk:
    pid: int
    cpu: float
    rss_kib: int
    peak_kib: int
    pdfs: list[bytes]


def _status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


def _render_chunk(way: str, documents: list[PaymentDocument]) -> Chunk:
    started = time.process_time()
    pdfs = WAYS[way](documents)
    return Chunk(os.getpid(), time.process_time() - started, _status("VmRSS"), _status("VmHWM"), pdfs)


def _check_chunk(pdfs: list[bytes], accounts: list[str]) -> list[str]:
    failures = []
    for pdf, account in zip(pdfs, accounts):
        try:
            text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
        except Exception as error:  # any failure to read is what this check reports
            failures.append(f"{account}: pypdf cannot read it: {error!r}")
            continue
        if account not in text:
            failures.append(f"{account}: the account number is not in the text")
    return failures


def _chunks(items: list, size: int) -> list[list]:
    return [items[start:start + size] for start in range(0, len(items), size)]


@dataclass
class Result:
    way: str
    documents: int
    seconds: float
    cpu: float
    sizes: list[int]
    peak_kib: int
    rss_kib: dict[int, list[int]]  # per worker, after each of its chunks
    pdfs: list[bytes]


def _pool(workers: int) -> ProcessPoolExecutor:
    # Fresh interpreters, not forks of this one: their memory is their own, not the
    # 2,000 documents this process holds.
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))


def run_way(way: str, documents: list[PaymentDocument], workers: int, chunk: int) -> Result:
    with _pool(workers) as pool:
        for warm in [pool.submit(_render_chunk, way, documents[:1]) for _ in range(workers)]:
            warm.result()
        started = time.perf_counter()
        chunks = list(pool.map(_render_chunk, [way] * len(_chunks(documents, chunk)), _chunks(documents, chunk)))
        seconds = time.perf_counter() - started
    rss_kib: dict[int, list[int]] = defaultdict(list)
    for done in chunks:
        rss_kib[done.pid].append(done.rss_kib)
    pdfs = [pdf for done in chunks for pdf in done.pdfs]
    return Result(way, len(documents), seconds, sum(done.cpu for done in chunks), [len(pdf) for pdf in pdfs],
                  max(done.peak_kib for done in chunks), dict(rss_kib), pdfs)


def check(result: Result, documents: list[PaymentDocument], workers: int, chunk: int) -> list[str]:
    accounts = [document.account_number for document in documents]
    with _pool(workers) as pool:
        failures = [failure for part in pool.map(_check_chunk, _chunks(result.pdfs, chunk), _chunks(accounts, chunk))
                    for failure in part]
    return [f"{result.way}: {failure}" for failure in failures]


def _mb(kib: int) -> float:
    return kib / 1024


def print_result(result: Result) -> None:
    rss = ", ".join(f"{_mb(series[0]):.1f}→{_mb(series[len(series) // 2]):.1f}→{_mb(series[-1]):.1f}"
                    for series in result.rss_kib.values())
    print(f"{result.way:<10}{result.documents:>7}{result.documents / result.seconds:>10.1f}"
          f"{result.cpu / result.documents * 1000:>13.2f}{sum(result.sizes) / len(result.sizes) / 1024:>10.1f}"
          f"{max(result.sizes) / 1024:>8.1f}{_mb(result.peak_kib):>12.1f}   {rss}")


def profile(documents: list[PaymentDocument], count: int) -> None:
    render_batch(documents[:1])
    profiler = cProfile.Profile()
    profiler.enable()
    render_batch(documents[:count])
    profiler.disable()
    print(f"\nprofile of ours, {count} documents in one process (tottime, top 15):")
    pstats.Stats(profiler, stream=sys.stdout).strip_dirs().sort_stats("tottime").print_stats(15)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--documents", type=int, default=2000)
    parser.add_argument("--baseline-documents", type=int, default=None, help="platypus on the first N (all)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--chunk", type=int, default=25, help="documents per pool job")
    parser.add_argument("--rss-growth-mb", type=float, default=4.0, help="allowed in a worker's second half")
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    args = parser.parse_args()

    started = time.perf_counter()
    documents = make_documents(args.documents)
    lines = [len(document.lines) for document in documents]
    without_code = sum(1 for document in documents if not document.recipient.bic)
    print(f"made {len(documents)} documents ({min(lines)}–{max(lines)} lines, mean {sum(lines) / len(lines):.1f}; "
          f"{without_code} without a QR code) in {time.perf_counter() - started:.1f} s; {args.workers} workers")
    baseline = documents[:args.baseline_documents or len(documents)]

    ours = run_way("ours", documents, args.workers, args.chunk)
    platypus = run_way("platypus", baseline, args.workers, args.chunk)
    print(f"\n{'way':<10}{'docs':>7}{'docs/s':>10}{'CPU ms/doc':>13}{'KB/doc':>10}{'max KB':>8}"
          f"{'peak RSS MB':>12}   RSS MB per worker after its first→middle→last chunk")
    print_result(ours)
    print_result(platypus)
    print(f"ratio ours/platypus: {ours.documents / ours.seconds / (platypus.documents / platypus.seconds):.1f}× "
          f"documents per second, {platypus.cpu / platypus.documents / (ours.cpu / ours.documents):.1f}× less CPU")

    failures = check(ours, documents, args.workers, args.chunk) + check(platypus, baseline, args.workers, args.chunk)
    failures += [f"ours: {documents[index].account_number}: {size / 1024:.1f} KB > {LIMIT_KB} KB"
                 for index, size in enumerate(ours.sizes) if size > LIMIT_KB * 1024]
    for pid, series in ours.rss_kib.items():
        middle, last = series[len(series) // 2], series[-1]
        if _mb(last - middle) >= args.rss_growth_mb:
            failures.append(f"ours: worker {pid} grew from {_mb(middle):.1f} MB halfway to {_mb(last):.1f} MB")
    for failure in failures[:20]:
        print(f"  FAILED: {failure}")
    if args.profile:
        profile(documents, args.profile)
    print("all checks passed" if not failures else f"{len(failures)} check(s) FAILED")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

"""A bounded load test: concurrent readers while an editor records decisions.

One `certledger serve` process over a fresh SQLite store with the seed. Readers (asyncio,
one connection each) ask a mix of read queries as fast as they can; an editor renames a
certification every 0.2 s, to a new name each time. Reported: requests, errors (must be 0),
latency, the staleness of every read (a read that began after a rename had committed but still
saw an older name is stale by the time since that rename; a read that sees a rename committed
while it ran is fresh; the promise is 1 s on one process), and the server's memory over the run
(it must stay flat). Only 127.0.0.1 is used, and the run stops by itself.

    .venv/bin/python bench/load.py [--seconds 30] [--readers 16]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent / "certledger"
STALENESS_BOUND = 1.0
READS = [
    '{ certification(id: "faa-part-107") { name } }',
    '{ catalog(schoolYear: "2025-2026") { placementCount sectors { name pathways { name certifications { id name } } } } }',
    '{ certifications(schoolYear: "2025-2026", first: 10, search: "FAA") { edges { node { name } } } }',
    '{ schoolYears { schoolYear version placementCount } }',
]
FIRST_NAME = "FAA Part 107"


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
    return 0.0


async def run(seconds: float, readers: int) -> dict[str, float]:
    work = Path(tempfile.mkdtemp(prefix="certledger-load-"))
    env = {**os.environ, "CERTLEDGER_DB": str(work / "load.sqlite3")}
    token = subprocess.run([str(BIN), "token", "create", "load-editor"], env=env, capture_output=True,
                           text=True, check=True).stdout.strip().splitlines()[-1]
    from tests.api.conftest import free_port

    port = free_port()
    log = (work / "serve.log").open("w")
    server = subprocess.Popen([str(BIN), "serve", "--seed-if-empty", "--port", str(port), "--log-level", "warning"],
                              env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base, timeout=30) as probe:
            while True:
                try:
                    if (await probe.get("/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
        renamed: list[tuple[float, str]] = [(0.0, FIRST_NAME)]  # (commit returned at, name now current)
        revision = {FIRST_NAME: 0}  # each name in renamed, by its index there
        latencies: list[float] = []
        stale: list[float] = []
        errors = 0
        memory: list[float] = []
        deadline = time.monotonic() + seconds

        async def reader(n: int) -> None:
            nonlocal errors
            async with httpx.AsyncClient(base_url=base, timeout=30) as client:
                i = n
                while time.monotonic() < deadline:
                    query = READS[i % len(READS)]
                    i += 1
                    started = time.monotonic()
                    response = await client.post("/graphql", json={"query": query})
                    latencies.append(time.monotonic() - started)
                    body = response.json()
                    if response.status_code != 200 or "errors" in body:
                        errors += 1
                        continue
                    if "certification" in body["data"]:
                        seen = body["data"]["certification"]["name"]
                        # Stale: an older name than the newest rename committed before this
                        # read began; stale since the first rename after the name it saw.
                        committed = [r for r in renamed if r[0] <= started]
                        seen_at = revision.get(seen)  # None: a rename whose answer is still on its way
                        if seen_at is not None and seen_at < len(committed) - 1:
                            stale.append(started - committed[seen_at + 1][0])

        async def editor() -> None:
            nonlocal errors
            async with httpx.AsyncClient(base_url=base, timeout=30, headers={"Authorization": f"Bearer {token}"}) as client:
                k = 1
                while time.monotonic() < deadline:
                    name = f"{FIRST_NAME} (revision {k})"
                    mutation = ('mutation { renameCertification(schoolYear: "2025-2026", decision: {body: SBE, '
                                'decidedOn: "2025-06-12"}, rename: {certification: "faa-part-107", newName: "%s"}) '
                                "{ version } }" % name)
                    body = (await client.post("/graphql", json={"query": mutation})).json()
                    if "errors" in body:
                        errors += 1
                    else:
                        revision[name] = len(renamed)
                        renamed.append((time.monotonic(), name))
                    k += 1
                    await asyncio.sleep(0.2)

        async def sampler() -> None:
            while time.monotonic() < deadline:
                memory.append(rss_mib(server.pid))
                await asyncio.sleep(1.0)

        await asyncio.gather(*(reader(n) for n in range(readers)), editor(), sampler())
        quarter = max(1, len(memory) // 4)
        return {
            "requests": len(latencies), "rps": len(latencies) / seconds, "errors": errors,
            "writes": len(renamed) - 1,
            "p50_ms": statistics.median(latencies) * 1000,
            "p99_ms": sorted(latencies)[int(len(latencies) * 0.99)] * 1000,
            "stale_reads": len(stale), "max_staleness_s": max(stale, default=0.0),
            "rss_first_quarter_mib": statistics.mean(memory[:quarter]),
            "rss_last_quarter_mib": statistics.mean(memory[-quarter:]),
        }
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--readers", type=int, default=16)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    result = asyncio.run(run(args.seconds, args.readers))
    for key, value in result.items():
        print(f"{key:24} {value:.2f}" if isinstance(value, float) else f"{key:24} {value}")
    ok = result["errors"] == 0 and result["max_staleness_s"] <= STALENESS_BOUND and \
        result["rss_last_quarter_mib"] <= result["rss_first_quarter_mib"] * 1.25 + 10
    print(f"RESULT load: {'ok' if ok else 'FAILED'} (no errors, staleness <= {STALENESS_BOUND} s, memory flat)")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

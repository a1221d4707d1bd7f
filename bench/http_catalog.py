"""HTTP throughput of the 2025-2026 catalog query against the limit of this stack.

The limit is a plain Starlette endpoint, in the same server process, returning the very
bytes the GraphQL endpoint returns for the query. Each round runs wrk against the plain
endpoint and the GraphQL endpoint back to back; the ratio of each round is reported,
and their median. A third server with the response cache turned off shows what the
cache buys. One uvicorn worker, access log off, 127.0.0.1 only.

    .venv/bin/python bench/http_catalog.py [--duration 10] [--rounds 3] [--connections 16]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
QUERY = ('{ catalog(schoolYear: "2025-2026") { schoolYear placementCount certificationCount '
         "sectors { name pathways { name certifications { id name } } } } }")
BODY = json.dumps({"query": QUERY})


def serve(port: int, db: str, cache_entries: int) -> None:
    """Run in a child process: the real app plus /plain, under uvicorn."""
    import uvicorn
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    from api.app import create_app
    from api.settings import Settings

    app = create_app(Settings(db=db, response_cache_entries=cache_entries))
    plain = {"body": b""}

    async def plain_endpoint(request: Request) -> Response:
        await request.body()
        return Response(plain["body"], media_type="application/json; charset=utf-8")

    async def prime(request: Request) -> Response:
        plain["body"] = await request.body()
        return Response(b"ok")

    app.router.routes.append(Route("/plain", plain_endpoint, methods=["POST"]))
    app.router.routes.append(Route("/prime", prime, methods=["POST"]))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def wrk(url: str, duration: int, connections: int) -> dict[str, float]:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "-s", str(ROOT / "bench" / "post.lua"), url],
        env={**os.environ, "WRK_BODY": BODY}, capture_output=True, text=True, check=True,
    ).stdout
    line = next(l for l in out.splitlines() if l.startswith("RESULT"))
    values = dict(re.findall(r"(\w+)=([\d.]+)", line))
    if float(values["non2xx3xx"]) or float(values["socket_errors"]):
        raise SystemExit(f"errors during the run: {line}")
    return {k: float(v) for k, v in values.items()}


def start(db: str, cache_entries: int) -> tuple[subprocess.Popen[bytes], str]:
    from tests.api.conftest import free_port

    port = free_port()
    process = subprocess.Popen([sys.executable, __file__, "--serve", str(port), db, str(cache_entries)])
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{base}/healthz").status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.1)
        if time.monotonic() > deadline:
            raise SystemExit("server did not start")
    answer = httpx.post(f"{base}/graphql", content=BODY, headers={"content-type": "application/json"})
    assert answer.status_code == 200 and answer.json()["data"]["catalog"]["placementCount"] == 52
    httpx.post(f"{base}/prime", content=answer.content)
    plain = httpx.post(f"{base}/plain", content=BODY)
    assert plain.content == answer.content, "the plain endpoint must return the same bytes"
    return process, base


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--serve":
        serve(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install -y wrk")

    work = Path(tempfile.mkdtemp(prefix="certledger-bench-"))
    db = str(work / "bench.sqlite3")
    subprocess.run([str(Path(sys.executable).parent / "certledger"), "import", "--if-empty",
                    str(ROOT / "data" / "sbe-2025-04-17-consent-item-j.txt")],
                   env={**os.environ, "CERTLEDGER_DB": db}, check=True, capture_output=True)
    cached, base = start(db, 512)
    ratios = []
    try:
        for round_ in range(1, args.rounds + 1):
            plain = wrk(f"{base}/plain", args.duration, args.connections)
            graphql = wrk(f"{base}/graphql", args.duration, args.connections)
            ratios.append(graphql["rps"] / plain["rps"])
            print(f"round {round_}: plain {plain['rps']:.0f} rps (p99 {plain['p99_ms']:.1f} ms), "
                  f"graphql {graphql['rps']:.0f} rps (p99 {graphql['p99_ms']:.1f} ms), "
                  f"ratio {ratios[-1]:.2f}", flush=True)
    finally:
        cached.terminate()
        cached.wait()
    uncached, base = start(db, 0)
    try:
        plain = wrk(f"{base}/plain", args.duration, args.connections)
        graphql = wrk(f"{base}/graphql", args.duration, args.connections)
        print(f"cache off: plain {plain['rps']:.0f} rps, graphql {graphql['rps']:.0f} rps, "
              f"ratio {graphql['rps'] / plain['rps']:.2f}", flush=True)
    finally:
        uncached.terminate()
        uncached.wait()
    print(f"RESULT catalog/plain throughput ratio, median of {len(ratios)}: "
          f"{statistics.median(ratios):.2f} (target >= 0.8)")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Time ``POST /api/v1/assess`` served by uvicorn beside a minimal FastAPI endpoint doing
the same work, in the same run, on this machine.

    .venv/bin/python benchmarks/api.py [--questions N] [--seconds S] [--rounds R]
                                       [--clients C] [--warmup W] [--vignettes PATH] [--json]

Three servers are started, each in its own uvicorn process (one worker, asyncio and h11,
log level warning, as ``crux serve`` runs it) on a free loopback port:

- ours:    crux.api.create_app on a throwaway SQLite store (migrated on start), asked
           ``POST /api/v1/assess?questions=N``.
- minimal: a bare FastAPI app (minimal_app below) with one ``POST /assess?questions=N``
           that takes the raw JSON body and does the same work as ours: parse_case,
           assess on the shipped model, with_next_questions(..., N), then
           ``model_dump(mode="json")``. It is a plain ``def`` like ours, so it too runs in
           FastAPI's threadpool. No problem-details handlers, no auth dependency, no
           store, no OpenAPI customisation: the ratio is what Crux's API layer costs over
           FastAPI doing the same work.
- hello:   for context only, not a goal: a bare FastAPI ``async def`` ``POST /echo``
           returning {"ok": true}, the framework's (and this client's) ceiling here.

Both assess servers compile the shipped model before they listen. Untimed, each then gets
every dev vignette's case (../shared/vignettes/dev.yaml) ``--warmup`` times (the first
request for a case compiles the trees for its patterns); ours and minimal must answer
every case with 200 and the same triage level, or the script stops before timing.

Timed: in each of ``--rounds`` rounds every server is driven for ``--seconds`` by
``--clients`` threads, each with its own keep-alive httpx.Client, sending the cases in
turn back to back (a closed loop: at most ``--clients`` requests in flight). Ours and
minimal swap order every round, as the machine drifts, and hello comes last. A request's
latency is its time.perf_counter time in the client, body read; throughput is the
requests answered over the time from the start to the last answer. The client threads
share the machine with the server, so the figures hold for this machine only; the ratio,
taken between neighbouring runs, is what to read.

The script prints, per round and as the median over rounds, requests/s, p50 and p99 in
ms; then ours / minimal for throughput (goal >= 0.5) and for p99 (ours over minimal: above
1 means ours is slower), per round and their medians; then hello. ``--questions 0``
measures the assessment alone: without the next questions (the costly part, only for
self-care cases) the API layer's share of each request is larger. ``--json`` prints the
same as JSON. Exit status 1 when a response is not 200 or the triage levels disagree,
2 when the servers or the cases cannot be set up; a missed goal is reported, not failed.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import httpx
import yaml
from fastapi import Body, FastAPI

REPO = Path(__file__).resolve().parents[1]
DEFAULT_VIGNETTES = REPO.parent / "shared" / "vignettes" / "dev.yaml"
FALLBACK_CASE = REPO / "examples" / "heel_pain_runner.json"
HOST = "127.0.0.1"
GOAL_RATIO = 0.5
ROLES = ("ours", "minimal", "hello")
JSON_HEADERS = {"content-type": "application/json"}
READY_TIMEOUT_S = 180.0
REQUEST_TIMEOUT_S = 120.0


class BenchError(Exception):
    """A failed check; the message says which and why."""


class SetupError(BenchError):
    """The servers or the cases could not be set up."""


# ------------------------------------------------------------------ the servers' apps


def minimal_app() -> FastAPI:
    """The peer: FastAPI with one endpoint doing exactly ours' work, and nothing else."""
    from crux.assess import assess, shipped_model
    from crux.contract import parse_case
    from crux.interview import with_next_questions

    app = FastAPI()

    @app.post("/assess")
    def assess_case(body: Annotated[Any, Body()], questions: int = 3) -> Any:
        model = shipped_model()
        case = parse_case(body)
        assessment = with_next_questions(assess(case, model), case.known(), model, questions)
        return assessment.model_dump(mode="json")

    return app


def hello_app() -> FastAPI:
    """The framework's ceiling: an endpoint that does nothing."""
    app = FastAPI()

    @app.post("/echo")
    async def echo() -> dict[str, bool]:
        return {"ok": True}

    return app


def ours_app(db: Path) -> FastAPI:
    from crux.api import create_app
    from crux.records import Store

    return create_app(Store.open(f"sqlite:///{db}"))


def serve(role: str, port: int, db: Path) -> None:
    """Run in the server's own process: build the app (the model compiled first, as
    ``crux serve`` does), then serve it until terminated."""
    import uvicorn

    if role != "hello":
        from crux.assess import shipped_model

        shipped_model()
    app = {"ours": lambda: ours_app(db), "minimal": minimal_app, "hello": hello_app}[role]()
    uvicorn.run(app, host=HOST, port=port, log_level="warning")


# ------------------------------------------------------------ starting and stopping them


@dataclass
class Server:
    role: str
    port: int
    process: subprocess.Popen[bytes]

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def start_server(role: str, workdir: Path) -> Server:
    port = free_port()
    command = [sys.executable, str(Path(__file__).resolve()), "--serve", role,
               "--port", str(port), "--db", str(workdir / f"{role}.db")]
    return Server(role, port, subprocess.Popen(command, cwd=REPO))


def wait_ready(server: Server, timeout: float = READY_TIMEOUT_S) -> None:
    """Until the server accepts connections; BenchError if it exits or takes too long."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        code = server.process.poll()
        if code is not None:
            raise SetupError(f"the {server.role} server exited with status {code} "
                             f"(port {server.port} taken? see its output above)")
        try:
            with socket.create_connection((HOST, server.port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise SetupError(f"the {server.role} server did not listen within {timeout:.0f} s")


def stop_servers(servers: list[Server]) -> None:
    for server in servers:
        if server.process.poll() is None:
            server.process.terminate()
    for server in servers:
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


# ------------------------------------------------------------------------- the cases


def load_cases(vignettes: Path) -> tuple[list[dict[str, Any]], str]:
    """The dev vignettes' cases, or the shipped example when there are none."""
    if vignettes.is_file():
        items = yaml.safe_load(vignettes.read_text(encoding="utf-8")) or []
        cases = [item["case"] for item in items if isinstance(item, dict) and "case" in item]
        if cases:
            return cases, f"{len(cases)} cases from {vignettes}"
    if not FALLBACK_CASE.is_file():
        raise SetupError(f"no cases: neither {vignettes} nor {FALLBACK_CASE} exists")
    case = json.loads(FALLBACK_CASE.read_text(encoding="utf-8"))
    return [case], f"1 case from {FALLBACK_CASE} (no vignettes at {vignettes})"


@dataclass(frozen=True)
class Target:
    """What one contender is asked: the same bodies, in the same order, to its URL."""

    name: str
    url: str
    bodies: list[bytes]


def targets(servers: dict[str, Server], cases: list[dict[str, Any]],
            questions: int) -> dict[str, Target]:
    from crux.api import PREFIX

    bodies = [json.dumps(case).encode() for case in cases]
    query = f"?questions={questions}"
    return {
        "ours": Target("ours", f"{servers['ours'].base}{PREFIX}/assess{query}", bodies),
        "minimal": Target("minimal", f"{servers['minimal'].base}/assess{query}", bodies),
        "hello": Target("hello", f"{servers['hello'].base}/echo", [b"{}"]),
    }


# ---------------------------------------------------------- agreement and warming up


def post_ok(client: httpx.Client, target: Target, body: bytes) -> httpx.Response:
    response = client.post(target.url, content=body, headers=JSON_HEADERS)
    if response.status_code != 200:
        raise BenchError(f"{target.name}: {target.url} answered {response.status_code}: "
                         f"{response.text[:300]}")
    return response


@dataclass
class Agreement:
    levels: dict[str, int] = field(default_factory=dict)  # triage level -> cases
    identical: int = 0  # cases whose whole answers are equal


def check_and_warm(tasks: dict[str, Target], warmup: int) -> Agreement:
    """Untimed: every case ``warmup`` times to each server; on the first pass ours and
    minimal must agree on the triage level of every case."""
    ours, minimal = tasks["ours"], tasks["minimal"]
    agreement = Agreement()
    with httpx.Client(timeout=REQUEST_TIMEOUT_S) as client:
        for i, body in enumerate(ours.bodies):
            a, b = post_ok(client, ours, body).json(), post_ok(client, minimal, body).json()
            level_a, level_b = a["triage"]["level"], b["triage"]["level"]
            if level_a != level_b:
                raise BenchError(f"case {i + 1}: ours answers triage {level_a!r}, the minimal "
                                 f"endpoint {level_b!r}; they must do the same work")
            agreement.levels[level_a] = agreement.levels.get(level_a, 0) + 1
            agreement.identical += a == b
        for _ in range(max(0, warmup - 1)):
            for target in tasks.values():
                for body in target.bodies:
                    post_ok(client, target, body)
    return agreement


# --------------------------------------------------------------------------- timing


@dataclass
class Run:
    name: str
    latencies_ms: list[float]
    elapsed_s: float

    @property
    def throughput(self) -> float:
        return len(self.latencies_ms) / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies_ms)

    @property
    def p99(self) -> float:
        return percentile(self.latencies_ms, 99)

    def summary(self) -> dict[str, float]:
        return {"throughput": self.throughput, "p50_ms": self.p50, "p99_ms": self.p99,
                "requests": len(self.latencies_ms), "seconds": self.elapsed_s}


def percentile(xs: list[float], q: int) -> float:
    if len(xs) == 1:
        return xs[0]
    return statistics.quantiles(xs, n=100, method="inclusive")[q - 1]


def client_loop(target: Target, first: int, barrier: threading.Barrier, start: list[float],
                seconds: float) -> tuple[list[float], float]:
    """One client: requests back to back until the deadline; (latencies in ms, the time
    of its last answer)."""
    latencies: list[float] = []
    with httpx.Client(timeout=REQUEST_TIMEOUT_S) as client:
        barrier.wait()
        deadline = start[0] + seconds
        k, last = first, time.perf_counter()
        while last < deadline:
            body = target.bodies[k % len(target.bodies)]
            k += 1
            sent = time.perf_counter()
            post_ok(client, target, body)
            last = time.perf_counter()
            latencies.append((last - sent) * 1000.0)
    return latencies, last


def drive(target: Target, clients: int, seconds: float) -> Run:
    """``clients`` concurrent clients on ``target`` for ``seconds``."""
    start: list[float] = []
    barrier = threading.Barrier(clients, action=lambda: start.append(time.perf_counter()),
                                timeout=60)
    spread = max(1, len(target.bodies) // clients)  # clients start on different cases
    with ThreadPoolExecutor(max_workers=clients) as pool:
        futures = [pool.submit(client_loop, target, i * spread, barrier, start, seconds)
                   for i in range(clients)]
        results = [f.result() for f in futures]
    latencies = [x for lat, _ in results for x in lat]
    return Run(target.name, latencies, max(end for _, end in results) - start[0])


def timed_rounds(tasks: dict[str, Target], rounds: int, clients: int,
                 seconds: float) -> list[dict[str, Run]]:
    out = []
    for r in range(rounds):
        order = ["ours", "minimal"] if r % 2 == 0 else ["minimal", "ours"]
        out.append({name: drive(tasks[name], clients, seconds) for name in [*order, "hello"]})
    return out


# ------------------------------------------------------------------------- the report


def ratios(run: dict[str, Run]) -> tuple[float, float]:
    """(throughput ours / minimal, p99 ours / minimal) for one round."""
    ours, peer = run["ours"], run["minimal"]
    return ours.throughput / peer.throughput, ours.p99 / peer.p99


def results(runs: list[dict[str, Run]]) -> dict[str, Any]:
    per_round = [{name: run.summary() for name, run in r.items()} for r in runs]
    median = {
        name: {key: statistics.median(r[name][key] for r in per_round)
               for key in ("throughput", "p50_ms", "p99_ms")}
        for name in ROLES
    }
    tput = [ratios(r)[0] for r in runs]
    p99 = [ratios(r)[1] for r in runs]
    ratio = {"throughput": statistics.median(tput), "p99": statistics.median(p99),
             "throughput_per_round": tput, "p99_per_round": p99}
    return {"rounds": per_round, "median": median, "ratio": ratio,
            "goal": {"throughput_ratio_at_least": GOAL_RATIO,
                     "met": ratio["throughput"] >= GOAL_RATIO}}


def print_table(out: dict[str, Any]) -> None:
    head = (f"{'round':>6}  {'contender':10} {'req/s':>9} {'p50 ms':>9} {'p99 ms':>9} "
            f"{'requests':>9}")
    print(head)
    print("-" * len(head))
    for i, r in enumerate(out["rounds"], 1):
        for name in ROLES:
            s = r[name]
            print(f"{i:>6}  {name:10} {s['throughput']:9.1f} {s['p50_ms']:9.2f} "
                  f"{s['p99_ms']:9.2f} {s['requests']:9d}")
    print("-" * len(head))
    for name in ROLES:
        m = out["median"][name]
        print(f"{'median':>6}  {name:10} {m['throughput']:9.1f} {m['p50_ms']:9.2f} "
              f"{m['p99_ms']:9.2f}")


def print_report(out: dict[str, Any]) -> None:
    s = out["settings"]
    print(f"cases: {out['cases']}; triage levels {out['agreement']['levels']}; ours and "
          f"minimal agree on every level, whole answers equal on "
          f"{out['agreement']['identical']} of {out['agreement']['cases']} cases")
    print(f"POST assess?questions={s['questions']}, {s['clients']} clients, {s['seconds']:g} s "
          f"per contender per round, {s['rounds']} rounds; {s['cpus']} CPUs, load average "
          f"{s['load_before']:.2f} before, {s['load_after']:.2f} after")
    print()
    print_table(out)
    ratio, goal = out["ratio"], out["goal"]
    print()
    print(f"ours / minimal FastAPI (same work): throughput ratio {ratio['throughput']:.2f} "
          f"(goal >= {GOAL_RATIO:g}: {'met' if goal['met'] else 'NOT MET'}), p99 ratio "
          f"{ratio['p99']:.2f} (ours over minimal; above 1 is slower)")
    print("  per round: throughput " + " ".join(f"{x:.2f}" for x in ratio["throughput_per_round"])
          + "; p99 " + " ".join(f"{x:.2f}" for x in ratio["p99_per_round"]))
    hello = out["median"]["hello"]
    print(f"hello-world FastAPI (POST /echo, context only, not a goal): "
          f"{hello['throughput']:.0f} req/s, p50 {hello['p50_ms']:.2f} ms, "
          f"p99 {hello['p99_ms']:.2f} ms")


# ----------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=3,
                        help="next questions per assessment (0: the assessment alone)")
    parser.add_argument("--seconds", type=float, default=10.0,
                        help="timed seconds per contender per round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (at least 2)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients")
    parser.add_argument("--warmup", type=int, default=3,
                        help="untimed requests per case per server before timing")
    parser.add_argument("--vignettes", type=Path, default=DEFAULT_VIGNETTES,
                        help="the cases: a vignettes YAML (default: the dev vignettes)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--serve", choices=ROLES, help=argparse.SUPPRESS)  # the servers
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    bad = args.rounds < 2 or args.clients < 1 or args.seconds <= 0 or args.questions < 0
    if args.serve is None and bad:
        parser.error("need --rounds >= 2, --clients >= 1, --seconds > 0, --questions >= 0")
    return args


def measure(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    cases, source = load_cases(args.vignettes)
    servers: list[Server] = []
    try:
        for role in ROLES:
            servers.append(start_server(role, workdir))
        for server in servers:
            wait_ready(server)
        tasks = targets({s.role: s for s in servers}, cases, args.questions)
        agreement = check_and_warm(tasks, args.warmup)
        load_before = os.getloadavg()[0]
        runs = timed_rounds(tasks, args.rounds, args.clients, args.seconds)
        load_after = os.getloadavg()[0]
    finally:
        stop_servers(servers)
    settings = {"questions": args.questions, "seconds": args.seconds, "rounds": args.rounds,
                "clients": args.clients, "warmup": args.warmup, "cpus": os.cpu_count(),
                "load_before": load_before, "load_after": load_after}
    return {"settings": settings, "cases": source,
            "agreement": {"cases": len(cases), "levels": agreement.levels,
                          "identical": agreement.identical},
            **results(runs)}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.serve is not None:
        serve(args.serve, args.port, args.db)
        return 0
    # a plain kill runs the finally that stops the servers, as Ctrl-C does
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    try:
        with tempfile.TemporaryDirectory(prefix="crux-bench-api-") as workdir:
            out = measure(args, Path(workdir))
    except (SetupError, OSError) as err:
        print(f"cannot set up the benchmark: {err}", file=sys.stderr)
        return 2
    except (BenchError, httpx.HTTPError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        print_report(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""``python -m bench.load``: the sync server under many signed-in devices.

    python -m bench.load [--databases sqlite postgres] [--instances 1 2] [--seconds 5]
                         [--devices 64] [--long-polls 200] [--quick]
                         [--baseline CHECKOUT [--baseline-python PYTHON]]

For each database and each number of server instances (real ``imi-server run`` processes on
127.0.0.1 sharing one database), it signs in ``--devices`` devices, brings each one's cursor up
to date, and drives three kinds of traffic, each for ``--seconds`` per level:

- **idle checks**: a pull with an up-to-date cursor, what every connected client does when it
  re-polls; closed-loop at fixed concurrency and open-loop at fixed rates;
- **idle checks with long-polls held**: the same closed-loop levels while ``--long-polls``
  waits are held open (and re-opened when they return), as thousands of clients do;
- **workflow mutations**: a push of ``case.create`` + ``case.send`` (two mutations) per
  request, each device pushing its own ids in order; closed-loop and open-loop.

Open-loop latencies are measured from the moment a request was *due*, not when it was sent, so
a server that falls behind shows it (no coordinated omission). Requests a level could not even
start before its end, or that have not answered ``GRACE_S`` after it, count as ``late``.
The load generator runs in this process, on the same
machine: its own CPU use and the servers' are reported beside every level, so a level where the
generator saturated a core is visible as such. Results go to ``bench/results/load.json``.
"""

import argparse
import asyncio
import contextlib
import dataclasses
import datetime as dt
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import psycopg
from psycopg import sql

from bench import rawhttp, report
from bench.stats import percentile
from desktop import local_server
from sync_protocol.version import PROTOCOL_VERSION
from sync_server.seed import DEMO_PASSWORD

RESULTS = Path(__file__).parent / "results" / "load.json"
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"

# Request handlers of the demo directory and whom each asks (mutations need a valid responder).
HANDLERS = {
    "de.weber": "HU-ENKK", "de.huber": "HU-ENKK", "de.schulz": "FR-ONCD", "hu.kovacs": "DE-LZK-BW",
    "hu.nagy": "AT-OEZK", "fr.martin": "DE-LZK-BW", "fr.dubois": "PL-NIL",
    "at.gruber": "HU-ENKK", "pl.nowak": "DE-LZK-BW", "es.fernandez": "FR-ONCD",
}
CLOSED_LEVELS = (1, 8, 32, 64)
IDLE_RATES = (250, 500, 1000, 2000)
MUTATION_CLOSED_LEVELS = (1, 4, 16)
MUTATION_RATES = (25, 50, 100, 300)
GRACE_S = 5.0  # how long an open-loop level waits for its last answers


@dataclasses.dataclass
class Device:
    username: str
    responder: str
    device_id: str
    token: str
    cursor: str = ""
    last_mutation_id: int = 0

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclasses.dataclass
class Level:
    """What one level of load produced."""

    kind: str
    mode: str  # "closed" (fixed concurrency) or "open" (fixed rate)
    level: int  # concurrency, or requests per second
    seconds: float
    latencies_ms: list[float] = dataclasses.field(default_factory=list)
    errors: dict[str, int] = dataclasses.field(default_factory=dict)
    late: int = 0
    generator_cpu: float = 0.0
    server_cpu: float = 0.0

    def fail(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1

    def summary(self) -> dict[str, Any]:
        done = len(self.latencies_ms)
        return {
            "kind": self.kind, "mode": self.mode, "level": self.level,
            "ok": done, "errors": self.errors, "late": self.late,
            "throughput_per_s": round(done / self.seconds, 1),
            "p50_ms": round(percentile(self.latencies_ms, 50), 1) if done else None,
            "p99_ms": round(percentile(self.latencies_ms, 99), 1) if done else None,
            # Share of one core, summed over processes (2.0 = both cores of this machine).
            "generator_cpu_cores": round(self.generator_cpu, 2),
            "server_cpu_cores": round(self.server_cpu, 2),
            # What one request costs the servers, whatever share of the cores they got: on a
            # machine shared with other work, the figure that compares across runs.
            "server_cpu_ms_per_request": round(1000 * self.server_cpu * self.seconds / done, 2)
            if done else None,
            # The same for the load generator: whether it could offer more than it did.
            "generator_cpu_ms_per_request":
                round(1000 * self.generator_cpu * self.seconds / done, 2) if done else None,
        }


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of processes ``pids`` (Linux ``/proc``)."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def _measured(level: Level, server_pids: list[int]) -> Iterator[None]:
    own = os.times()
    servers = _cpu_seconds(server_pids)
    started = time.perf_counter()
    yield
    wall = time.perf_counter() - started
    # Throughput over the time the level really took, its last answers included.
    level.seconds = wall
    after = os.times()
    level.generator_cpu = (after.user + after.system - own.user - own.system) / wall
    level.server_cpu = (_cpu_seconds(server_pids) - servers) / wall


class Load:
    """Signed-in devices against one or more server instances, and the traffic they make."""

    def __init__(self, urls: list[str], server_pids: list[int], seconds: float) -> None:
        self.urls = urls
        self.server_pids = server_pids
        self.seconds = seconds
        self.devices: list[Device] = []
        self.protocol = PROTOCOL_VERSION  # the server's, if older (``sign_in``)
        self._http: aiohttp.ClientSession | None = None
        self.raw: list[rawhttp.Client] = []  # one per instance, as ``url_for`` spreads them

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator["Load"]:
        # Idle connections are dropped before the server would (uvicorn: 5 s), or a request
        # meets a connection the server has just closed.
        connector = aiohttp.TCPConnector(limit=0, force_close=False, keepalive_timeout=2)
        timeout = aiohttp.ClientTimeout(total=60)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
            self._http = http
            self.raw = [rawhttp.Client(url) for url in self.urls]
            try:
                yield self
            finally:
                self._http = None
                for client in self.raw:
                    client.close()

    @property
    def http(self) -> aiohttp.ClientSession:
        assert self._http is not None, "use inside ``session()``"
        return self._http

    def url_for(self, index: int) -> str:
        """Devices are spread over the instances, as a load balancer would."""
        return self.urls[index % len(self.urls)]

    async def sign_in(self, count: int) -> None:
        # Speak the server's own protocol version when it is older (a --baseline checkout from
        # before the current version): the steps driven here exist in every version.
        async with self.http.get(self.urls[0] + "/v1/meta") as response:
            response.raise_for_status()
            self.protocol = min(PROTOCOL_VERSION, (await response.json())["protocol_version"])
        names = list(HANDLERS)
        semaphore = asyncio.Semaphore(4)  # logins hash passwords: do not flood the server

        async def one(index: int) -> Device:
            username = names[index % len(names)]
            device_id = uuid.uuid4().hex
            body = {"protocol_version": self.protocol, "username": username,
                    "password": DEMO_PASSWORD, "device_id": device_id,
                    "device_name": f"bench {index}"}
            async with semaphore, self.http.post(self.url_for(index) + "/v1/auth/login",
                                                 json=body) as response:
                response.raise_for_status()
                token = (await response.json())["token"]
            return Device(username=username, responder=HANDLERS[username],
                          device_id=device_id, token=token)

        self.devices = list(await asyncio.gather(*(one(i) for i in range(count))))
        await asyncio.gather(*(self._catch_up(i, d) for i, d in enumerate(self.devices)))

    async def _catch_up(self, index: int, device: Device) -> None:
        while True:
            async with self.http.get(self.url_for(index) + "/v1/sync/pull",
                                     params={"cursor": device.cursor, "limit": 1000},
                                     headers=device.headers) as response:
                response.raise_for_status()
                page = await response.json()
            device.cursor = page["cursor"]
            if not page["has_more"]:
                return

    # -- one request of each kind ---------------------------------------------------------

    async def idle_check(self, index: int) -> None:
        device = self.devices[index % len(self.devices)]
        # The lean client (``bench.rawhttp``): what is measured is the server, not aiohttp.
        # A cursor is URL-safe base64 and a dot: nothing to quote.
        status, body = await self.raw[index % len(self.raw)].get(
            b"/v1/sync/pull?cursor=%s&limit=500" % device.cursor.encode(),
            b"Authorization: Bearer %s\r\n" % device.token.encode())
        if status != 200:
            raise _Failed(f"HTTP {status}")
        if b'"changes":[]' not in body:
            raise _Failed("not idle")  # the cursor was not up to date: not what is measured

    async def create_and_send(self, device: Device, index: int) -> None:
        case_id = uuid.uuid4().hex
        now = dt.datetime.now(dt.UTC)
        first = device.last_mutation_id + 1
        args = {
            "case_id": case_id, "area": "PQ", "question_set": "PQ-GEN",
            "question_set_version": 1, "responder_authority_id": device.responder,
            "subject": {"family_name": "Lasttest", "given_names": "Bench",
                        "profession": "dentist"},
            "questions": ["PQ-GEN-Q01", "PQ-GEN-Q04"],
            "answer_by": (now.date() + dt.timedelta(days=30)).isoformat(),
        }
        body = {"protocol_version": self.protocol, "device_id": device.device_id,
                "mutations": [
                    {"mutation_id": first, "name": "case.create", "args": args,
                     "base_version": None, "created_at": now.isoformat()},
                    {"mutation_id": first + 1, "name": "case.send",
                     "args": {"case_id": case_id}, "base_version": 1,
                     "created_at": now.isoformat()},
                ]}
        async with self.http.post(self.url_for(index) + "/v1/sync/push", json=body,
                                  headers=device.headers) as response:
            answer = await response.json(content_type=None)
            if response.status != 200:
                if answer.get("code") == "mutation_gap":
                    # A push cancelled at a level's end may have landed: take the server's id.
                    device.last_mutation_id = int(answer["params"]["expected"]) - 1
                raise _Failed(f"HTTP {response.status} {answer.get('code', '')}")
        device.last_mutation_id = answer["last_mutation_id"]
        statuses = {result["status"] for result in answer["results"]}
        if statuses != {"applied"}:
            raise _Failed("rejected")

    # -- load shapes ----------------------------------------------------------------------

    async def closed_loop(self, kind: str, concurrency: int,
                          request: Callable[[int], Awaitable[None]]) -> Level:
        level = Level(kind=kind, mode="closed", level=concurrency, seconds=self.seconds)
        deadline = time.perf_counter() + self.seconds

        async def worker(index: int) -> None:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                try:
                    await request(index)
                except (_Failed, aiohttp.ClientError, OSError) as exc:
                    level.fail(_what(exc))
                    continue
                level.latencies_ms.append((time.perf_counter() - started) * 1000)

        with _measured(level, self.server_pids):
            await asyncio.gather(*(worker(i) for i in range(concurrency)))
        return level

    async def open_loop(self, kind: str, rate: int,
                        request: Callable[[int], Awaitable[None]]) -> Level:
        level = Level(kind=kind, mode="open", level=rate, seconds=self.seconds)
        interval = 1.0 / rate
        start = time.perf_counter()
        end = start + self.seconds
        tasks: set[asyncio.Task[None]] = set()

        async def one(index: int, due: float) -> None:
            try:
                await request(index)
            except (_Failed, aiohttp.ClientError, OSError) as exc:
                level.fail(_what(exc))
                return
            level.latencies_ms.append((time.perf_counter() - due) * 1000)

        with _measured(level, self.server_pids):
            index = 0
            while True:
                due = start + index * interval
                if due >= end:
                    break
                now = time.perf_counter()
                if now < due:
                    await asyncio.sleep(due - now)
                elif now - due > 1.0:
                    # More than a second behind schedule: the generator itself cannot keep up.
                    level.late += 1
                    index += 1
                    continue
                task = asyncio.create_task(one(index, due))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                index += 1
            if tasks:
                # Bounded: what has not answered a few seconds after the level ends counts as
                # late (a saturated server would otherwise stretch every level to minutes).
                _done, unfinished = await asyncio.wait(tasks, timeout=GRACE_S)
                for task in unfinished:
                    task.cancel()
                level.late += len(unfinished)
        return level

    async def settle(self) -> None:
        """Wait until every instance has worked off what an overloaded level left queued (its
        late requests were cancelled here, not there): else the next level starts behind it."""
        for index in range(len(self.urls)):
            with contextlib.suppress(_Failed, aiohttp.ClientError, OSError):
                await asyncio.wait_for(self.idle_check(index), timeout=60)

    async def mutations_open(self, rate: int) -> Level:
        """Open-loop pushes: each takes a free device (a device pushes its ids in order)."""
        free: asyncio.Queue[tuple[int, Device]] = asyncio.Queue()
        for index, device in enumerate(self.devices):
            free.put_nowait((index, device))

        async def request(_index: int) -> None:
            index, device = await free.get()
            try:
                await self.create_and_send(device, index)
            finally:
                free.put_nowait((index, device))

        return await self.open_loop("mutations", rate, request)

    async def mutations_closed(self, concurrency: int) -> Level:
        async def request(index: int) -> None:
            await self.create_and_send(self.devices[index], index)

        return await self.closed_loop("mutations", concurrency, request)

    @contextlib.asynccontextmanager
    async def long_polls_held(self, count: int) -> AsyncIterator[dict[str, int]]:
        """Hold ``count`` long-polls open (re-opened as they return) while the body runs."""
        stats = {"held": count, "returned": 0, "errors": 0}
        stop = asyncio.Event()

        async def hold(index: int) -> None:
            device = self.devices[index % len(self.devices)]
            while not stop.is_set():
                try:
                    async with self.http.get(self.url_for(index) + "/v1/sync/wait",
                                             params={"cursor": device.cursor},
                                             headers=device.headers) as response:
                        await response.read()
                        stats["returned" if response.status == 200 else "errors"] += 1
                except (aiohttp.ClientError, TimeoutError):
                    stats["errors"] += 1
                    await asyncio.sleep(0.5)

        holders = [asyncio.create_task(hold(i)) for i in range(count)]
        await asyncio.sleep(1.0)  # let them all be parked on the server
        try:
            yield stats
        finally:
            stop.set()
            for task in holders:
                task.cancel()
            await asyncio.gather(*holders, return_exceptions=True)


class _Failed(Exception):
    """A request that got an answer, but not the one the level measures."""


def _what(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, _Failed) else type(exc).__name__


async def _drive(load: Load, options: argparse.Namespace) -> list[dict[str, Any]]:
    levels: list[Level] = []

    def show(level: Level) -> None:
        summary = level.summary()
        report.progress(
            f"{summary['kind']:<22} {summary['mode']:<6} {summary['level']:>5}: "
            f"{summary['throughput_per_s']:>7}/s p50 {summary['p50_ms']} ms "
            f"p99 {summary['p99_ms']} ms errors {sum(level.errors.values())} late {level.late} "
            f"cpu gen {summary['generator_cpu_cores']} srv {summary['server_cpu_cores']}")
        levels.append(level)

    closed = [c for c in options.closed_levels if c <= options.devices]
    for concurrency in closed:
        show(await load.closed_loop("idle", concurrency, load.idle_check))
    for rate in options.idle_rates:
        show(await load.open_loop("idle", rate, load.idle_check))
        await load.settle()
    if options.long_polls:
        async with load.long_polls_held(options.long_polls) as held:
            for concurrency in closed:
                level = await load.closed_loop(f"idle+{options.long_polls} long-polls",
                                               concurrency, load.idle_check)
                show(level)
        report.progress(f"long-polls: {held}")
    for concurrency in options.mutation_levels:
        if concurrency <= options.devices:
            show(await load.mutations_closed(concurrency))
    for rate in options.mutation_rates:
        show(await load.mutations_open(rate))
    return [level.summary() for level in levels]


@contextlib.contextmanager
def _database(kind: str) -> Iterator[str | None]:
    """``None`` for the embedded SQLite, or the URL of a throwaway PostgreSQL database."""
    if kind == "sqlite":
        yield None
        return
    base = os.environ.get("IMI_TEST_PG_URL", DEFAULT_PG_URL)
    name = f"imi_load_{secrets.token_hex(4)}"
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield base.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(base, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


@dataclasses.dataclass(frozen=True)
class Variant:
    """Which server code runs: this checkout, or another (``--baseline``) with its own
    interpreter (a virtual environment without the newer dependencies)."""

    label: str
    command: tuple[str, ...] = local_server.SERVER_COMMAND
    source: Path | None = None


@contextlib.contextmanager
def _servers(data_dir: Path, count: int, variant: Variant
             ) -> Iterator[tuple[list[str], list[int]]]:
    started: list[subprocess.Popen[bytes]] = []
    try:
        urls = []
        for _ in range(count):
            process, url = local_server.start(data_dir, server=variant.command,
                                              source=variant.source)
            started.append(process)
            urls.append(url)
        yield urls, [process.pid for process in started]
    finally:
        for process in started:
            local_server.stop(process)


def _run_one(database: str, instances: int, options: argparse.Namespace,
             workdir: Path, variant: Variant) -> dict[str, Any]:
    data_dir = workdir / f"{variant.label}-{database}-{instances}"
    with _database(database) as url:
        if url is None:
            os.environ.pop("IMI_DATABASE_URL", None)
        else:
            os.environ["IMI_DATABASE_URL"] = url  # the server processes inherit it
        local_server.init(data_dir, demo=True, server=variant.command, source=variant.source)
        with _servers(data_dir, instances, variant) as (urls, pids):
            load = Load(urls, pids, options.seconds)

            async def go() -> list[dict[str, Any]]:
                async with load.session():
                    await load.sign_in(options.devices)
                    return await _drive(load, options)

            report.progress(f"{variant.label}: {database}, {instances} instance(s): "
                            f"{options.devices} devices")
            levels = asyncio.run(go())
        os.environ.pop("IMI_DATABASE_URL", None)
    return {"server": variant.label, "database": database, "instances": instances,
            "levels": levels}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--databases", nargs="+", choices=("sqlite", "postgres"),
                        default=["sqlite", "postgres"])
    parser.add_argument("--instances", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--seconds", type=float, default=5.0, help="per level")
    parser.add_argument("--devices", type=int, default=64)
    parser.add_argument("--long-polls", type=int, default=200)
    parser.add_argument("--closed-levels", nargs="*", type=int, default=list(CLOSED_LEVELS),
                        help="idle-check concurrencies")
    parser.add_argument("--mutation-levels", nargs="*", type=int,
                        default=list(MUTATION_CLOSED_LEVELS), help="push concurrencies")
    parser.add_argument("--idle-rates", nargs="*", type=int, default=list(IDLE_RATES))
    parser.add_argument("--mutation-rates", nargs="*", type=int, default=list(MUTATION_RATES))
    parser.add_argument("--baseline", type=Path, metavar="CHECKOUT",
                        help="also run the server of this checkout (e.g. `git worktree add "
                             "/tmp/base main`), each configuration right before this one's, "
                             "and report this one's throughput as a ratio of it")
    parser.add_argument("--baseline-python", type=Path, metavar="PYTHON",
                        help="the interpreter for --baseline (a venv with its dependencies)")
    parser.add_argument("--out", type=Path, default=RESULTS,
                        help=f"the results file (default {RESULTS}; a trial run elsewhere)")
    parser.add_argument("--quick", action="store_true",
                        help="1 s per level, SQLite and one instance: a smoke run")
    options = parser.parse_args(argv)
    if options.quick:
        options.seconds, options.databases, options.instances = 1.0, ["sqlite"], [1]
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(143))

    workdir = Path(tempfile.mkdtemp(prefix="imi-load-"))
    results: dict[str, Any] = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(), "load_average_at_start": os.getloadavg()[0],
        "seconds_per_level": options.seconds, "devices": options.devices,
        "long_polls": options.long_polls, "runs": [],
    }
    variants = [Variant("this")]
    if options.baseline is not None:
        python = str(options.baseline_python or sys.executable)
        variants.insert(0, Variant("baseline", (python, "-m", "sync_server.cli"),
                                   options.baseline.resolve()))
    results["baseline"] = str(options.baseline) if options.baseline else None
    try:
        for database in options.databases:
            for instances in options.instances:
                for variant in variants:
                    results["runs"].append(_run_one(database, instances, options, workdir,
                                                    variant))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    _print_table(results)
    options.out.parent.mkdir(parents=True, exist_ok=True)
    options.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten to {options.out}")
    return 0


def _print_table(results: dict[str, Any]) -> None:
    print(f"\nload: {results['devices']} devices, {results['seconds_per_level']} s per level, "
          f"load average at start {results['load_average_at_start']:.2f}")
    header = (f"{'server':<9}{'database':<9}{'inst':>5}  {'kind':<22}{'mode':<7}{'level':>6}"
              f"{'per s':>9}{'p50 ms':>9}{'p99 ms':>9}{'err':>6}{'late':>6}{'gen':>6}{'srv':>6}"
              f"{'cpu ms':>8}{'x base':>8}")
    print(header)
    base = {(run["database"], run["instances"], lv["kind"], lv["mode"], lv["level"]):
            lv["throughput_per_s"]
            for run in results["runs"] if run["server"] == "baseline" for lv in run["levels"]}
    for run in results["runs"]:
        for lv in run["levels"]:
            before = base.get((run["database"], run["instances"], lv["kind"], lv["mode"],
                               lv["level"]))
            ratio = (f"{lv['throughput_per_s'] / before:.2f}"
                     if run["server"] != "baseline" and before else "")
            lv["throughput_vs_baseline"] = float(ratio) if ratio else None
            print(f"{run['server']:<9}{run['database']:<9}{run['instances']:>5}  "
                  f"{lv['kind']:<22}{lv['mode']:<7}"
                  f"{lv['level']:>6}{lv['throughput_per_s']:>9}{lv['p50_ms']!s:>9}"
                  f"{lv['p99_ms']!s:>9}{sum(lv['errors'].values()):>6}{lv['late']:>6}"
                  f"{lv['generator_cpu_cores']:>6}{lv['server_cpu_cores']:>6}"
                  f"{lv.get('server_cpu_ms_per_request')!s:>8}"
                  f"{lv.get('generator_cpu_ms_per_request')!s:>8}{ratio:>8}")


if __name__ == "__main__":
    sys.exit(main())

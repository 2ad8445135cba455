"""Mutation testing of the pass contract and the edge's verifier (the code that opens doors).

    python tests/mutation/run.py                 # every module, as CI runs it
    python tests/mutation/run.py --module protocol/officegate/protocol/replay.py -v

pytest collects the modules' fast tests once and runs them unmutated, tracing which tests
call which functions. Then each mutant runs in a forked child that swaps the mutant into the
imported module and runs the tests that reach it until one fails (killed) or all pass
(survived). The tests that killed the last mutants of a function run first, so a killed
mutant costs milliseconds. A test that uses far more CPU than in the unmutated run counts as
killed (an endless loop); a child stuck past the wall-clock deadline is reported, not counted.

Survivors must be listed in equivalent.toml with a one-line reason; the run fails (exit 1)
when a survivor is not listed, and warns about listed mutants that no longer survive.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import select
import signal
import sys
import threading
import time
import tomllib
import types
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from mutants import Mutant, install, module_for, mutants_of, mutated_namespace

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
PROTOCOL_TESTS = ("tests/protocol",)
# module (repository path) -> the fast tests that must notice a change to it
TARGETS: dict[str, tuple[str, ...]] = {
    "protocol/officegate/protocol/verify.py": PROTOCOL_TESTS,
    "protocol/officegate/protocol/rotating.py": PROTOCOL_TESTS,
    "protocol/officegate/protocol/replay.py": PROTOCOL_TESTS,
    "protocol/officegate/protocol/cose.py": PROTOCOL_TESTS,
    "protocol/officegate/protocol/claims.py": PROTOCOL_TESTS,
    "protocol/officegate/protocol/keys.py": PROTOCOL_TESTS,
    "protocol/officegate/protocol/text.py": PROTOCOL_TESTS,
    "edge/officegate/edge/verifier.py": ("tests/edge/test_verifier.py",
                                         "tests/edge/test_verifier_holding.py"),
}
# timeout: a test used far more CPU than in the baseline (killed); stalled: the child sat
# past the wall-clock deadline without using CPU (not counted as killed: look at it).
SURVIVED, KILLED, TIMEOUT, STALLED, BROKEN = "survived", "killed", "timeout", "stalled", "broken"


@dataclass
class Tally:
    """One module's results."""

    mutants: int = 0
    killed: int = 0
    equivalent: int = 0
    survivors: list[Mutant] = field(default_factory=list)  # not listed as equivalent
    listed: set[str] = field(default_factory=set)  # survivors listed as equivalent

    @property
    def score(self) -> float:
        relevant = self.mutants - self.equivalent
        return 100.0 * self.killed / relevant if relevant else 100.0


class MutationPlugin:
    """A pytest plugin that replaces the normal test loop by the mutation loop."""

    def __init__(self, modules: Sequence[str], jobs: int, equivalent: dict[str, str],
                 verbose: bool) -> None:
        self.modules = modules
        self.jobs = jobs
        self.equivalent = equivalent
        self.verbose = verbose
        self.items: list[pytest.Item] = []
        self.tallies: dict[str, Tally] = {}
        self.ok = False
        self._killers: dict[str, list[str]] = {}
        self._baselines: dict[tuple[str, ...], float] = {}  # test paths -> seconds
        self._durations: dict[str, float] = {}  # nodeid -> seconds, from the baselines
        self._covers: dict[str, set[str]] = {}  # "path::function" -> nodeids that call it

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        self.items = list(items)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> bool:
        if session.testsfailed:
            return True  # collection errors: pytest reports them
        self.ok = all(self._run_module(path) for path in self.modules)
        return True

    # one module ---------------------------------------------------------------------------
    def _run_module(self, path: str) -> bool:
        items = [i for i in self.items
                 if any(i.nodeid.startswith(t) for t in TARGETS[path])]
        started = time.monotonic()
        if TARGETS[path] not in self._baselines:  # the tests pass without mutants, and how fast
            outcome, timings = self._run_all([(None, items)], deadline=600.0)[0]
            if outcome != SURVIVED:
                print(f"{path}: its tests fail without any mutant ({outcome}); fix them first")
                return False
            self._baselines[TARGETS[path]] = time.monotonic() - started
            for line in timings.splitlines():
                nodeid, seconds, units = line.split("\t")
                self._durations[nodeid] = float(seconds)
                for unit in filter(None, units.split(";")):
                    self._covers.setdefault(unit, set()).add(nodeid)
        took = self._baselines[TARGETS[path]]
        module = module_for(path)
        mutants = mutants_of(ROOT, path)
        results = self._run_all([(m, self._reaching(m, items)) for m in mutants],
                                deadline=10 * took + 60,
                                module=module)
        tally = self.tallies[path] = Tally(mutants=len(mutants))
        for mutant, (outcome, _) in zip(mutants, results, strict=True):
            if outcome in (KILLED, TIMEOUT):
                tally.killed += 1
            elif outcome == SURVIVED and mutant.key in self.equivalent:
                tally.equivalent += 1
                tally.listed.add(mutant.key)
            else:
                tally.survivors.append(mutant)
                if outcome in (BROKEN, STALLED):
                    print(f"  {outcome}: {mutant.key}")
        print(f"{path}: {tally.mutants} mutants, {tally.killed} killed, "
              f"{tally.equivalent} equivalent, {len(tally.survivors)} survived "
              f"({time.monotonic() - started:.0f} s)")
        return True

    def _run_all(self, jobs: list[tuple[Mutant | None, list[pytest.Item]]], deadline: float,
                 module: object = None) -> list[tuple[str, str]]:
        """Run each (mutant, tests) in a forked child, ``self.jobs`` at a time."""
        results: list[tuple[str, str]] = [("", "")] * len(jobs)
        running: dict[int, tuple[int, int, float, list[bytes]]] = {}  # fd -> idx, pid, t0, out
        queue = list(enumerate(jobs))
        while queue or running:
            while queue and len(running) < self.jobs:
                idx, (mutant, items) = queue.pop(0)
                fd, pid = self._fork(mutant, self._ordered(mutant, items), module,
                                     self._durations)
                running[fd] = (idx, pid, time.monotonic(), [])
            now = time.monotonic()
            wait = max(0.0, min(t0 + deadline for _, _, t0, _ in running.values()) - now)
            ready, _, _ = select.select(list(running), [], [], wait)
            for fd in list(running):
                idx, pid, t0, out = running[fd]
                if fd in ready:
                    chunk = os.read(fd, 4096)
                    if chunk:
                        out.append(chunk)
                        continue
                elif time.monotonic() - t0 < deadline:
                    continue
                else:
                    os.kill(pid, signal.SIGKILL)
                os.close(fd)
                del running[fd]
                _, status = os.waitpid(pid, 0)
                results[idx] = self._outcome(status, b"".join(out).decode())
                if fd not in ready:
                    results[idx] = (STALLED, "")
                self._learn(jobs[idx][0], results[idx])
        return results

    def _reaching(self, mutant: Mutant, items: list[pytest.Item]) -> list[pytest.Item]:
        """The tests that can notice ``mutant``: for a change inside a function, those that
        called it in the baseline (no other test runs its code); else all of them."""
        if not mutant.unit:
            return items
        calling = self._covers.get(f"{mutant.path}::{mutant.unit}", set())
        return [i for i in items if i.nodeid in calling]

    def _ordered(self, mutant: Mutant | None, items: list[pytest.Item]) -> list[pytest.Item]:
        """Tests that killed this function's last mutants first, then the fastest."""
        if mutant is None:
            return items
        first = self._killers.get(mutant.qualname, []) + self._killers.get("", [])[:20]
        rank = {nodeid: n for n, nodeid in enumerate(dict.fromkeys(first))}
        return sorted(items, key=lambda i: (rank.get(i.nodeid, len(rank)),
                                            self._durations.get(i.nodeid, 1.0)))

    def _learn(self, mutant: Mutant | None, result: tuple[str, str]) -> None:
        outcome, killer = result
        if mutant is not None and self.verbose:
            print(f"  {outcome:8} {mutant.key}" + (f"  <- {killer}" if killer else ""))
        if mutant is None or outcome != KILLED:
            return
        for scope in (mutant.qualname, ""):
            known = self._killers.setdefault(scope, [])
            if killer in known:
                known.remove(killer)
            known.insert(0, killer)

    @staticmethod
    def _outcome(status: int, killer: str) -> tuple[str, str]:
        if os.WIFSIGNALED(status):
            return TIMEOUT, ""
        code = os.WEXITSTATUS(status)
        return {0: SURVIVED, 1: KILLED}.get(code, BROKEN), killer

    @staticmethod
    def _fork(mutant: Mutant | None, items: list[pytest.Item], module: object,
              durations: dict[str, float]) -> tuple[int, int]:
        """A child that runs ``items`` (with ``mutant`` installed) and reports on a pipe: the
        killing test's node id, or for the baseline each test's duration. A test that uses
        far more CPU than it took in the baseline (an endless loop) ends the child by SIGPROF."""
        from _pytest.runner import runtestprotocol

        read_fd, write_fd = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid:
            os.close(write_fd)
            return read_fd, pid
        code = 2
        try:  # the child: never returns
            os.close(read_fd)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            if mutant is not None:
                install(mutated_namespace(ROOT, mutant, module), module)  # type: ignore[arg-type]
            signal.signal(signal.SIGPROF, signal.SIG_DFL)
            called: set[str] = set()
            if mutant is None:
                _trace_calls(called)
            code = 0
            for n, item in enumerate(items):
                nextitem = items[n + 1] if n + 1 < len(items) else None
                if mutant is not None:  # CPU time, so a loaded machine is not a timeout
                    signal.setitimer(signal.ITIMER_PROF, 2 + 5 * durations.get(item.nodeid, 2))
                t0 = time.monotonic()
                reports = runtestprotocol(item, nextitem=nextitem, log=False)
                signal.setitimer(signal.ITIMER_PROF, 0)
                if mutant is None:
                    line = f"{item.nodeid}\t{time.monotonic() - t0}\t{';'.join(called)}\n"
                    os.write(write_fd, line.encode())
                    called.clear()
                if any(r.failed for r in reports):
                    os.write(write_fd, item.nodeid.encode())
                    code = 1
                    break
        finally:
            os._exit(code)


def _trace_calls(called: set[str]) -> None:
    """Record in ``called`` each target module's outermost function that runs, as
    "path::qualname" (calls only: no line tracing, so the baseline stays quick)."""
    files: dict[str, str] = {}
    for path in TARGETS:
        with contextlib.suppress(LookupError):
            files[module_for(path).__file__ or ""] = path

    def tracer(frame: types.FrameType, event: str, arg: object) -> None:
        path = files.get(frame.f_code.co_filename)
        if path is not None:
            called.add(f"{path}::{frame.f_code.co_qualname.split('.<locals>')[0]}")

    sys.settrace(tracer)
    threading.settrace(tracer)


def load_equivalent(path: Path) -> dict[str, str]:
    """mutant key -> why it is equivalent, from equivalent.toml."""
    if not path.exists():
        return {}
    entries = tomllib.loads(path.read_text(encoding="utf-8")).get("equivalent", [])
    return {e["mutant"]: e["reason"] for e in entries}


def report(plugin: MutationPlugin, elapsed: float) -> int:
    """Print the table, the unexplained survivors and stale entries; the exit status."""
    print("\n| module | mutants | killed | equivalent | score |\n|---|---:|---:|---:|---:|")
    for path, t in plugin.tallies.items():
        print(f"| {path.split('/officegate/')[1]} | {t.mutants} | {t.killed} | "
              f"{t.equivalent} | {t.score:.1f} % |")
    total = Tally(*(sum(getattr(t, f) for t in plugin.tallies.values())
                    for f in ("mutants", "killed", "equivalent")))
    print(f"| **all** | {total.mutants} | {total.killed} | {total.equivalent} | "
          f"{total.score:.1f} % |")
    print(f"\nwall time {elapsed:.0f} s, {plugin.jobs} jobs")
    survivors = [m for t in plugin.tallies.values() for m in t.survivors]
    listed = {k for t in plugin.tallies.values() for k in t.listed}
    stale = [k for k in plugin.equivalent
             if k.split("::")[0] in plugin.tallies and k not in listed]
    for key in stale:
        print(f"note: listed as equivalent but no longer survives (remove it): {key}")
    for m in survivors:
        print(f"SURVIVED {m.path}:{m.line} in {m.qualname}: `{m.before}` -> `{m.after}`\n"
              f"  key: {m.key}")
    if survivors:
        print(f"\n{len(survivors)} mutant(s) survived: add a test that notices, or list the "
              f"mutant in tests/mutation/equivalent.toml with the reason it is equivalent.")
    return 1 if survivors or not plugin.ok else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the mutation tests; 0 when every non-equivalent mutant is killed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--module", action="append", choices=sorted(TARGETS),
                        help="only this module (repeatable); default: all")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("-v", "--verbose", action="store_true", help="print every mutant")
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[attr-defined]  # progress in CI logs
    modules = args.module or list(TARGETS)
    try:  # no shrinking: a failing example is enough to kill a mutant
        from hypothesis import Phase, settings

        settings.register_profile("mutation", database=None,
                                  phases=[Phase.explicit, Phase.reuse, Phase.generate])
        settings.load_profile("mutation")
    except ImportError:
        pass
    plugin = MutationPlugin(modules, args.jobs, load_equivalent(HERE / "equivalent.toml"),
                            args.verbose)
    tests = sorted({t for m in modules for t in TARGETS[m]})
    started = time.monotonic()
    os.chdir(ROOT)
    status = pytest.main(["-q", "-p", "no:cacheprovider", "--timeout=0",
                          "-W", "ignore::pytest.PytestAssertRewriteWarning",
                          "--capture=no", *tests], plugins=[plugin])
    if status not in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
        return int(status) or 1
    return report(plugin, time.monotonic() - started)


if __name__ == "__main__":
    sys.exit(main())

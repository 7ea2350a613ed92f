"""Run the ``langsmith`` SDK's own integration tests against the local server, offline; print pass/total.

The SDK's tests ship in its source distribution, not in the wheel, so ``make test`` never needs
them; this is a development check of how well ``techhub.localsmith`` stands in for LangSmith. Run it
from the repository root with the project's venv::

    .venv/bin/python scripts/run_sdk_tests.py            # the in-scope tests, then pass/total
    .venv/bin/python scripts/run_sdk_tests.py -k usage   # extra arguments go to pytest

What it does (steps 1 and 2 once, kept in ``--workdir``, default ``.techhub/sdk-tests``):

1. downloads the sdist of the installed ``langsmith`` version (``pip download --no-binary :all:
   --no-deps``) and unpacks it;
2. makes a separate venv with that ``langsmith`` and the tools its suite needs (:data:`TEST_TOOLS`),
   so the project's own venv is left as it is;
3. starts ``python -m techhub.localsmith`` on a free loopback port over a fresh SQLite file;
4. runs the tests of :data:`IN_SCOPE` minus :data:`OUT_OF_SCOPE` (each with its reason) with the
   SDK pointed at that server, tracing on, and a dead proxy for any host that is not loopback:
   nothing leaves the machine (PyPI in steps 1 and 2 aside). One pytest process per file, as the
   SDK's CI spreads them over workers: ``test_client.py`` reloads ``langsmith.client``, after which
   the SDK's own argument checks misfire in the tests that follow it in the same process;
5. prints every failure and ``passed/total`` (skipped and expected-failure tests are not counted),
   and exits 1 below ``--target``. At the end of each file the test process reports the threads it
   still has and any that keeps a CPU busy (with its stack); if it has not exited ``--exit-grace``
   seconds after its last test, the runner prints its threads' stacks (``faulthandler``) and kills it.

The process that once stayed at 100% CPU and never exited (before the server answered the v2 API):
``test_async_client.py::test_create_run`` polls ``client.runs.retrieve_v2`` with the suite's
``wait_for`` helper, which sleeps and checks its timeout only when the condition *raises*. Its
condition catches the 404 the server then gave for ``GET /api/v2/runs/{id}`` and returns False, so
the helper loops with no pause and no end (reproduced against this repository at bb59431: the test
process used CPU until killed). The server's part was the missing endpoint (served now; the test
passes); the endless loop is a bug of the SDK's test suite, not of the ``langsmith`` package. Minimal
reproduction, no server needed (prints that it is still looping after 3 s despite ``timeout=1``)::

    import asyncio

    async def wait_for(condition, timeout=10, **kwargs):  # as in the 0.15.1 sdist, test_async_client.py
        start_time = asyncio.get_event_loop().time()
        while True:
            try:
                if await condition(**kwargs):
                    return
            except Exception:
                if asyncio.get_event_loop().time() - start_time > timeout:
                    raise TimeoutError("Condition not met within the timeout period")
                await asyncio.sleep(0.1)

    async def not_yet():  # check_run() while the server answers 404: a round trip, then False
        await asyncio.sleep(0)
        return False

    try:
        asyncio.run(asyncio.wait_for(wait_for(not_yet, timeout=1), 3))
    except TimeoutError:
        print("still looping after 3 s although its timeout is 1 s")
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import time
import xml.etree.ElementTree as ElementTree
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from techhub.localsmith.launcher import start_server  # noqa: E402 - after the path is set

# Test files of the suite that exercise what the local server serves: runs and tracing, projects,
# datasets and examples, feedback, annotation queues, experiments, and the v2 runs/threads/traces API.
IN_SCOPE = (
    "tests/integration_tests/test_client.py",
    "tests/integration_tests/test_runs.py",
    "tests/integration_tests/test_async_client.py",
    "tests/integration_tests/test_v2_threads.py",
    "tests/integration_tests/test_v2_traces.py",
    "tests/integration_tests/test_experiment_manager.py",
)
# Tests of those files that need what the local server does not serve, and why.
OUT_OF_SCOPE = {
    "tests/integration_tests/test_client.py::test_evaluators_generated_client_crud":
        "online evaluators from Hub prompts (/api/v1/platform/evaluators): the course creates its "
        "evaluator with an inline prompt on /runs/rules",
    "tests/integration_tests/test_async_client.py::test_create_feedback":
        "presigned feedback tokens (/feedback/tokens) and public run sharing: not in the course",
}
TEST_TOOLS = (
    "pytest>=8,<10", "pytest-asyncio>=1,<2", "pytest-timeout>=2.3,<3", "vcrpy>=7,<10", "freezegun>=1.2,<2",
    "httpx>=0.23,<1", "langchain-core>=1,<1.5",
)
# The suite's conftest reads two options its own repository registers elsewhere. langchain_core is
# imported up front: a test imports it first under freezegun's fake ``date``, which pydantic.v1 cannot
# subclass (in the SDK's own environment another module has imported it by then). At the end of the
# session the plugin reports the threads still alive and any that keeps a CPU busy, with its stack:
# the check for a client thread that spins after the tests (see the module docstring).
PLUGIN = '''
import os
import sys
import threading
import time
import traceback

import langchain_core.messages  # noqa: F401


def pytest_addoption(parser):
    parser.addoption("--runslow", action="store_true", default=False)
    parser.addoption("--vcr-mode", default="none")  # replay recorded model calls only, never record


def _cpu_ticks():
    ticks = {}
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            ticks[int(tid)] = int(fields[11]) + int(fields[12])  # utime + stime
        except (OSError, IndexError, ValueError):
            pass
    return ticks


def pytest_unconfigure(config):
    before, interval = _cpu_ticks(), 2.0
    time.sleep(interval)
    after, hz = _cpu_ticks(), os.sysconf("SC_CLK_TCK")
    threads = {t.native_id: t for t in threading.enumerate()}
    frames = sys._current_frames()
    alive = [f"{t.name}{'' if t.daemon else ' (non-daemon)'}" for t in threads.values()
             if t is not threading.main_thread()]
    print(f"\\n[threads at exit] {len(alive)} alive besides the main one: {', '.join(alive) or 'none'}")
    for tid, total in after.items():
        share = (total - before.get(tid, 0)) / hz / interval
        if share > 0.2:
            thread = threads.get(tid)
            name = thread.name if thread else f"native thread {tid}"
            print(f"[threads at exit] BUSY: {name} at {share:.0%} CPU")
            if thread is not None and thread.ident in frames:
                print("".join(traceback.format_stack(frames[thread.ident])))
'''


def _run(*cmd: str | Path, **kwargs) -> None:
    print("$", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, **kwargs)


def prepare(workdir: Path, version: str) -> tuple[Path, Path]:
    """The unpacked sdist and the test venv's python, made once per SDK version."""
    source = workdir / f"langsmith-{version}"
    if not (source / "tests" / "integration_tests").is_dir():
        workdir.mkdir(parents=True, exist_ok=True)
        archive = workdir / f"langsmith-{version}.tar.gz"
        if not archive.exists():
            _run(sys.executable, "-m", "pip", "download", f"langsmith=={version}", "--no-binary", ":all:",
                 "--no-deps", "-d", workdir)
        with tarfile.open(archive) as tar:
            tar.extractall(workdir, filter="data")
    venv = workdir / f"venv-{version}"
    python = venv / "bin" / "python"
    stamp = venv / ".installed"
    if not stamp.exists():
        _run(sys.executable, "-m", "venv", "--clear", venv)
        _run(python, "-m", "pip", "install", "--quiet", f"langsmith[otel]=={version}", *TEST_TOOLS)
        stamp.touch()
    (workdir / "plugin").mkdir(exist_ok=True)
    (workdir / "plugin" / "techhub_sdk_tests_plugin.py").write_text(PLUGIN)
    return source, python


def counts(reports: list[Path]) -> tuple[int, int, list[str], int]:
    """(passed, total, failed test ids, skipped) from pytest's JUnit XML reports."""
    passed, failed, skipped = 0, [], 0
    for report in reports:
        for case in ElementTree.parse(report).getroot().iter("testcase"):
            name = f"{case.get('classname', '').replace('.', '/')}.py::{case.get('name')}"
            outcome = {child.tag for child in case}
            if "skipped" in outcome:  # skips and expected failures
                skipped += 1
            elif outcome & {"failure", "error"}:
                failed.append(name)
            else:
                passed += 1
    return passed, passed + len(failed), failed, skipped


def _environment(url: str, workdir: Path) -> dict[str, str]:
    dead_proxy = "http://127.0.0.1:9"  # nothing listens there: a request off loopback fails at once
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("LANGSMITH_", "LANGCHAIN_", "OPENAI_", "ANTHROPIC_"))}
    env.update({
        "LANGSMITH_ENDPOINT": url, "LANGCHAIN_ENDPOINT": url, "LANGSMITH_API_KEY": "sdk-tests",
        "LANGCHAIN_API_KEY": "sdk-tests", "LANGSMITH_TRACING": "true", "PYTHONPATH": str(workdir / "plugin"),
        "PYTHONFAULTHANDLER": "1", "HTTP_PROXY": dead_proxy, "HTTPS_PROXY": dead_proxy,
        "http_proxy": dead_proxy, "https_proxy": dead_proxy, "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    })
    return env


def run_file(python: Path, source: Path, workdir: Path, test_file: str, env: dict[str, str],
             extra: list[str], *, deadline: float, exit_grace: float) -> tuple[Path, bool]:
    """Run one test file in its own process; returns its JUnit report and whether it exited by itself."""
    report = workdir / "reports" / (Path(test_file).stem + ".xml")
    report.parent.mkdir(exist_ok=True)
    report.unlink(missing_ok=True)
    deselect = [arg for test in OUT_OF_SCOPE if test.startswith(test_file) for arg in ("--deselect", test)]
    cmd = [str(python), "-m", "pytest", test_file, *deselect, "-o", "addopts=", "-p", "no:cacheprovider",
           "-p", "techhub_sdk_tests_plugin", "--runslow", "--timeout", "120", "--timeout-method", "signal",
           "-q", "-rfE", f"--junitxml={report}", *extra]
    print("$", " ".join(cmd), flush=True)
    process = subprocess.Popen(cmd, cwd=source, env=env)
    finished_at = None
    while process.poll() is None:
        now = time.monotonic()
        if finished_at is None and report.exists():
            finished_at = now  # pytest writes the report at the end of its session
        if (finished_at is not None and now - finished_at > exit_grace) or now > deadline:
            why = f"{exit_grace:.0f}s after its last test" if finished_at is not None else "in time"
            print(f"\nThe test process did not exit {why}; its threads:", flush=True)
            process.send_signal(signal.SIGABRT)  # faulthandler prints every thread's stack
            time.sleep(2)
            process.kill()
            process.wait()
            return report, False
        time.sleep(0.2)
    if finished_at is not None:
        print(f"[{Path(test_file).name}] the test process exited {time.monotonic() - finished_at:.1f}s after"
              " writing its report", flush=True)
    return report, True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, default=REPO / ".techhub" / "sdk-tests")
    parser.add_argument("--target", type=float, default=0.95, help="pass share below which it exits 1")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds for the whole run")
    parser.add_argument("--exit-grace", type=float, default=60, help="seconds the test process may take to"
                        " exit after its last test")
    args, extra = parser.parse_known_args(argv)
    version = importlib.metadata.version("langsmith")
    source, python = prepare(args.workdir, version)
    data = args.workdir / "server"
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir(parents=True)
    server = start_server(data / "localsmith.db")
    reports, hung, missing = [], [], []
    deadline = time.monotonic() + args.timeout
    try:
        print(f"langsmith {version} tests against the local server at {server.url}", flush=True)
        env = _environment(server.url, args.workdir)
        for test_file in IN_SCOPE:
            report, exited = run_file(python, source, args.workdir, test_file, env, extra, deadline=deadline,
                                      exit_grace=args.exit_grace)
            (reports if report.exists() else missing).append(report)
            if not exited:
                hung.append(test_file)
    finally:
        server.stop()
    if missing:
        print(f"no report from {', '.join(r.stem for r in missing)}: those runs did not finish")
        return 1
    passed, total, failed, skipped = counts(reports)
    print(f"\nout of scope ({len(OUT_OF_SCOPE)}, deselected):")
    for test, why in OUT_OF_SCOPE.items():
        print(f"  {test}: {why}")
    print(f"failed ({len(failed)}):" + "".join(f"\n  {name}" for name in failed))
    share = passed / total if total else 0.0
    print(f"\nSDK integration tests: {passed}/{total} passed ({share:.1%}; {skipped} skipped or expected"
          f" to fail, not counted); target {args.target:.0%}: {'PASS' if share >= args.target else 'FAIL'}")
    if hung:
        print(f"Killed after their last test (thread stacks above): {', '.join(hung)}")
    return 0 if share >= args.target and not hung else 1


if __name__ == "__main__":
    sys.exit(main())

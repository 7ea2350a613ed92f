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
   nothing leaves the machine (PyPI in steps 1 and 2 aside);
5. prints every failure and ``passed/total`` (skipped and expected-failure tests are not counted),
   and exits 1 below ``--target``. If the test process has not exited ``--exit-grace`` seconds after
   its last test, it prints the stacks of its threads (``faulthandler``), says so, and kills it.
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
}
TEST_TOOLS = (
    "pytest>=8,<10", "pytest-asyncio>=1,<2", "pytest-timeout>=2.3,<3", "vcrpy>=7,<10", "freezegun>=1.2,<2",
    "httpx>=0.23,<1", "langchain-core>=1,<1.5",
)
# The suite's conftest reads two options its own repository registers elsewhere. langchain_core is
# imported up front: a test imports it first under freezegun's fake ``date``, which pydantic.v1 cannot
# subclass (in the SDK's own environment another module has imported it by then).
PLUGIN = '''
import langchain_core.messages  # noqa: F401


def pytest_addoption(parser):
    parser.addoption("--runslow", action="store_true", default=False)
    parser.addoption("--vcr-mode", default="none")  # replay recorded model calls only, never record
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


def counts(report: Path) -> tuple[int, int, list[str], int]:
    """(passed, total, failed test ids, skipped) from pytest's JUnit XML."""
    passed, failed, skipped = 0, [], 0
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


def run_tests(python: Path, source: Path, workdir: Path, url: str, extra: list[str], *, timeout: float,
              exit_grace: float) -> tuple[Path, bool]:
    """Run the suite; returns the JUnit report and whether the process exited on its own."""
    report = workdir / "report.xml"
    report.unlink(missing_ok=True)
    deselect = [arg for test in OUT_OF_SCOPE for arg in ("--deselect", test)]
    cmd = [str(python), "-m", "pytest", *IN_SCOPE, *deselect, "-o", "addopts=", "-p", "no:cacheprovider",
           "-p", "techhub_sdk_tests_plugin", "--runslow", "--timeout", "120", "--timeout-method", "signal",
           "-q", "-rfE", f"--junitxml={report}", *extra]
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
    print("$", " ".join(cmd), flush=True)
    process = subprocess.Popen(cmd, cwd=source, env=env)
    deadline = time.monotonic() + timeout
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
        time.sleep(0.5)
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
    try:
        print(f"langsmith {version} tests against the local server at {server.url}", flush=True)
        report, exited = run_tests(python, source, args.workdir, server.url, extra, timeout=args.timeout,
                                   exit_grace=args.exit_grace)
    finally:
        server.stop()
    if not report.exists():
        print("no report: the test run did not finish")
        return 1
    passed, total, failed, skipped = counts(report)
    print(f"\nout of scope ({len(OUT_OF_SCOPE)}, deselected):")
    for test, why in OUT_OF_SCOPE.items():
        print(f"  {test}: {why}")
    print(f"failed ({len(failed)}):" + "".join(f"\n  {name}" for name in failed))
    share = passed / total if total else 0.0
    print(f"\nSDK integration tests: {passed}/{total} passed ({share:.1%}; {skipped} skipped or expected"
          f" to fail, not counted); target {args.target:.0%}: {'PASS' if share >= args.target else 'FAIL'}")
    if not exited:
        print("The test process had to be killed (see the thread stacks above).")
    return 0 if share >= args.target and exited else 1


if __name__ == "__main__":
    sys.exit(main())

"""W&B logging writes an offline run under the state folder, prints nothing and uses no network.

The child process runs in a new network namespace (``unshare -n``: no route anywhere) and under
``strace``, which records every ``connect`` it or W&B's ``wandb-core`` service attempts: an attempt
to reach a non-loopback address fails the test even though the namespace would have blocked it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap

import pytest

try:
    import wandb  # noqa: F401
except ImportError:  # a failure, not a skip: `make` installs the extra
    raise ImportError("wandb is missing: pip install -e '.[dev,monitoring]' (the monitoring extra)") from None

from techhub.rollout.wandb_monitor import wandb_dir, wandb_mode

CHILD = textwrap.dedent(
    """
    import json, sys
    from datetime import UTC, datetime
    from techhub.rollout import daily_report, load_rollout_config, priced_record
    from techhub.rollout.wandb_monitor import WandbMonitor

    config = load_rollout_config()
    records = [
        priced_record(model="gpt-4o-mini", input_tokens=1000 * (i + 1), output_tokens=100, run_id=f"r{i}",
                      start_time=datetime(2025, 11, 20, 10, i, tzinfo=UTC), latency_s=0.5,
                      topic="orders" if i % 2 else "products", sentiment="positive")
        for i in range(5)
    ]
    with WandbMonitor(config.production, name="offline-test") as monitor:
        logged = monitor.log_queries(records)
        monitor.log_daily_report(daily_report(records, config=config))
        run_dir = str(monitor.run_dir)
    with open(sys.argv[1], "w") as out:
        json.dump({"run_dir": run_dir, "logged": logged, "mode": monitor.mode}, out)
    """
)

_INET_CONNECT = re.compile(
    r"connect\(\d+, \{sa_family=AF_INET6?, .*?(inet_addr\(\"([^\"]+)\"\)|inet_pton\(AF_INET6, \"([^\"]+)\")"
)


def remote_connects(strace_output: str) -> list[str]:
    """The ``connect`` calls of an strace log that aim at anything but loopback."""
    attempts = _INET_CONNECT.finditer(strace_output)
    return [m.group(0) for m in attempts if (m.group(2) or m.group(3)) not in ("127.0.0.1", "::1")]


def _traced(tmp_path, script: str, args: list[str], env: dict) -> tuple[subprocess.CompletedProcess, str]:
    trace_file = tmp_path / "strace.txt"
    command = ["strace", "-f", "-e", "trace=connect", "-o", str(trace_file), sys.executable, script, *args]
    if _can_unshare():
        command = ["unshare", "-n", *command]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=240)
    return done, trace_file.read_text()


def _can_unshare() -> bool:
    if not shutil.which("unshare"):
        return False
    return subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0


@pytest.mark.skipif(not shutil.which("strace"), reason="needs strace to watch for connection attempts")
def test_offline_run_is_written_with_no_network_and_no_output(tmp_path):
    home = tmp_path / "home"
    result_file, script = tmp_path / "result.json", tmp_path / "child.py"
    script.write_text(CHILD)
    env = {key: value for key, value in os.environ.items() if not key.startswith("WANDB_")}
    env["TECHHUB_HOME"] = str(home)
    done, trace = _traced(tmp_path, str(script), [str(result_file)], env)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout == "" and done.stderr == ""  # nothing a notebook cell would show
    assert "AF_UNIX" in trace  # strace did watch (W&B talks to its service over a unix socket)
    assert remote_connects(trace) == []

    result = json.loads(result_file.read_text())
    assert result["mode"] == "offline" and result["logged"] == 5
    run_dir = home / "wandb" / os.path.basename(result["run_dir"])
    assert run_dir.name.startswith("offline-run-") and run_dir.parent == wandb_dir(home)
    [log] = run_dir.glob("run-*.wandb")
    content = log.read_bytes()
    for key in (b"latency_ms", b"cost", b"daily/total_queries", b"daily/top_topics", b"offline-test"):
        assert key in content, key
    assert not (tmp_path / "wandb").exists()  # nothing outside the state folder


@pytest.mark.skipif(not shutil.which("strace"), reason="needs strace to watch for connection attempts")
def test_the_watch_sees_an_attempt_to_leave_the_machine(tmp_path):
    script = tmp_path / "leak.py"
    script.write_text(
        "import socket\n"
        "for host in ('127.0.0.1', '192.0.2.1'):\n"
        "    s = socket.socket(); s.settimeout(0.2); s.connect_ex((host, 80)); s.close()\n"
    )
    done, trace = _traced(tmp_path, str(script), [], dict(os.environ))
    assert done.returncode == 0
    [attempt] = remote_connects(trace)
    assert "192.0.2.1" in attempt


def test_mode_is_online_only_with_an_api_key(monkeypatch):
    monkeypatch.delenv("WANDB_API_KEY", raising=False)
    assert wandb_mode() == "offline"
    monkeypatch.setenv("WANDB_API_KEY", "  ")
    assert wandb_mode() == "offline"
    monkeypatch.setenv("WANDB_API_KEY", "not-a-real-key")
    assert wandb_mode() == "online"

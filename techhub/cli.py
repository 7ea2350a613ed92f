"""``techhub``: start, stop and inspect the course's services, build the store, serve localsmith.

``techhub up`` is what ``make workshop`` runs: it builds the TechHub database, starts the local
LangSmith server and the LangGraph agent server in the background (only those the active mode needs),
and prints their URLs with the one-line mode summary. ``down`` stops them, ``status`` shows them,
``reset`` stops them and deletes every piece of local state so the next ``up`` starts clean.
``traffic`` sends simulated customers to the deployment.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path

from techhub import services
from techhub.config import REPO_ROOT, ConfigError, Settings, get_settings

EXIT_ERROR = 1
EXIT_CONFIG = 2


class SetupError(RuntimeError):
    """A set-up step failed for a reason the learner can fix (the message says which)."""


def _build_database() -> Path:
    # Imported lazily: `techhub status` and `down` must work even if the data layer cannot import.
    from techhub.db import database_path

    try:
        return Path(database_path())
    except (OSError, ValueError, sqlite3.Error) as exc:
        raise SetupError(f"could not build the TechHub database: {exc}") from exc


def _report(state: services.ServiceStatus, started: bool) -> None:
    note = "started" if started else "already running"
    print(f"{state.name:<13} {state.url:<24} {note} (pid {state.pid}, log: {state.log})", flush=True)


def cmd_up(settings: Settings, _: argparse.Namespace) -> int:
    print(settings.summary(), flush=True)
    print(f"{'database':<13} {_build_database()}", flush=True)
    services.up(settings, report=_report)
    if settings.deployment_url:
        remote = "remote deployment (LANGGRAPH_DEPLOYMENT_URL)"
        print(f"{'agent-server':<13} {settings.deployment_url:<24} {remote}")
    if settings.langsmith_backend == "cloud":
        print(f"{'langsmith':<13} {settings.langsmith_endpoint:<24} LangSmith cloud")
    return 0


def cmd_down(settings: Settings, _: argparse.Namespace) -> int:
    stopped = services.down(settings)
    print(f"stopped: {', '.join(stopped)}" if stopped else "nothing was running")
    return 0


def cmd_status(settings: Settings, _: argparse.Namespace) -> int:
    print(settings.summary())
    for spec in services.all_specs(settings):
        print(services.status(spec, settings.home).line())
    return 0


def cmd_reset(settings: Settings, _: argparse.Namespace) -> int:
    """Stop the services and delete the state folder and the agent server's pickled threads."""
    home = settings.home
    if home.exists() and home.name != ".techhub" and not (home / services.HOME_MARKER).exists():
        print(
            f"error: refusing to delete {home}: it is neither named .techhub nor marked by techhub "
            f"({services.HOME_MARKER}). Check TECHHUB_HOME.",
            file=sys.stderr,
        )
        return EXIT_ERROR
    services.down(settings)
    removed = []
    if home.exists():
        shutil.rmtree(home)
        removed.append(str(home))
    # Left by a `langgraph dev` started by hand from the repository root.
    stray = REPO_ROOT / ".langgraph_api"
    if stray.exists():
        shutil.rmtree(stray)
        removed.append(str(stray))
    print(f"removed: {', '.join(removed)}" if removed else "nothing to remove")
    return 0


def cmd_db_build(_: Settings, __: argparse.Namespace) -> int:
    print(_build_database())
    return 0


def cmd_traffic(settings: Settings, args: argparse.Namespace) -> int:
    """Simulated customers talking to the deployment; prints the summary and the wall time."""
    from techhub.deployment import DeploymentError, get_deployment_client, resolve_assistant
    from techhub.traffic import run_traffic

    for option, value in (("--conversations", args.conversations), ("--concurrency", args.concurrency)):
        if value < 1:
            print(f"error: {option} must be at least 1, not {value}", file=sys.stderr)
            return EXIT_CONFIG
    client = get_deployment_client(settings)
    try:
        resolve_assistant(client, args.assistant)
    except DeploymentError as exc:
        # Raised from an HTTP error: the server is down or failing. Raised on its own: no such name.
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR if exc.__cause__ is not None else EXIT_CONFIG
    try:
        summary = run_traffic(args.conversations, args.concurrency, args.assistant, args.seed, client=client)
    except DeploymentError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    print(summary)
    print(f"wall time {summary.wall_seconds:.1f} s for {summary.turns} customer messages")
    for thread in summary.errors:
        print(f"error: conversation {thread.index + 1} ({thread.persona}): {thread.error}", file=sys.stderr)
    return EXIT_ERROR if summary.errors else 0


def cmd_localsmith(_: Settings, args: argparse.Namespace) -> int:
    from techhub.localsmith.server import main as serve

    serve(args.server_args)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="techhub", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser(
        "up", help="build the database and start the services in the background"
    ).set_defaults(handler=cmd_up)
    commands.add_parser("down", help="stop the services started by `up`").set_defaults(handler=cmd_down)
    commands.add_parser("status", help="show the mode and each service").set_defaults(handler=cmd_status)
    commands.add_parser(
        "reset", help="stop the services and delete all local state (.techhub/, .langgraph_api/)"
    ).set_defaults(handler=cmd_reset)
    traffic = commands.add_parser(
        "traffic",
        help="simulated customers talking to the deployment (several conversations at a time)",
        description="Personas from the store's customers talk to the deployed agent; each thread and "
        "root run carries the persona and the batch id in its metadata.",
    )
    traffic.add_argument("--conversations", "-n", type=int, default=12, help="how many (default 12)")
    traffic.add_argument("--concurrency", "-k", type=int, default=8, help="how many at a time (default 8)")
    traffic.add_argument(
        "--assistant", default="techhub-v1", help="techhub-v1 (default) or techhub-v2; v1 / v2 for short"
    )
    traffic.add_argument("--seed", type=int, default=0, help="same seed, same conversations offline")
    traffic.set_defaults(handler=cmd_traffic)
    serve = commands.add_parser(
        "localsmith",
        help="serve the local LangSmith server in the foreground",
        description="Options go to `python -m techhub.localsmith`: --host, --port, --db, --max-body-bytes.",
    )
    serve.set_defaults(handler=cmd_localsmith)
    db = commands.add_parser("db", help="the TechHub store").add_subparsers(
        dest="db_command", required=True, metavar="ACTION"
    )
    db.add_parser("build", help="build .techhub/techhub.db from data/ (if needed)").set_defaults(
        handler=cmd_db_build
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``techhub`` console script; returns the exit code."""
    parser = build_parser()
    # `localsmith` passes its options through to the server's own parser (which checks them).
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "localsmith":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.server_args = extra
    try:
        settings = get_settings()
        return args.handler(settings, args)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except (services.ServiceError, SetupError) as exc:
        sys.stdout.flush()
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())

"""``techhub``: start, stop and inspect the course's services, build the store, serve localsmith.

``techhub up`` is what ``make workshop`` runs: it builds the TechHub database, starts the local
LangSmith server and the LangGraph agent server in the background (only those the active mode needs),
and prints their URLs with the one-line mode summary. ``down`` stops them, ``status`` shows them,
``reset`` stops them and deletes every piece of local state so the next ``up`` starts clean.
``traffic`` sends simulated customers to the deployment.
"""

from __future__ import annotations

import argparse
import json
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


def cmd_status(settings: Settings, args: argparse.Namespace) -> int:
    statuses = [services.status(spec, settings.home) for spec in services.all_specs(settings)]
    if args.json:
        needed = {spec.name for spec in services.specs(settings)}
        report = {
            "mode": settings.mode,
            "summary": settings.summary(),
            "model_backend": settings.model_backend,
            "langsmith_backend": settings.langsmith_backend,
            "langsmith_endpoint": settings.langsmith_endpoint,
            "langsmith_project": settings.langsmith_project,
            "deployment_url": settings.deployment_url,
            "services": [
                {
                    "name": s.name, "state": s.state, "url": s.url, "pid": s.pid, "log": str(s.log),
                    "detail": s.detail, "needed": s.name in needed,
                }  # fmt: skip
                for s in statuses
            ],
        }
        print(json.dumps(report, indent=2))
        return 0
    print(settings.summary())
    for state in statuses:
        print(state.line())
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


SMOKE_EPILOG = """exit codes: 0 every check passed; 3 the deployment answered but a threshold failed
(success, latency p95 or cost per query: the table says which); 1 a service problem (the agent server
or LangSmith unreachable, traces missing); 2 bad arguments: an unknown assistant, an invalid rollout
configuration."""

ROLLBACK_EPILOG = """The seed's manual rollback procedure, as one command:
  1. revert the configuration: the assistant serves its previous version again (assistants.set_latest;
     the deployment keeps every version);
  2. restart the application servers: not needed, every new conversation reads the assistant's
     configuration (a conversation under way keeps the one its thread started with);
  3. verify: the smoke test runs against the restored assistant (--no-verify to skip);
  4. post-mortem: write it, starting from the decision log and the alerts.
exit codes: 0 rolled back (and verified); 3 rolled back but the smoke test failed a threshold;
1 a service problem or nothing to roll back to; 2 bad arguments."""


def _rollout_config(path: str | None):
    """The rollout configuration, or None after printing why it is invalid (exit with EXIT_CONFIG)."""
    from techhub.rollout import RolloutConfigError, load_rollout_config

    try:
        return load_rollout_config(path)
    except RolloutConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None


def _print_smoke(result, as_json: bool) -> None:
    if as_json:
        report = {
            "assistant": result.assistant,
            "project": result.project,
            "batch_id": result.batch_id,
            "passed": result.passed,
            "exit_code": result.exit_code,
            "checks": [
                {"check": c.name, "value": c.value, "threshold": c.limit, "passed": c.passed}
                for c in result.checks
            ],
            "conversations": [
                {"name": c.case.name, "turns": c.turns, "passed": c.passed, "problem": c.problem}
                for c in result.cases
            ],
        }
        print(json.dumps(report, indent=2))
    else:
        print(result.table())


def cmd_smoke(settings: Settings, args: argparse.Namespace) -> int:
    """The 8-conversation smoke test against an assistant, checked against the production thresholds."""
    from techhub.deployment import DeploymentError, get_deployment_client
    from techhub.rollout.smoke import run_smoke

    config = _rollout_config(args.config)
    if config is None:
        return EXIT_CONFIG
    try:
        result = run_smoke(
            args.assistant, project=args.project, config=config, client=get_deployment_client(settings)
        )
    except DeploymentError as exc:
        # Raised from an HTTP error: the server is down or failing. Raised on its own: no such assistant.
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR if exc.__cause__ is not None else EXIT_CONFIG
    except TimeoutError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    _print_smoke(result, args.json)
    return result.exit_code


def cmd_rollout_status(settings: Settings, _: argparse.Namespace) -> int:
    """Each rollout assistant: the version it serves and what that version runs."""
    from techhub.deployment import DeploymentError, get_deployment_client
    from techhub.rollout.assistants import ROLLOUT_ASSISTANTS, assistant_versions, describe

    client = get_deployment_client(settings)
    try:
        for name in ROLLOUT_ASSISTANTS:
            try:
                assistant, versions = assistant_versions(client, name)
            except DeploymentError as exc:
                if exc.__cause__ is not None:
                    raise
                print(f"{name:<20} not created yet (`techhub smoke` creates the rollout's assistants)")
                continue
            served = f"serves version {assistant['version']} of {len(versions)}"
            print(f"{name:<20} {served}: {describe(assistant)}")
    except DeploymentError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    return 0


def cmd_rollout_rollback(settings: Settings, args: argparse.Namespace) -> int:
    """The manual rollback: previous version, no restart, smoke test, post-mortem reminder."""
    from techhub.deployment import DeploymentError, get_deployment_client
    from techhub.rollout.assistants import STAGING_PROJECT, rollback_assistant
    from techhub.rollout.smoke import run_smoke

    config = _rollout_config(args.config)
    if config is None:
        return EXIT_CONFIG
    client = get_deployment_client(settings)
    try:
        done = rollback_assistant(client, args.assistant, to_version=args.to_version)
        print(f"1. reverted {done}")
        print("2. no restart: new conversations get it; those under way keep the one they started with")
        if args.no_verify:
            print("3. verification skipped (--no-verify): run `techhub smoke --assistant ...` yourself")
            code = 0
        else:
            result = run_smoke(args.assistant, project=STAGING_PROJECT, config=config, client=client)
            print(f"3. verified with the smoke test (traced in {STAGING_PROJECT}):")
            print("   " + result.table().replace("\n", "\n   "))
            code = result.exit_code
    except (DeploymentError, TimeoutError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    print("4. post-mortem: write down what changed, what the triggers and alerts saw, and the decision log")
    return code


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="techhub", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser(
        "up", help="build the database and start the services in the background"
    ).set_defaults(handler=cmd_up)
    commands.add_parser("down", help="stop the services started by `up`").set_defaults(handler=cmd_down)
    status = commands.add_parser("status", help="show the mode and each service")
    status.add_argument(
        "--json", action="store_true", help="print JSON: the mode, and per service its name, state, url, pid"
    )
    status.set_defaults(handler=cmd_status)
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
    _add_rollout_commands(commands)
    return parser


def _add_rollout_commands(commands: argparse._SubParsersAction) -> None:
    """``smoke`` and ``rollout``: the cost-optimised rollout of notebook 07."""
    smoke = commands.add_parser(
        "smoke",
        help="8 fixed conversations against an assistant, checked against the production thresholds",
        description="The rollout's smoke test: 8 scripted conversations (orders with verification, "
        "products, policies, chit-chat, a refused cancellation, off topic) against the assistant, "
        "traced into the staging project; checks success, latency p95 and cost per query against "
        "[production.thresholds] of the rollout configuration and prints a table.",
        epilog=SMOKE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    smoke.add_argument("--assistant", default="techhub-staging", help="default techhub-staging")
    smoke.add_argument(
        "--project", default="techhub-workshop-staging", help="tracing project (default: the staging one)"
    )
    smoke.add_argument("--config", help="rollout configuration file (default techhub/rollout/rollout.toml)")
    smoke.add_argument("--json", action="store_true", help="print the result as JSON")
    smoke.set_defaults(handler=cmd_smoke)

    rollout = commands.add_parser("rollout", help="the rollout's assistants: status, manual rollback")
    actions = rollout.add_subparsers(dest="rollout_command", required=True, metavar="ACTION")
    actions.add_parser(
        "status", help="the version each rollout assistant serves, and what it runs"
    ).set_defaults(handler=cmd_rollout_status)
    rollback = actions.add_parser(
        "rollback",
        help="serve the previous configuration of an assistant again, then verify with the smoke test",
        description="Manual rollback of a rollout assistant to an earlier version.",
        epilog=ROLLBACK_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    rollback.add_argument("--assistant", default="techhub-production", help="default techhub-production")
    rollback.add_argument(
        "--to-version", type=int, help="the version to serve (default: the newest earlier one that differs)"
    )
    rollback.add_argument("--no-verify", action="store_true", help="skip the smoke test afterwards")
    rollback.add_argument("--config", help="rollout configuration file for the smoke test's thresholds")
    rollback.set_defaults(handler=cmd_rollout_rollback)


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

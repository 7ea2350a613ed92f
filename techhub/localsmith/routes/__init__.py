"""HTTP routes, one module per area of LangSmith's API. Each module exposes ``router``."""

from techhub.localsmith.routes import datasets, feedback, info, projects, queues, rules, runs, v2

# Starlette tries routers in order: runs first, because the SDK's ingest calls are most of the
# traffic (measured: ~0.2 ms per request to reach /runs/multipart when it came fifth). The runs
# router's /runs/{run_id} only matches UUIDs, so rules' /runs/rules... paths still reach rules.
ROUTERS = [runs.router, rules.router, info.router, queues.router, projects.router, feedback.router,
           datasets.router]
# Routers with absolute paths (the v2 API, /api/v2/...): mounted once, not under /api/v1 as well.
ABSOLUTE_ROUTERS = [v2.router]

"""HTTP routes, one module per area of LangSmith's API. Each module exposes ``router``."""

from techhub.localsmith.routes import datasets, feedback, info, projects, queues, rules, runs

# rules first: its /runs/rules must win over the runs router's /runs/{run_id}.
ROUTERS = [info.router, rules.router, queues.router, projects.router, runs.router, feedback.router,
           datasets.router]

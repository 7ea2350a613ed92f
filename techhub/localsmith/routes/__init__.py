"""HTTP routes, one module per area of LangSmith's API. Each module exposes ``router``."""

from techhub.localsmith.routes import datasets, feedback, info, projects, runs

ROUTERS = [info.router, projects.router, runs.router, feedback.router, datasets.router]

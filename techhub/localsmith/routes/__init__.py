"""HTTP routes, one module per area of LangSmith's API. Each module exposes ``router``."""

from techhub.localsmith.routes import datasets, info

ROUTERS = [info.router, datasets.router]

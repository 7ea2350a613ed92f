"""``pytest --nbval`` over the notebooks: each run gets its own offline services, stopped afterwards.

Whether pytest is started bare at the repository root, on ``notebooks/`` or by ``make test``, the
notebooks run as a fresh offline learner would run them (see :mod:`techhub.harness`): the kernels
inherit this process's environment, and the services they need are up before the first cell runs.
"""

from __future__ import annotations

from contextlib import ExitStack

import pytest

from techhub.harness import offline_course

_stack = ExitStack()


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]):
    if any(item.path.suffix == ".ipynb" for item in items):
        _stack.enter_context(offline_course())


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _stack.close()

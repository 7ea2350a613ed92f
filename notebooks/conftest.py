"""``pytest --nbval`` over the notebooks: each run gets its own offline services, stopped afterwards.

Whether pytest is started bare at the repository root, on ``notebooks/`` or by ``make test``, the
notebooks run as a fresh offline learner would run them (see :mod:`techhub.harness`). The learner's
environment applies only while a notebook's cells run (a kernel inherits it when it starts), so the
unit tests collected in the same session keep theirs.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from techhub.harness import OfflineCourse

_course: OfflineCourse | None = None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    global _course
    if item.path.suffix != ".ipynb":
        yield
        return
    if _course is None:
        _course = OfflineCourse()
        _course.start()
    with _course.environment():
        yield


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _course is not None:
        _course.stop()

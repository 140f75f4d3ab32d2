"""Helpers for tests against the simulator: the fast timing settings, ``wait_until``, ``play``.

Standard library only. The pytest fixtures built on these are in ``kylin_sim.pytest_plugin``.
"""

from .control import wait_until

__all__ = ["FAST", "ADMIN", "wait_until", "play"]

# The one set of fast timing settings for tests (keys of PUT /_sim/config, and of the CLI as --start-delay ...).
# Short, but in the order a real server has them: YARN accepts the app before the launch completes, a stop
# takes a trigger interval, FORCE_STOP is not instantaneous. The server-side auto-retry of ERROR jobs keeps
# its real interval (minutes), so that an ERROR job stays ERROR while a test looks at it.
# `kylin-sim --fast` and the marker option `fast=True` (the default) apply it.
FAST = {
    "start_delay": 0.3,
    "yarn_accept_delay": 0.15,
    "stop_delay": 0.2,
    "kill_delay": 0.01,
    "kill_idle_delay": 0.0,
    "start_work": 0.0,
    "stop_work": 0.0,
}

# The simulator's admin user, as the connection options of the kylin.streaming modules.
ADMIN = {"username": "ADMIN", "password": "KYLIN"}


def play(tasks, connection=None, name="kylin", hosts="localhost", **extra):
    """One play (a dict) running ``tasks`` on ``hosts``, with no fact gathering.

    ``connection`` (e.g. ``{"url": sim.url, "username": "ADMIN", "password": "KYLIN"}``) is given to every
    ``kylin.streaming`` module through ``module_defaults``. ``extra`` adds play keywords (``vars``...).
    """
    body = {"name": name, "hosts": hosts, "gather_facts": False, "tasks": list(tasks)}
    if connection:
        body["module_defaults"] = {"group/kylin.streaming.kylin": dict(connection)}
    body.update(extra)
    return body

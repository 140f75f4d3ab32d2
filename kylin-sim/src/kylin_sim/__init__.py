"""A stand-alone simulator of the Apache Kylin 5 / Kyligence Enterprise streaming-job REST API.

Standard library only at run time. See the README of the ``kylin-sim`` distribution. Start it with
``kylin-sim`` (or ``python -m kylin_sim``), test against it with the pytest plugin (``kylin_sim.pytest_plugin``:
fixtures ``kylin_sim``, ``kylin_playbook``, ...), or from Python::

    from kylin_sim.server import SimServer
    sim = SimServer(port=0, seed="demo").start()
    ...
    sim.stop()
"""

__version__ = "1.0.0"

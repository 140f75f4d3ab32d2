"""A stand-alone simulator of the Apache Kylin 5 / Kyligence Enterprise streaming-job REST API.

Standard library only. See ``docs/simulator.md``. Start it with ``PYTHONPATH=tests python -m kylin_sim``
or from Python::

    from kylin_sim.server import SimServer
    sim = SimServer(port=0, seed="demo").start()
    ...
    sim.stop()
"""

__version__ = "1.0.0"

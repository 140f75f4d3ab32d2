"""Several Kylin nodes behind one load-balanced port (``docs/kylin-api.md`` section 7).

One node owns every project (``owner_node``): writes are forwarded to it and applied to the store,
which is the owner's true state. Reads are answered by whichever node the load balancer picked, from
that node's metadata cache: a node that is not the owner catches up with the owner's audit log every
``catchup_interval`` seconds (5 s on a real Kylin), so its view is the owner's state as of its last
catch-up. A node that forwarded a write catches up at once when the owner's answer comes back
(``BaseFilter.tryCatchUp``).

Under load a catch-up can stall (docs/kylin-api.md §11.5: audit rows that commit late are retried for up
to 5 min): with ``catchup_stall_rate`` R, each catch-up tick of each node stalls with probability R
(a hash of node and tick, so runs repeat), and the node then stays where its previous catch-up left it
for ``catchup_stall`` seconds, longer than the catch-up interval; catch-ups after forwarded writes do
not help it meanwhile (they read the same audit log).

Views cost nothing until something changes: before a job meta changes, ``touch`` keeps a copy of it as
it was (copy on write, at most one per job per catch-up period), and a lagging read takes, for each
job, the copy that was current at the node's catch-up time, or the live job when it has not changed
since. Nothing scans all jobs per tick, so 10,000 jobs stay cheap.
"""

import math
import random
import zlib

LB_POLICIES = ("round_robin", "random")


class Cluster:
    """The nodes, the load balancer and the catch-up bookkeeping; callers hold the store lock."""

    def __init__(self, store, now):
        self.store = store
        self.reset(now)

    def reset(self, now):
        self.next_node = 0
        self.rng = random.Random(0)
        self.anchor = now        # catch-up ticks are anchor + k * interval
        self.forced = {}         # node -> time of its last catch-up after a forwarded write
        self.floor = now         # every node caught up at this time (control API changes, config changes)
        self.seq = 0             # bumped by every catch-up outside the ticks

    # ------------------------------------------------------------------ config

    @property
    def count(self):
        return max(1, int(self.store.config["nodes"]))

    @property
    def owner(self):
        return min(int(self.store.config["owner_node"]), self.count - 1)

    def interval(self):
        return self.store.seconds("catchup_interval")

    def lags(self):
        return self.count > 1 and self.interval() > 0

    # ------------------------------------------------------------------ load balancer

    def pick(self, wanted=None):
        """The node a request goes to: ``wanted`` (the request's ``X-Kylin-Sim-Node`` header) if valid, else the policy's."""
        count = self.count
        if wanted is not None:
            try:
                node = int(wanted)
            except ValueError:
                node = -1
            if 0 <= node < count:
                return node
        if self.store.config["lb_policy"] == "random":
            return self.rng.randrange(count)
        node = self.next_node % count
        self.next_node = (node + 1) % count
        return node

    # ------------------------------------------------------------------ catch-up

    def _tick_index(self, when):
        return math.floor((when - self.anchor) / self.interval())

    def asof(self, node, now):
        """The owner's time that ``node``'s view shows at ``now``; None = the live state (owner, or no lag)."""
        if node == self.owner or not self.lags():
            return None
        index = self._tick_index(now)
        tick = self.anchor + index * self.interval()
        forced = self.forced.get(node, self.floor)
        stalled = self._stalled_since(node, index, now)
        if stalled is not None:  # stuck where the catch-up before the stalled one left it
            return max(stalled - self.interval(), forced if forced < stalled else self.floor, self.floor)
        return max(tick, forced, self.floor)

    def _stalled_since(self, node, index, now):
        """The time of the earliest stalled catch-up tick of ``node`` that still holds it back at ``now``, or None."""
        config = self.store.config
        rate = float(config["catchup_stall_rate"])
        stall = self.store.seconds("catchup_stall")
        if rate <= 0 or stall <= 0:
            return None
        interval = self.interval()
        for k in range(max(1, index - int(math.ceil(stall / interval))), index + 1):
            tick = self.anchor + k * interval
            if tick + stall > now and zlib.crc32(b"%d:%d" % (node, k)) / 4294967296.0 < rate:
                return tick
        return None

    def catch_up(self, node, now):
        """``node`` reads the audit log up to ``now`` (after forwarding a write that succeeded)."""
        if node != self.owner:
            self.forced[node] = now
            self.seq += 1

    def catch_up_all(self, now):
        """Every node is up to date (changes made through the control API are seen everywhere at once)."""
        self.floor = now
        self.forced = {}
        self.seq += 1

    def reanchor(self, now):
        """The node count, owner or catch-up interval changed: start the ticks again, everyone up to date."""
        self.anchor = now
        self.catch_up_all(now)

    def _lowest_asof(self, now):
        owner = self.owner
        return min(self.asof(node, now) for node in range(self.count) if node != owner)

    # ------------------------------------------------------------------ copy on write

    def touch(self, job, when):
        """Called before ``job``'s meta changes at ``when``: keep the version lagging nodes may still show."""
        if not self.lags():
            return
        key = (self._tick_index(when), self.seq)
        history = job.history
        if history:
            if history[-1][1] == key:
                return  # no node can have caught up since the last copy: it still stands for this change
            lowest = self._lowest_asof(when)
            history[:] = [entry for entry in history if entry[0] > lowest]
        if not history:
            history = job.history = []
        history.append((when, key, job.copy()))

    @staticmethod
    def view(job, asof):
        """``job`` as a node that caught up at ``asof`` shows it."""
        history = job.history
        if not history or asof is None:
            return job
        for when, dummy, copy in history:
            if when > asof:
                return copy
        return job

    def status(self, now):
        """``GET /_sim/nodes``."""
        views = []
        for node in range(self.count):
            asof = self.asof(node, now)
            views.append({"node": node, "owner": node == self.owner,
                          "caught_up_at": None if asof is None else int(asof * 1000),
                          "lag_ms": 0 if asof is None else int((now - asof) * 1000)})
        return {"nodes": self.count, "owner": self.owner, "lb_policy": self.store.config["lb_policy"],
                "catchup_interval": self.interval(), "views": views}

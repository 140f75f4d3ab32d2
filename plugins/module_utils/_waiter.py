# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Internal use only: the waits of the ``job`` module's loop: every read after the selection, and every sleep.

The runner (``_reconcile``) decides and acts; this waits and reads, in one place that counts the
polls (``polls`` in the result, docs/design.md §5), the health gate's stats reads and the reads that
failed. When to poll is
``_timing``'s decision; what a read proves is ``_evidence``'s.
"""

from ansible_collections.kylin.streaming.plugins.module_utils._backoff import Backoff
from ansible_collections.kylin.streaming.plugins.module_utils._errors import (
    KylinAuthError,
    KylinClusterError,
    KylinError,
    KylinNotFoundError,
    KylinPermissionError,
)
from ansible_collections.kylin.streaming.plugins.module_utils._evidence import Seen
from ansible_collections.kylin.streaming.plugins.module_utils._inventory import read_jobs

# Requests, at least, before the history of a job (``GET /records``) counts as unreadable.
HISTORY_ATTEMPTS = 4
HISTORY_BACKOFF = Backoff(first=0.5, maximum=8.0)

# An error that ends the task at once: a refused login or permission, an unknown project, a refusal of
# the whole cluster or project (maintenance mode, streaming disabled, no job node, no resource group).
FINAL_ERRORS = (KylinAuthError, KylinPermissionError, KylinNotFoundError, KylinClusterError)


class Reading:
    """One list read: rows by job id, with the times it was sent and answered (this machine's clock)."""

    __slots__ = ('rows', 'asked', 'answered')

    def __init__(self, rows, asked, answered):
        self.rows = rows
        self.asked = asked
        self.answered = answered

    def seen(self, job_id):
        row = self.rows.get(job_id)
        return None if row is None else Seen(row, self.asked, self.answered)


class Waiter:
    """Reads and sleeps of the loop. ``polls`` counts its list reads; failed reads are counted, not raised."""

    def __init__(self, client, project, clock, sleep):
        self.client = client
        self.project = project
        self.clock = clock
        self._sleep = sleep
        self.polls = 0
        self.stats_reads = 0
        self.read_errors = 0
        self.last_read_error = None

    def sleep(self, seconds):
        if seconds > 0:
            self._sleep(seconds)

    def reread(self, ids=None):
        """One list read of ``ids`` (None: the whole project): a ``Reading``.

        A failure that ends the task (``FINAL_ERRORS``) goes through; any other is counted and gives
        None, for the caller to try again at its next poll.
        """
        asked = self.clock()
        self.polls += 1
        rows = self._counted(read_jobs, self.client, self.project, job_ids=ids)
        return None if rows is None else Reading({row.get('uuid'): row for row in rows}, asked, self.clock())

    def records(self, job_id):
        """``GET /records`` of one job, newest first (only on the uncertain path); None when it failed.

        A failed history read is tried again, like a failed poll, until ``HISTORY_ATTEMPTS`` requests in all
        (the client's own retries included): what it settles (whether a write whose answer was lost took
        effect) would otherwise be taken on no evidence."""
        calls = -(-HISTORY_ATTEMPTS // (self.client.retries + 1))
        for call in range(calls):
            if call:
                self.sleep(HISTORY_BACKOFF.delay(call))
            found = self._counted(self.client.records, job_id)
            if found is not None:
                return found
        return None

    def stats(self, job_id, minutes):
        """``GET /stats/{job_id}`` over the last ``minutes`` (the health gate's read); None when it failed."""
        self.stats_reads += 1
        return self._counted(self.client.stats, job_id, minutes)

    def _counted(self, read, *args, **kwargs):
        """``read(...)``; a failure that ends the task goes through, any other is counted and gives None."""
        try:
            return read(*args, **kwargs)
        except FINAL_ERRORS:
            raise
        except KylinError as exc:
            self.read_errors += 1
            self.last_read_error = str(exc)
            return None

    def poll(self, tracks):
        """One list read for every awaited job; True when any of them moved. A failed read is tolerated."""
        reading = self.reread([t.id for t in tracks])
        if reading is None:
            return False
        moved = False
        for track in tracks:
            row = reading.rows.get(track.id)
            if row is None:
                track.failed('the job disappeared from Kylin (model dropped?)')
                moved = True
            elif track.observe(row, reading.asked, reading.answered):
                moved = True
        return moved

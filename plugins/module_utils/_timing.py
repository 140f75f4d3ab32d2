# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Internal use only: waiting at the server's pace, as pure objects (docs/design.md §2.2, §4, §5).

``PollPacer`` says when to poll next: ``poll_interval`` after a poll that saw a job move, longer by
1.5x after each poll that saw nothing move (up to 30 s), and sooner when the server's timing
predicts the next change. Only real quiet grows the back-off: a poll timed for a predicted change
that did not come yet proves nothing, so it is not counted. ``StopQueue`` is what the task knows of the kills that end its graceful
STOPs: on a real Kylin each one ends with a kill of about 21 s under the node-wide lock, one job at
a time (docs/kylin-api.md §11.1), so N jobs stopped at once reach STOPPED about a kill apart. It
predicts the next STOPPED, and tells ``force_after`` whether a job's kill is still coming.

No clock and no sleep here: callers pass ``now`` and sleep the delays they are given.
"""

from ansible_collections.kylin.streaming.plugins.module_utils._backoff import Backoff

POLL_MAX = 30.0
POLL_FACTOR = 1.5
# Share of a kill the queue may run late before it counts as stopped (kills over SSH vary).
QUEUE_SLACK_SHARE = 0.5
QUEUE_SLACK_MIN = 1.0


class PollPacer:
    """Delays between polls: reset by progress, grown by quiet polls, cut short by a predicted change.

    The back-off counts only the quiet polls it timed itself. A poll timed for a prediction (cut
    short to land just after it, or kept at ``first`` while the prediction is due) that sees nothing
    move is not counted: the prediction was early, the server not quiet. So when a due prediction is
    forgotten, the back-off resumes where real quiet had left it, never at the maximum.
    """

    def __init__(self, first, maximum=POLL_MAX, factor=POLL_FACTOR):
        self.first = float(first)
        self.backoff = Backoff(first=first, maximum=max(float(maximum), self.first), factor=factor)
        self.predicted = False  # the last delay was shaped by a prediction: its poll proves no quiet

    def saw(self, progress):
        """Account for one poll: ``progress`` when any awaited job moved."""
        if progress:
            self.backoff.success()
        elif not self.predicted:
            self.backoff.failure()
        self.predicted = False

    def reset(self):
        self.backoff.success()
        self.predicted = False

    def delay(self, now, predicted=None, margin=0.0, grace=0.0):
        """Seconds to sleep before the next poll.

        ``predicted``: when the server's timing says the next change should be visible (this
        machine's clock). A prediction ahead cuts the back-off short (the poll lands ``margin``
        after it), never below ``first``; one that is due keeps the polls at ``first`` for
        ``grace`` seconds; after that it is forgotten. Polls shaped by a prediction do not grow
        the back-off (``saw``).
        """
        delay = self.backoff.delay(self.backoff.failures + 1)
        self.predicted = False
        if predicted is None:
            return delay
        until = predicted + margin - now
        if until > 0:
            if until < delay:
                self.predicted = True
                return max(until, self.first)
            return delay
        if -until <= grace:
            self.predicted = True
            return min(delay, self.first)
        return delay


class StopQueue:
    """The task's jobs that wait for the end of a graceful STOP, in the order they were stopped.

    Built from the loop's ``JobTrack`` records each round (it never writes to them). A job is in
    the queue while it is STOPPING from a graceful stop (this task's STOP, or one it found under
    way); ``stop_ended`` of each track is when its STOPPED (or ERROR) was recorded, for jobs that
    left the queue by themselves (not by this task's FORCE_STOP). ``kill_seconds`` comes from
    ``server_timing``; ``slack`` is how late the next end may be before the queue counts as stuck.
    """

    def __init__(self, tracks, kill_seconds, slack=0.0):
        self.kill = float(kill_seconds)
        self.slack = float(slack)
        queued = [t for t in tracks if t.in_stop_queue]
        self.order = sorted(queued, key=lambda t: (t.stopping_since, t.order))
        self.place = {t.id: i for i, t in enumerate(self.order)}
        ends = [t.stop_ended for t in tracks if t.stop_ended is not None]
        self.last_end = max(ends) if ends else None
        seen = [t.seen_at for t in queued if t.seen_at is not None]
        self.last_read = max(seen) if seen else None

    @classmethod
    def for_timing(cls, tracks, timing, extra_slack=0.0):
        kill = timing['kill_seconds']
        slack = timing['read_lag_seconds'] + max(QUEUE_SLACK_MIN, QUEUE_SLACK_SHARE * kill) + extra_slack
        return cls(tracks, kill, slack)

    def moving(self):
        """Whether the queue still moves: a job of it ended, and no read since shows the next end overdue."""
        if self.last_end is None or not self.order:
            return False
        if self.last_read is None:
            return True
        return self.last_read < self.last_end + self.kill + self.slack

    def next_end(self):
        """When the next job of the queue should reach STOPPED: one kill after the last end, or, while none
        has ended, one kill after the first STOP (the earliest a micro-batch and its kill can end). None
        without a queue."""
        if not self.order:
            return None
        if self.last_end is None:
            return self.order[0].stopping_since + self.kill
        return self.last_end + self.kill

    def force_due(self, track, now, force_after):
        """Whether ``force_after`` has passed for ``track`` with its place in the queue, and the queue stopped moving.

        A job's bound is ``force_after`` from when it was first seen STOPPING, plus one kill for each
        job ahead of it in the queue: their kills come first, one at a time. While the jobs keep
        reaching STOPPED at the kill's pace, a job waits for its turn, whatever its bound; once the
        queue stops moving, the jobs past their bound are force-stopped.
        """
        if force_after is None or track.stopping_since is None:
            return False
        place = self.place.get(track.id, 0)
        if now < track.stopping_since + force_after + place * self.kill:
            return False
        return not self.moving()

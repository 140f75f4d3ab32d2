# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Waiting at the server's pace: the poll pacer and the kill queue of graceful stops (docs/design.md §2.2, §5)."""

import pytest

from ansible_collections.kylin.streaming.plugins.module_utils._decisions import JobTrack
from ansible_collections.kylin.streaming.plugins.module_utils._timing import PollPacer, StopQueue


def test_the_pacer_grows_only_while_nothing_moves():
    pacer = PollPacer(2.0)
    assert pacer.delay(0) == 2.0
    pacer.saw(False)
    assert pacer.delay(0) == 3.0
    pacer.saw(False)
    assert pacer.delay(0) == 4.5
    pacer.saw(True)
    assert pacer.delay(0) == 2.0
    for dummy in range(20):
        pacer.saw(False)
    assert pacer.delay(0) == 30.0


def test_a_predicted_change_cuts_the_wait_short_and_a_due_one_keeps_it_short():
    pacer = PollPacer(2.0)
    for dummy in range(5):
        pacer.saw(False)
    assert pacer.delay(100.0) > 10
    assert pacer.delay(100.0, predicted=104.0, margin=0.5) == 4.5
    assert pacer.delay(100.0, predicted=103.0, margin=0.0, grace=2.0) == 3.0
    assert pacer.delay(100.0, predicted=100.5, margin=0.1, grace=2.0) == 2.0  # never sooner than poll_interval
    assert pacer.delay(100.0, predicted=99.0, grace=2.0) == 2.0      # due: poll at the first interval
    assert pacer.delay(100.0, predicted=90.0, grace=2.0) > 10        # long overdue: forgotten


def test_polls_held_to_a_due_prediction_do_not_grow_the_back_off():
    """Issue 21: while a predicted change is due, the polls are kept at the first interval; they prove no quiet
    (the prediction was early), so once it is forgotten the back-off resumes where real quiet left it, not at
    the 30 s maximum."""
    pacer = PollPacer(0.05)
    now = 0.0
    for dummy in range(4):  # real quiet before the prediction: 0.05, 0.075, 0.1125, 0.16875
        delay = pacer.delay(now, predicted=0.47, grace=1.05)
        now += delay
        pacer.saw(False)
    assert delay == pytest.approx(0.16875)
    held = []
    while now < 0.47 + 1.05:  # cut short to land at the prediction, then due: every poll at 0.05 at most
        delay = pacer.delay(now, predicted=0.47, grace=1.05)
        held.append(delay)
        now += delay
        pacer.saw(False)
    assert max(held) < 0.07 and len(held) > 20
    after = pacer.delay(now, predicted=0.47, grace=1.05)  # forgotten: the back-off of the real quiet, grown once
    assert after == pytest.approx(0.05 * 1.5 ** 4)
    pacer.saw(False)
    assert pacer.delay(now + after, predicted=0.47, grace=1.05) == pytest.approx(0.05 * 1.5 ** 5)
    pacer.saw(True)
    assert pacer.delay(now) == 0.05


def stopping(job, since, order):
    track = JobTrack(dict(uuid=job, job_status='RUNNING'), order=order)
    track.applied('STOP', now=since)
    track.observe(dict(uuid=job, job_status='STOPPING'), since + 0.5)
    return track


def stopped(track, at, read_at):
    track.observe(dict(uuid=track.id, job_status='STOPPED', last_status_duration=int((read_at - at) * 1000)), read_at)


def test_the_queue_predicts_the_next_kill_and_extends_each_bound_by_its_place():
    tracks = [stopping('j%d' % i, 0.0, i) for i in range(4)]
    queue = StopQueue(tracks, kill_seconds=10.0, slack=3.0)
    assert queue.next_end() == 10.0  # the earliest a micro-batch and its kill can end
    assert not queue.moving()
    # force_after 5: nothing has ended; each job's bound is 5 s plus one kill per job ahead of it.
    assert queue.force_due(tracks[0], 5.0, 5) and not queue.force_due(tracks[1], 5.0, 5)
    assert queue.force_due(tracks[1], 15.0, 5) and not queue.force_due(tracks[2], 15.0, 5)
    # The first ends at 13 (seen at 14): the queue moves; the next end is due at 23.
    stopped(tracks[0], 13.0, 14.0)
    queue = StopQueue(tracks, kill_seconds=10.0, slack=3.0)
    assert queue.next_end() == 23.0 and queue.moving()
    assert not queue.force_due(tracks[1], 20.0, 5)
    # A read at 26.5 (after 23 + 3 of slack) shows none of the others ended: the queue stands still.
    for track in tracks[1:]:
        track.observe(dict(uuid=track.id, job_status='STOPPING'), 26.5)
    queue = StopQueue(tracks, kill_seconds=10.0, slack=3.0)
    assert not queue.moving()
    assert queue.force_due(tracks[1], 26.5, 5) and queue.force_due(tracks[2], 26.5, 5)
    assert not queue.force_due(tracks[3], 24.0, 5)  # its bound: 5 s after its STOP, plus 2 kills ahead of it
    assert queue.force_due(tracks[3], 25.0, 5)


def test_a_job_this_task_force_stopped_is_not_the_queue_moving():
    tracks = [stopping('j0', 0.0, 0), stopping('j1', 0.0, 1)]
    tracks[0].applied('FORCE_STOP', now=6.0)
    stopped(tracks[0], 7.0, 8.0)
    queue = StopQueue(tracks, kill_seconds=10.0, slack=3.0)
    assert queue.last_end is None and [t.id for t in queue.order] == ['j1']

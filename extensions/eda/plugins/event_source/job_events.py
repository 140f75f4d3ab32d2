# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""kylin.streaming.job_events: an Event-Driven Ansible source of Kylin streaming job events.

Polls the job list (one list read per interval for every watched job) and turns what changed into
events. Its options are checked by the modules' code (``_options``), its client is theirs, the list is
read by ``_inventory``, and the decisions are ``_events.JobWatcher``'s (docs/design.md §2.4b); ``main``
only reads, feeds the watcher and queues its events. The blocking read runs in a worker thread so that
it never blocks ansible-rulebook's event loop.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
short_description: Events from Kylin streaming jobs (status changes, latency, stuck jobs, reachability).
description:
  - An ansible-rulebook event source plugin that polls the streaming jobs of Apache Kylin 5 /
    Kyligence Enterprise with one list read per O(interval) for every watched job, and emits one
    event per change.
  - 'Every event is C({"kylin": {"event": KIND, "status": NOW, "previous_status": BEFORE_OR_NULL,
    "job": ROW, ...}}), where ROW is the job row as M(kylin.streaming.job_info) returns it (with
    C(type), V(build) or V(merge)).'
  - 'Kinds: V(status_changed) (every status transition, a launch failure included: an V(ERROR) with
    C(launching_error) true, in the event as in its job row; a job that left and re-entered its status between two polls, for
    example restarted and failed again, gives one with C(repeated) true), V(latency_high) and
    V(latency_recovered) (a running build job over O(latency_threshold) for O(latency_polls) polls,
    and back under it for as many), V(stuck) (V(STARTING) or V(STOPPING) for longer than
    O(stuck_after), the kill queue of the node accounted for), V(snapshot) (every job at start, with O(snapshot)), V(unreachable) (once, when
    Kylin stops answering; C(job) and C(status) are null) and V(reachable) (once, when it answers
    again).'
  - After a failed poll the source backs off (O(interval), doubled after each failure, up to
    O(max_backoff)); it never ends because Kylin is down or answers something unexpected. A bad
    answer is logged and the next poll goes on.
  - An HTTP 401 (wrong password, locked user) is never retried at once, because Kylin locks a user
    after repeated bad passwords; the source reports V(unreachable) with C(reason) V(auth) and tries
    again after O(auth_backoff) seconds, doubling up to four times that.
  - No password ever appears in an event or a log line; job C(params) whose key names a password,
    secret, token, credential or JAAS config are shown as C(********).
extends_documentation_fragment:
  - kylin.streaming.connection
options:
  retries:
    description:
      - How many times one poll's read is retried (connection errors, HTTP 502, 503, 504) before the
        poll counts as failed.
    type: int
    default: 1
  project:
    description: Project to watch. Every project when not set.
    type: str
  models:
    description: Only the jobs of these models (exact aliases).
    type: list
    elements: str
  job_types:
    description: Only these kinds of job.
    type: list
    elements: str
    choices: [build, merge]
  interval:
    description:
      - Seconds between two polls (one list read for every watched job each time).
    aliases: [delay, poll_interval]
    type: float
    default: 10
  latency_threshold:
    description:
      - Seconds of data latency above which a running build job is lagging. V(0) turns the
        latency events off.
    type: float
    default: 300
  latency_polls:
    description:
      - Consecutive polls a running build job must be over O(latency_threshold) before
        V(latency_high), and under it before V(latency_recovered).
    type: int
    default: 3
  stuck_after:
    description:
      - Seconds a job may stay V(STARTING) or V(STOPPING) before a V(stuck) event (one per stay).
        V(0) turns the stuck events off.
      - A V(STOPPING) job waits for Kylin's kill of its driver, one job at a time on the node (about 21
        seconds each, O(kill_seconds)), so jobs stopped together reach V(STOPPED) about a kill apart. Such a
        job is V(stuck) only after O(stuck_after) plus one kill per watched job that began V(STOPPING)
        before it, and only once no watched job has reached V(STOPPED) for a kill (plus a margin and an
        O(interval)); the event then says how many were ahead of it (C(queue_ahead)).
    aliases: [stuck_timeout]
    type: float
    default: 600
  kill_seconds:
    description:
      - Seconds Kylin takes to kill one job's driver (six rounds sleeping 1 to 6 seconds), one at a time on
        the node; the pace of the kill queue O(stuck_after) accounts for. Raise it when drivers run on other
        hosts (kills go over SSH).
    type: float
    default: 21
  snapshot:
    description: Emit a V(snapshot) event for every watched job at the first successful poll.
    type: bool
    default: false
  max_backoff:
    description: Longest wait, in seconds, between two polls while Kylin does not answer.
    type: float
    default: 300
  auth_backoff:
    description: Seconds to wait after an HTTP 401 before trying again (doubled after each further 401, up to four times this).
    type: float
    default: 900
'''

EXAMPLES = r'''
- name: Watch the jobs of a project and restart the ones that fall into ERROR
  hosts: localhost
  sources:
    - kylin.streaming.job_events:
        url: https://kylin.example.com:7070
        username: ADMIN
        password: "{{ kylin_password }}"
        project: sales
        interval: 15
        latency_threshold: 600
        latency_polls: 4
        stuck_after: 900
  rules:
    - name: A job fell into ERROR
      condition: event.kylin.event == "status_changed" and event.kylin.status == "ERROR"
      action:
        run_playbook:
          name: kylin.streaming.restart_errored
          extra_vars:
            kylin_project: "{{ event.kylin.job.project }}"
            kylin_job_ids:
              - "{{ event.kylin.job.uuid }}"
'''

import asyncio
import logging
import os
import sys
from concurrent.futures import ThreadPoolExecutor

try:
    from ansible_collections.kylin.streaming.plugins.module_utils import _events
except ImportError:
    # ansible-rulebook runs this file with runpy, outside Ansible's collection loader: the
    # ansible_collections package imports once the folder that holds it is on sys.path.
    # <root>/ansible_collections/kylin/streaming/extensions/eda/plugins/event_source/job_events.py
    sys.path.insert(0, os.path.abspath(os.path.join(__file__, *['..'] * 8)))
    from ansible_collections.kylin.streaming.plugins.module_utils import _events
from ansible_collections.kylin.streaming.plugins.module_utils import _inventory, _module, _rows

LOGGER = logging.getLogger('kylin.streaming.job_events')


def read_jobs(client, settings):
    """One poll: every watched job's row, as job_info returns it (one list read for all of them)."""
    rows = _inventory.read_jobs(client, settings.get_option('project'), models=settings.get_option('models'),
                                job_types=settings.get_option('job_types'))
    return [_rows.with_type(row) for row in rows]


async def main(queue, args):
    """Poll Kylin every ``interval`` seconds and put the job events on ``queue``; runs until cancelled."""
    settings = _events.events_options(args, LOGGER.warning)
    password = settings.get_option('password')
    loop = asyncio.get_running_loop()
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix='kylin-job-events')
    client = _module.build_client(settings, warn=lambda text: LOGGER.info('%s', _events.mask_value(text, password)))
    client.login_settings = _events.LOGIN_SETTINGS
    watcher = _events.JobWatcher(url=client.base_url, **settings.get_options(
        'latency_threshold', 'latency_polls', 'stuck_after', 'snapshot', 'kill_seconds', 'interval'))
    backoffs = _events.poll_backoffs(**settings.get_options('interval', 'max_backoff', 'auth_backoff'))
    LOGGER.info('watching %s (project %s) every %ss', client.base_url, settings.get_option('project') or 'all',
                settings.get_option('interval'))
    polls = 0
    try:
        while True:
            started = loop.time()
            polls += 1
            try:
                rows = await loop.run_in_executor(executor, read_jobs, client, settings)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # pylint: disable=broad-except
                reason = _events.classify(exc)
                message = _events.mask_value(str(exc), password)
                delay = _events.poll_delay(reason, *backoffs)
                LOGGER.warning('poll failed (%s), next poll in %.1fs: %s', reason, delay, message)
                events = [] if reason == 'bad_answer' else watcher.failed(reason, message, loop.time(), round(delay, 3))
            else:
                delay = _events.poll_delay(None, *backoffs)
                events = watcher.observe(rows, loop.time())
                LOGGER.debug('poll %d: %d jobs, %d events', polls, len(rows), len(events))
            for event in events:
                await queue.put(event)
            await asyncio.sleep(max(0.0, started + delay - loop.time()))
    finally:
        executor.submit(client.close)
        executor.shutdown(wait=False)


if __name__ == '__main__':
    # python job_events.py: print the events of the server in KYLIN_URL (KYLIN_USERNAME, KYLIN_PASSWORD).
    class _PrintQueue(object):
        async def put(self, event):
            print(event)

    logging.basicConfig(level=logging.INFO)
    asyncio.run(main(_PrintQueue(), {'interval': 5, 'snapshot': True}))

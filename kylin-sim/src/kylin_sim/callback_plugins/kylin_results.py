# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Write every task result, with its timing, as JSON lines to ``$KYLIN_RESULTS_FILE``.

The playbook runner of the kylin_sim pytest plugin (``kylin_sim.playbook``, fixture ``kylin_playbook``)
enables it next to the normal stdout callback, so the human output (and its verbosity) stays what a
user sees. Standard library and ansible-core only; works with ansible-core 2.16 and later.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
name: kylin_results
type: aggregate
short_description: Task results and timings as JSON lines (for tests)
description:
  - Appends one JSON object per task result to the file named by the E(KYLIN_RESULTS_FILE) environment variable
    (keys C(task), C(action), C(host), C(status) (ok, changed, failed, skipped, unreachable), C(ignored),
    C(start), C(end), C(seconds), C(result)).
  - With E(KYLIN_RESULTS_SUMMARY=1), a result's lists are replaced by their length (to time big results
    without the cost of writing them out).
requirements:
  - enabled in ANSIBLE_CALLBACKS_ENABLED
'''

import json
import os
import time

from ansible.plugins.callback import CallbackBase


def _result_of(result):
    data = getattr(result, 'result', None)
    if data is None:
        data = getattr(result, '_result', {})
    return data


def _task_of(result):
    task = getattr(result, 'task', None)
    return task if task is not None else getattr(result, '_task', None)


def _host_of(result):
    host = getattr(result, 'host', None)
    host = host if host is not None else getattr(result, '_host', None)
    return getattr(host, 'name', str(host))


def summarize(result):
    return dict((k, {'length': len(v)} if isinstance(v, (list, dict)) else v) for k, v in result.items())


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'kylin_results'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self.path = os.environ.get('KYLIN_RESULTS_FILE')
        self.summary = os.environ.get('KYLIN_RESULTS_SUMMARY') == '1'
        self.started = {}

    def _write(self, record):
        if not self.path:
            return
        with open(self.path, 'a') as handle:
            handle.write(json.dumps(record, default=str, sort_keys=True) + '\n')

    def v2_playbook_on_task_start(self, task, is_conditional):
        self.started[task._uuid] = time.time()

    def v2_playbook_on_handler_task_start(self, task):
        self.started[task._uuid] = time.time()

    def _record(self, result, status, ignored=False):
        task = _task_of(result)
        now = time.time()
        start = self.started.get(task._uuid, now)
        data = _result_of(result)
        if status == 'ok' and data.get('changed'):
            status = 'changed'
        self._write(dict(
            task=task.get_name(),
            action=task.action,
            host=_host_of(result),
            status=status,
            ignored=bool(ignored),
            start=start,
            end=now,
            seconds=round(now - start, 4),
            result=summarize(data) if self.summary else data,
        ))

    def v2_runner_on_ok(self, result):
        self._record(result, 'ok')

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, 'failed', ignore_errors)

    def v2_runner_on_skipped(self, result):
        self._record(result, 'skipped')

    def v2_runner_on_unreachable(self, result):
        self._record(result, 'unreachable')

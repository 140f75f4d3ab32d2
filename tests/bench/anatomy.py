# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Where the time of one module task goes: wall-clock timers around Ansible's and the module's steps.

Used by tests/bench/run.py in a subprocess (it patches functions in place, so it runs alone):

    python anatomy.py playbook PLAYBOOK INVENTORY OUT.json
        ansible-playbook in this process, with timers in the worker process (building the
        AnsiballZ payload, the commands that run the module, decoding its JSON) and in the
        controller (turning the result into the callbacks' form, the callbacks);

    python anatomy.py module MODULE_NAME ARGS.json OUT.json
        the module run directly (``python -m`` with an args file, as AnsiballZ would run it), with
        timers on the module's own code (``_inventory.inventory``), Ansible's no_log masking of the
        result (``remove_values``) and its JSON encoding.

Plain timers, not a profiler, so the figures are the real durations. Targets ansible-core 2.19; a
step whose function is missing in another version is left out of the figures.
"""

import io
import json
import os
import runpy
import sys
import time

TIMES = {}


def timed(owner, name, label):
    """Wrap ``owner.name`` so that each call adds its duration to ``TIMES[label]``."""
    original = getattr(owner, name, None)
    if original is None:
        return

    def wrapper(*args, **kwargs):
        began = time.monotonic()
        try:
            return original(*args, **kwargs)
        finally:
            count, total, longest = TIMES.get(label, (0, 0.0, 0.0))
            seconds = time.monotonic() - began
            TIMES[label] = (count + 1, total + seconds, max(longest, seconds))

    setattr(owner, name, wrapper)


def dump(path, extra=None):
    data = dict((label, dict(count=c, seconds=s, longest=m)) for label, (c, s, m) in TIMES.items())
    data.update(extra or {})
    with open(path, 'w') as handle:
        json.dump(data, handle, indent=1, sort_keys=True)


def playbook(path, inventory, out):
    # pylint: disable=import-outside-toplevel
    from ansible.executor.process import worker
    from ansible.executor import task_result
    from ansible.plugins.action import ActionBase
    from ansible.plugins.strategy import StrategyBase
    from ansible.utils import vars as ansible_vars
    from ansible.cli.playbook import main

    timed(ActionBase, '_configure_module', 'worker: build the AnsiballZ payload')
    timed(ActionBase, '_low_level_execute_command', 'worker: run commands (temp dir, module, clean-up)')
    timed(ActionBase, '_parse_returned_data', 'worker: decode the module JSON')
    timed(ActionBase, '_execute_module', 'worker: the whole module execution')
    timed(ansible_vars, 'transform_to_native_types', 'controller: result to native types for the callbacks')
    timed(getattr(task_result, '_RawTaskResult', object), 'as_callback_task_result', 'controller: callback copy of the result')
    timed(StrategyBase, '_process_pending_results', 'controller: process the result (all of it)')

    worker_out = out + '.worker'
    original_run = worker.WorkerProcess._run

    def run(self):
        TIMES.clear()  # a fork: only this worker's own timings
        try:
            return original_run(self)
        finally:
            dump(worker_out)

    worker.WorkerProcess._run = run
    began = time.monotonic()
    try:
        main(['ansible-playbook', '-i', inventory, path])
    except SystemExit:
        pass
    total = time.monotonic() - began
    controller = dict((k, v) for k, v in TIMES.items() if k.startswith('controller'))
    TIMES.clear()
    TIMES.update(controller)
    extra = {'ansible-playbook total': dict(count=1, seconds=total, longest=total)}
    if os.path.exists(worker_out):
        with open(worker_out) as handle:
            extra.update(json.load(handle))
    dump(out, extra)


def module(name, args, out):
    # pylint: disable=import-outside-toplevel
    began = time.monotonic()
    from ansible.module_utils import basic
    from ansible_collections.kylin.streaming.plugins.module_utils import _inventory

    timed(_inventory, 'inventory', 'module: its own code (_inventory.inventory: requests, decoding, sorting)')
    timed(basic, 'remove_values', 'module: Ansible no_log masking of the result (remove_values)')
    timed(basic.AnsibleModule, '_record_module_result', 'module: Ansible JSON encoding and printing of the result')
    timed(basic.AnsibleModule, '__init__', 'module: Ansible argument parsing (AnsibleModule())')
    sys.argv = [name, args]
    stdout = sys.stdout
    sink = io.StringIO()
    sys.stdout = sink
    try:
        runpy.run_module(name, run_name='__main__')
    except SystemExit:
        pass
    finally:
        sys.stdout = stdout
    total = time.monotonic() - began
    text = sink.getvalue()
    dump(out, {'module: in-process total (after interpreter start)': dict(count=1, seconds=total, longest=total),
               'result': dict(bytes=len(text.encode('utf-8')), values=leaves(json.loads(text)))})


def leaves(value):
    """Scalar values in a JSON document (what no_log masking and the result conversions visit)."""
    if isinstance(value, dict):
        return sum(leaves(v) for v in value.values())
    if isinstance(value, list):
        return sum(leaves(v) for v in value)
    return 1


if __name__ == '__main__':
    if sys.argv[1] == 'playbook':
        playbook(*sys.argv[2:5])
    else:
        module(*sys.argv[2:5])

# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Set a scene on the simulator in one process (one task instead of one ``uri`` call per model).

Reads a JSON object on stdin and applies it with the simulator's control API, in this order:
``url`` (required); ``reset`` (default true, empty seed); ``config``; ``scene_config`` (config
only while the scene is set, e.g. a long ``start_delay`` for jobs put in STARTING, restored
afterwards); ``projects``; ``users``; ``models`` (``POST /_sim/models`` bodies, ``uuid`` defaulting
to ``uuid-<alias>`` with ``-`` for ``_``); ``generate``; ``patch`` (job id -> fields); ``faults``;
``clear_counters``.
Prints ``{"jobs": [ids of the models' jobs, in order], "generated": [model ids]}``.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import sys

from kylin_sim.control import SimControl, SimControlError


def default_uuid(alias):
    return 'uuid-' + alias.replace('_', '-')


def apply(scene):
    sim = SimControl(scene['url'])
    out = dict(jobs=[], generated=[])
    if scene.get('reset', True):
        sim.request('POST', '/_sim/reset', {'seed': scene.get('seed', 'empty')})
    if scene.get('config'):
        sim.request('PUT', '/_sim/config', scene['config'])
    restore = None
    if scene.get('scene_config'):
        current = sim.request('GET', '/_sim/config')['config']
        restore = dict((key, current[key]) for key in scene['scene_config'])
        sim.request('PUT', '/_sim/config', scene['scene_config'])
    for project in scene.get('projects') or []:
        sim.request('POST', '/_sim/projects', project)
    for user in scene.get('users') or []:
        sim.request('POST', '/_sim/users', user)
    for model in scene.get('models') or []:
        body = dict(model)
        body.setdefault('uuid', default_uuid(body['alias']))
        out['jobs'].extend(sim.request('POST', '/_sim/models', body)['job_ids'])
    for bulk in scene.get('generate') or []:
        out['generated'].extend(sim.request('POST', '/_sim/generate', bulk)['model_ids'])
    for job_id, fields in sorted((scene.get('patch') or {}).items()):
        sim.request('PATCH', '/_sim/jobs/' + job_id, fields)
    if restore:
        sim.request('PUT', '/_sim/config', restore)
    if scene.get('faults'):
        sim.request('PUT', '/_sim/faults', scene['faults'])
    if scene.get('clear_counters'):
        sim.request('DELETE', '/_sim/counters')
    return out


def main():
    try:
        out = apply(json.load(sys.stdin))
    except SimControlError as exc:
        sys.stderr.write('simulator control call failed: %s\n' % exc)
        return 1
    print(json.dumps(out))
    return 0


if __name__ == '__main__':
    sys.exit(main())

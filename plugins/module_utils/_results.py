# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Internal use only: what the ``job`` module reports: one result per job, ``msg`` and ``diff``.

Pure: built from the loop's ``JobTrack`` records, never written back to them.
"""

from ansible_collections.kylin.streaming.plugins.module_utils._decisions import (
    FORCE_STOP,
    KIND_ORDER,
    KYLIN_RESTART,
    RESTART,
    START,
    STOP,
    STOPPED_STATE,
    reported_action,
)
from ansible_collections.kylin.streaming.plugins.module_utils._health import not_reached

# The note of jobs a failed rolling batch left alone.
NOT_ATTEMPTED = 'not attempted'
# The summary's key of graceful restarts (their action reads ``RESTART (STOP, START)``).
GRACEFUL = 'RESTART (graceful)'


def job_health(track, gated):
    """``{healthy, latency, samples}`` of a job the health gate was for (every job this task launched), else None."""
    gate = track.gate or track.failed_gate
    if gate is not None:
        return gate.result()
    if gated and track.launched:
        return not_reached()
    return None


def job_result(track, with_params=False, state=None, restart_method=KYLIN_RESTART, gated=False):
    actions = track.rolled_actions if track.rollback_reason is not None else None
    result = dict(
        id=track.id,
        project=track.row.get('project'),
        model=track.row.get('model_alias'),
        type=track.type,
        status_before=track.status_before,
        status=track.status,
        action=reported_action(track, state, restart_method, actions),
        changed=track.changed,
        error=track.error,
        health=job_health(track, gated),
    )
    if track.rollback_reason is not None:
        result['rolled_back'] = True
    if track.launching_error:
        result['launching_error'] = True
    if track.note:
        result['note'] = track.note
    if track.resent:
        result['resent'] = [dict(entry) for entry in track.resent]
    if with_params:
        result['params_changed'] = track.params_changes
    return result


# A job still in one of these after its action was not waited for (wait=false): say so, not "stopped 2".
IN_FLIGHT = {START: ('STARTING',), RESTART: ('STARTING', 'STOPPING'), STOP: ('STOPPING',), FORCE_STOP: ('STOPPING',),
             GRACEFUL: ('STARTING',)}


def _kind(action):
    """``START``, ... or ``GRACEFUL`` for a graceful restart's ``RESTART (STOP, START)``."""
    return GRACEFUL if action and action.startswith(RESTART + ' (') else action


def label(res):
    """How a person recognises a job: its model and type beside the id (``orders_rt build (5d9f..._build)``)."""
    if res.get('model'):
        return '%s %s (%s)' % (res['model'], res.get('type') or '?', res['id'])
    return res['id']


def summary(results, state, check_mode=False):
    """One line for ``msg``: what was (or would be) done, what failed."""
    verbs = {START: 'started', STOP: 'stopped', FORCE_STOP: 'force-stopped', RESTART: 'restarted'}
    counts = {}
    in_flight = {}
    untouched = []
    reached = ('STOPPED', 'ERROR') if state == STOPPED_STATE else ('RUNNING',)
    unchanged = skipped = 0
    for res in results:
        kind = _kind(res['action'])
        if res['changed'] and kind and res['error']:
            continue  # counted with the failures, not as done
        if res['changed'] and kind and not check_mode and res.get('status') in IN_FLIGHT.get(kind, ()):
            in_flight.setdefault(kind, []).append(res['status'])
        elif res['changed'] and kind:
            counts[kind] = counts.get(kind, 0) + 1
        elif (res.get('note') or '').startswith(NOT_ATTEMPTED):
            skipped += 1
        elif not res['error'] and res.get('status') not in (None,) + reached:
            untouched.append(res['status'])  # not acted on, and not there either (the run ended early)
        elif not res['error']:
            unchanged += 1
    prefix = 'would have ' if check_mode else ''
    kinds = KIND_ORDER[::-1][:2] + (GRACEFUL,) + KIND_ORDER[::-1][2:]  # START, RESTART, graceful, STOP, FORCE_STOP
    verbs[GRACEFUL] = 'restarted'
    parts = ['%s%s %d%s' % (prefix, verbs[a], counts[a], ' (graceful)' if a == GRACEFUL else '')
             for a in kinds if a in counts]
    parts += ['sent %s to %d, still %s' % (a, len(in_flight[a]), '/'.join(sorted(set(in_flight[a]))))
              for a in kinds if a in in_flight]
    params_only = sum(1 for r in results if r.get('params_changed') and not r['action'])
    if params_only:
        parts.append('%supdated params of %d' % (prefix, params_only))
    if unchanged and not params_only:
        parts.append('%d already %s' % (unchanged, 'running' if state != STOPPED_STATE else 'stopped'))
    elif unchanged:
        parts.append('%d unchanged' % unchanged)
    if untouched:
        parts.append('%d not acted on (still %s)' % (len(untouched), '/'.join(sorted(set(untouched)))))
    if skipped:
        parts.append('%d %s' % (skipped, NOT_ATTEMPTED))
    failed = [r for r in results if r['error']]
    text = ', '.join(parts) if parts else ('' if failed else 'no jobs selected')
    if failed:
        shown = '; '.join('%s: %s' % (label(r), r['error']) for r in failed[:10])
        more = '; ...' if len(failed) > 10 else ''
        text = '%d of %d jobs failed: %s%s.%s' % (len(failed), len(results), shown, more,
                                                  ' ' + text[0].upper() + text[1:] if text else '')
    return text


def gate_summary(msg, results, spec, seconds, check_mode=False):
    """``msg`` with what the health gate did: ``...; health gate (...): 3 healthy, 1 not, in 95.2s after RUNNING``
    (a sentence of its own after a message that ends with one)."""
    gated = [r for r in results if r.get('health') is not None]
    if not gated:
        return msg
    if check_mode:
        text = 'each job started or restarted would then have to pass a health gate (%s)' % spec.describe()
    else:
        healthy = sum(1 for r in gated if r['health']['healthy'])
        parts = ['%d healthy' % healthy]
        if len(gated) > healthy:
            parts.append('%d not' % (len(gated) - healthy))
        text = 'health gate (%s): %s' % (spec.describe(), ', '.join(parts))
        if seconds is not None:
            text += ', in %.1fs after RUNNING' % seconds
        rolled = [r for r in results if r.get('rolled_back')]
        if rolled:
            text += '; rolled back %d: %s' % (len(rolled), ', '.join(label(r) for r in rolled))
    if msg.endswith('.'):
        return '%s %s%s.' % (msg, text[0].upper(), text[1:])
    return '%s; %s' % (msg, text)


def diff_of(tracks, results, with_params):
    """``{before, after}`` per job, keyed ``<model> <type> (<id>)``: the status, and with params the keys that
    change, and after them the action that follows (a restart, so that they take effect)."""
    before, after = {}, {}
    for res, track in zip(results, tracks):
        key = label(res)
        if not with_params:
            before[key] = res['status_before']
            after[key] = res['status']
        else:
            changes = track.params_changes
            before[key] = dict(status=res['status_before'], params={k: v['before'] for k, v in changes.items()})
            after[key] = dict(status=res['status'], params={k: v['after'] for k, v in changes.items()})
            if changes and res['action']:
                after[key]['then'] = '%s, so that the new params take effect' % res['action']
            elif changes:
                after[key]['then'] = 'no restart: the params take effect at the next start'
    return dict(before=before, after=after)

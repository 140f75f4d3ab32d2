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
    RESTART,
    START,
    STOP,
    STOPPED_STATE,
)

# The note of jobs a failed rolling batch left alone.
NOT_ATTEMPTED = 'not attempted'


def job_result(track, with_params=False):
    result = dict(
        id=track.id,
        project=track.row.get('project'),
        model=track.row.get('model_alias'),
        type=track.type,
        status_before=track.status_before,
        status=track.status,
        action=track.last_action,
        changed=track.changed,
        error=track.error,
    )
    if track.launching_error:
        result['launching_error'] = True
    if track.note:
        result['note'] = track.note
    if with_params:
        result['params_changed'] = track.params_changes
    return result


def summary(results, state, check_mode=False):
    """One line for ``msg``: what was (or would be) done, what failed."""
    verbs = {START: 'started', STOP: 'stopped', FORCE_STOP: 'force-stopped', RESTART: 'restarted'}
    counts = {}
    unchanged = skipped = 0
    for res in results:
        if res['changed'] and res['action']:
            counts[res['action']] = counts.get(res['action'], 0) + 1
        elif (res.get('note') or '').startswith(NOT_ATTEMPTED):
            skipped += 1
        elif not res['error']:
            unchanged += 1
    prefix = 'would have ' if check_mode else ''
    parts = ['%s%s %d' % (prefix, verbs[a], counts[a]) for a in KIND_ORDER[::-1] if a in counts]
    params_only = sum(1 for r in results if r.get('params_changed') and not r['action'])
    if params_only:
        parts.append('%supdated params of %d' % (prefix, params_only))
    if unchanged and not params_only:
        parts.append('%d already %s' % (unchanged, 'running' if state != STOPPED_STATE else 'stopped'))
    elif unchanged:
        parts.append('%d unchanged' % unchanged)
    if skipped:
        parts.append('%d %s' % (skipped, NOT_ATTEMPTED))
    failed = [r for r in results if r['error']]
    text = ', '.join(parts) if parts else 'no jobs selected'
    if failed:
        shown = '; '.join('%s: %s' % (r['id'], r['error']) for r in failed[:10])
        more = '; ...' if len(failed) > 10 else ''
        text = '%d of %d jobs failed: %s%s. %s' % (len(failed), len(results), shown, more, text[0].upper() + text[1:])
    return text


def diff_of(tracks, results, with_params):
    """``{before, after}`` per job id: the status, and with params the keys that change."""
    before, after = {}, {}
    for res, track in zip(results, tracks):
        if not with_params:
            before[res['id']] = res['status_before']
            after[res['id']] = res['status']
        else:
            changes = track.params_changes
            before[res['id']] = dict(status=res['status_before'], params={k: v['before'] for k, v in changes.items()})
            after[res['id']] = dict(status=res['status'], params={k: v['after'] for k, v in changes.items()})
    return dict(before=before, after=after)

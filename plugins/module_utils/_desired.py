# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Internal use only: a desired state (``kylin_streaming_jobs``) checked, merged and compared.

The rules of the ``jobs`` role, as pure functions, for the filters ``desired_problems``,
``desired_plan`` and ``desired_jobs`` (docs/design.md §2.4e):

- ``problems()``: unknown keys and values, with a suggestion for a typo, before any request;
- ``plan()``: the entries normalised and merged into one ``kylin.streaming.job`` call per project,
  state, job types and params (stops first), and the contradictions (one job, two states or params);
- ``compare()``: the same claims against the live job rows of a cluster: per job, the desired
  status and params, what the job module would do (``_decisions.decide``) and what differs;
- ``drift()``: ``compare()`` told job by job for the drift runbook, secrets masked;
- ``export()``: the live rows as a compact desired state that converging changes nothing on, secret
  params as vault placeholders.

No I/O, no import that reaches ``requests``; the inputs are never written to.
"""

import json

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.kylin.streaming.plugins.module_utils import _decisions as decisions
from ansible_collections.kylin.streaming.plugins.module_utils._job_params import desired_params, params_changes
from ansible_collections.kylin.streaming.plugins.module_utils._rows import JOB_TYPES, job_type, secret_param

try:
    from collections.abc import Mapping
except ImportError:  # pragma: no cover - Python 2 is not supported; keeps the import sanity test quiet
    Mapping = dict

ENTRY_KEYS = ('project', 'models', 'model', 'job_types', 'state', 'params', 'params_purge', 'apply_params')
CHOICES = (('state', ('started', 'stopped')), ('apply_params', ('restart', 'next_start')))
KINDS = tuple(JOB_TYPES)  # build, merge
RESTARTED_MSG = ('state restarted is not a desired state (it would never be idempotent): restart with the '
                 'kylin.streaming.rolling_restart playbook, or kylin.streaming.job with state: restarted')
NO_MODELS_MSG = 'no models (give models, a list of aliases, or model, one alias)'
# What the desired state of a job is, once converged (an ERROR job left alone stays ERROR).
STATUS_OF_STATE = {'started': decisions.RUNNING, 'stopped': decisions.STOPPED}


def plain(value):
    """A copy of ``value`` made of dicts, lists and scalars (Ansible may hand a filter lazy containers)."""
    if isinstance(value, Mapping):
        return dict((plain(k), plain(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def closest(word, known):
    """The known word closest to ``word``, or '' when none is close enough.

    Closest: the most letters in common (as sets, ``word`` lower-cased), then the closest length;
    none below 0.6 of the letters in common.
    """
    word = '%s' % (word,)
    letters = set(word.lower())
    best, best_score, best_gap = '', 0.0, 100
    for candidate in known:
        theirs = set(candidate)
        union = letters | theirs
        score = float(len(letters & theirs)) / len(union) if union else 0.0
        gap = abs(len(candidate) - len(word))
        if score > best_score or (score == best_score and gap < best_gap):
            best, best_score, best_gap = candidate, score, gap
    return best if best_score >= 0.6 else ''


def _did_you_mean(word, known):
    guess = closest(word, known)
    return '; did you mean %s?' % guess if guess else ''


def as_list(value):
    """A list for a value that may be one item (a string) or none (None, empty)."""
    if value is None or value == '':
        return []
    if isinstance(value, (str, Mapping)) or not isinstance(value, (list, tuple)):
        return [value]
    return list(value)


def problems(entries, variables=None, known_variables=None):
    """The mistakes of ``entries`` (kylin_streaming_jobs) and of the role's variables, one line each.

    ``variables``: names of variables that are set (``kylin_streaming_jobs_*``); any of them that is
    not in ``known_variables`` and not private (no double underscore) is reported with a suggestion.
    """
    found = []
    if not isinstance(entries, (list, tuple)):
        return ['kylin_streaming_jobs must be a list of entries (project, models, state, ...), not %s: %s' % (
            type(entries).__name__, json.dumps(entries, default=str))]
    for index, entry in enumerate(entries, 1):
        where = 'kylin_streaming_jobs entry %d' % index
        if not isinstance(entry, Mapping):
            found.append('%s is not a mapping (project, models, state, ...): %s' % (where, json.dumps(entry, default=str)))
            continue
        if 'project' in entry:
            where += ' (%s)' % (entry['project'],)
        for key in entry:
            if key not in ENTRY_KEYS:
                suggestion = _did_you_mean(key, ENTRY_KEYS)
                found.append('%s: unknown key %s%s (known: %s)' % (where, key, suggestion, ', '.join(ENTRY_KEYS)))
        if not entry.get('project'):
            found.append(where + ': project is required')
        for key, allowed in CHOICES:
            value = entry.get(key)
            if value is None or _is_one_of(value, allowed):
                continue
            if key == 'state' and value == 'restarted':
                found.append('%s: %s' % (where, RESTARTED_MSG))
            else:
                found.append('%s: %s %s is not one of %s%s' % (where, key, value, ', '.join(allowed),
                                                               _did_you_mean(value, allowed)))
        for kind in as_list(entry.get('job_types')):
            if not _is_one_of(kind, KINDS):
                found.append('%s: job_types %s is not one of %s%s' % (where, kind, ', '.join(KINDS),
                                                                      _did_you_mean(kind, KINDS)))
        if entry.get('params') is not None and not isinstance(entry['params'], Mapping):
            found.append('%s: params must be a mapping of param names to values, not %s' % (where, entry['params']))
        if not _is_boolean(entry.get('params_purge')):
            found.append('%s: params_purge %s is not a boolean (true or false)' % (where, entry['params_purge']))
    known = list(known_variables or ())
    for name in variables or ():
        if name not in known and '__' not in name:
            found.append('unknown variable %s%s' % (name, _did_you_mean(name, known)))
    return found


def _is_boolean(value):
    if value is None:
        return True
    try:
        boolean(value, strict=True)
    except TypeError:
        return False
    return True


def _is_one_of(value, allowed):
    return isinstance(value, str) and value in allowed


def _unique(items):
    return list(dict.fromkeys(items))


def _call_of(entry):
    """One entry normalised: its module call (without models), and its models."""
    if entry.get('models') is not None:
        models = as_list(entry.get('models'))
    else:
        models = [entry['model']] if entry.get('model') else []
    call = dict(
        project=entry.get('project'),
        state=entry.get('state') or decisions.STARTED,
        job_types=sorted(_unique(as_list(entry.get('job_types')) or list(KINDS))),
        params=entry.get('params'),
        params_purge=boolean(entry.get('params_purge') or False, strict=False),
        apply_params=entry.get('apply_params') or 'restart',
    )
    return call, models


def _claims(entries):
    """``(calls, claims, problems)``: the merged calls, each job's claim (state, params), contradictions.

    A claim is ``{key: (project, model, type), state, state_by, params, params_purge, apply_params,
    params_by}``, in the order the entries name the jobs; each job remembers the first entry that gave
    it a state, and the first that gave it params (an entry without params has no opinion about them).
    """
    calls, keys, claims, found = [], [], {}, []
    for index, entry in enumerate(plain(entries or []), 1):
        if not isinstance(entry, Mapping):
            continue  # problems() reports it
        where = 'entry %d' % index
        call, models = _call_of(entry)
        if entry.get('models') is not None and entry.get('model') is not None:
            found.append(where + ': give models or model, not both')
        elif not models:
            found.append('%s: %s' % (where, NO_MODELS_MSG))
        for model in models:
            for kind in call['job_types']:
                job = '%s/%s %s' % (call['project'], model, kind)
                claim = claims.setdefault(job, dict(key=(call['project'], model, kind), state=call['state'],
                                                    state_by=where, params_by=None))
                if claim['state'] != call['state']:
                    found.append('%s: %s wants it %s, %s wants it %s' % (
                        job, claim['state_by'], claim['state'], where, call['state']))
                if call['params'] is not None:
                    if claim['params_by'] is None:
                        claim.update(params=call['params'], params_purge=call['params_purge'],
                                     apply_params=call['apply_params'], params_by=where)
                    elif [claim['params'], claim['params_purge']] != [call['params'], call['params_purge']]:
                        found.append('%s: %s and %s give it different params' % (job, claim['params_by'], where))
        # Merge into the call with the same key, keeping the first-seen order of calls and models.
        key = json.dumps([call['project'], call['state'], call['job_types'], call['params'], call['params_purge'],
                          call['apply_params']], sort_keys=True, default=str)
        if key in keys:
            merged = calls[keys.index(key)]
            merged['models'] = _unique(merged['models'] + models)
        else:
            keys.append(key)
            calls.append(dict(call, models=_unique(models)))
    return calls, list(claims.values()), found


def plan(entries, concurrency=None):
    """``{'calls': [...], 'rounds': [...], 'problems': [...]}``: one module call per project, state, job types and params.

    Calls that stop jobs come first, then those that start them; otherwise the order of the list is kept.
    ``rounds`` (``rounds()``) says which calls may run side by side.
    """
    calls, _claimed, found = _claims(entries)
    stopping = [c for c in calls if c['state'] == decisions.STOPPED_STATE]
    calls = stopping + [c for c in calls if c['state'] != decisions.STOPPED_STATE]
    return dict(calls=calls, rounds=rounds(calls, concurrency), problems=found)


def rounds(calls, concurrency=None):
    """The indexes of ``calls`` in rounds: the calls of one round run side by side, the rounds one after another.

    Kylin serializes the START and STOP work of one project (its scheduler lock) but not of different
    projects (docs/kylin-api.md §7; kills share one lock per node whatever the project, §3.2), so a round holds calls of different projects (compared as Kylin
    does, ignoring case) and at most ``concurrency`` of them (None or 0: no bound). All stopping calls
    come in rounds before the starting ones, as in ``plan()``, and a project's calls keep their order.
    """
    bound = int(concurrency or 0)
    ordered = []
    for stopping in (True, False):
        lanes = []  # per project, in first-seen order: its calls still to run
        for index, call in enumerate(calls):
            if (call['state'] == decisions.STOPPED_STATE) != stopping:
                continue
            project = ('%s' % (call['project'],)).lower()
            lane = [lane for lane in lanes if lane[0] == project]
            if lane:
                lane[0][1].append(index)
            else:
                lanes.append((project, [index]))
        done = dict((project, 0) for project, dummy in lanes)
        while any(pending for dummy, pending in lanes):
            # The projects that ran the fewest calls first, so that none waits for another to finish all of its.
            ready = sorted((lane for lane in lanes if lane[1]), key=lambda lane: done[lane[0]])
            chosen = ready[:bound] if bound > 0 else ready
            ordered.append([pending.pop(0) for dummy, pending in chosen])
            for project, dummy in chosen:
                done[project] += 1
    return ordered


def compare(entries, rows, global_retry=False):
    """The desired state against the live rows of one cluster: ``{'jobs', 'missing', 'problems'}``.

    ``jobs``: one item per desired job found in ``rows``, in the order the entries name them, with its
    live ``status`` and ``params``, the desired ``state``, ``desired_status`` (what converging reaches),
    ``desired_params`` (None: no opinion), ``params_changes``, ``action`` (what the job module would
    send first, or None), ``error`` (what it could not do, e.g. start a job of a broken model) and
    ``differs`` (``status`` and/or ``params``; empty when the job is as desired).
    ``missing``: the desired jobs that ``rows`` lack. With ``problems`` (mistakes or contradictions in
    the entries) nothing is compared: ``jobs`` and ``missing`` are empty.
    """
    found = problems(entries)
    if found:
        return dict(jobs=[], missing=[], problems=found)
    _calls, claimed, found = _claims(entries)
    if found:
        return dict(jobs=[], missing=[], problems=found)
    by_key = {}
    for row in plain(rows or []):
        if isinstance(row, Mapping):
            key = ('%s' % (row.get('project') or '',)).lower(), row.get('model_alias'), row.get('type') or job_type(row)
            by_key.setdefault(key, row)
    jobs, missing = [], []
    for claim in claimed:
        project, model, kind = claim['key']
        row = by_key.get((('%s' % (project,)).lower(), model, kind))
        if row is None:
            missing.append(dict(project=project, model=model, type=kind))
            continue
        jobs.append(_compare_job(claim, row, global_retry))
    return dict(jobs=jobs, missing=missing, problems=[])


def _compare_job(claim, row, global_retry):
    state = claim['state']
    current = row.get('params') or {}
    wanted, changes = None, {}
    if claim['params_by'] is not None:
        wanted = desired_params(current, claim['params'], claim['params_purge'])
        changes = params_changes(current, wanted)
    track = decisions.JobTrack(row)
    status_step = decisions.decide(track, state, global_retry=global_retry)
    step = status_step
    if changes:
        # A running job whose params change is restarted once, as the job module does (apply_params: restart).
        track.plan_params(changes, wanted, state == decisions.STARTED and claim.get('apply_params') == 'restart')
        step = decisions.decide(track, state, global_retry=global_retry)
    action, _changed, predicted = decisions.predict(track, step, state)
    differs = []
    if status_step.kind in (decisions.ACT, decisions.HOLD, decisions.FAIL):
        differs.append('status')
    if changes:
        differs.append('params')
    return dict(
        id=row.get('uuid'), project=row.get('project'), model=row.get('model_alias'), type=claim['key'][2],
        status=row.get('job_status'), state=state,
        desired_status=STATUS_OF_STATE[state] if step.kind == decisions.FAIL else predicted,
        params=dict(current), desired_params=wanted, params_changes=changes,
        action=action, error=step.reason if step.kind == decisions.FAIL else None, differs=differs)


# ---------------------------------------------------------------- drift and export

STATE_OF_STATUS = {'RUNNING': 'started', 'STARTING': 'started', 'STOPPED': 'stopped', 'STOPPING': 'stopped',
                   'ERROR': 'stopped'}
SECRET_SHOWN = '(secret)'


def _label(cluster, project, model, kind):
    return '%s%s/%s %s' % (('%s: ' % cluster) if cluster else '', project, model, kind)


def _shown(key, value):
    if secret_param(key):
        return SECRET_SHOWN
    return 'unset' if value is None else '%s' % (value,)


def drift(entries, rows, cluster='', global_retry=False):
    """The desired state against the live rows of one cluster, for the drift runbook: ``compare()``, told.

    A dict: ``problems`` (mistakes of the desired state, nothing compared then), ``jobs`` (how many desired
    jobs were compared), ``drifted`` (the jobs that differ: ``cluster``, ``project``, ``model``, ``type``, ``id``,
    ``status``, ``desired_status``, ``action``, ``differs``, ``params`` (per param that differs,
    ``{before, after}``, secrets shown as ``(secret)``) and ``line``), ``missing`` (the desired jobs not found,
    with a ``line``) and ``lines``, one per drifted or missing job. Secret params never appear in clear.
    """
    compared = compare(entries, rows, global_retry)
    result = dict(cluster=cluster, problems=compared['problems'], jobs=len(compared['jobs']), drifted=[], missing=[],
                  lines=[])
    for job in compared['jobs']:
        if not job['differs']:
            continue
        params = dict((key, dict(before=_shown(key, change.get('before')), after=_shown(key, change.get('after'))))
                      for key, change in sorted(job['params_changes'].items()))
        what = []
        if 'status' in job['differs']:
            would = ('converge would %s it' % job['action']) if job['action'] else (
                'converge cannot: %s' % job['error'] if job['error'] else 'converge would wait for it')
            what.append('status %s, desired %s (%s)' % (job['status'], job['desired_status'], would))
        if params:
            what.append('params %s' % ', '.join(
                '%s %s' % (key, 'differs' if change['before'] == SECRET_SHOWN or change['after'] == SECRET_SHOWN
                           else '%s -> %s' % (change['before'], change['after']))
                for key, change in params.items()))
        item = dict(cluster=cluster, project=job['project'], model=job['model'], type=job['type'], id=job['id'],
                    status=job['status'], desired_status=job['desired_status'], action=job['action'],
                    differs=job['differs'], params=params)
        item['line'] = '%s: %s' % (_label(cluster, job['project'], job['model'], job['type']), '; '.join(what))
        result['drifted'].append(item)
        result['lines'].append(item['line'])
    for job in compared['missing']:
        item = dict(job, cluster=cluster, line='%s: not found on the cluster' % _label(cluster, job['project'], job['model'], job['type']))
        result['missing'].append(item)
        result['lines'].append(item['line'])
    return result


def _slug(text):
    out = ''.join(c if c.isalnum() else '_' for c in ('%s' % (text,)).lower())
    return '_'.join(part for part in out.split('_') if part)


def export(rows, cluster='', global_retry=False):
    """The live rows of one cluster as a desired state that converging changes nothing on.

    A dict: ``entries`` (``kylin_streaming_jobs``: one entry per project, state, job types and params,
    models sorted; a model's build and merge jobs share an entry when their state and params agree),
    ``secrets`` (``{variable, key, project, models, job_types}`` per secret param written as the vault
    placeholder ``{{ variable }}`` instead of its value; one variable per cluster, key and value),
    ``notes`` (jobs that converging the export would still act on, e.g. an ERROR job Kylin relaunches) and
    ``jobs`` (how many jobs). A job's state is ``started`` when RUNNING or STARTING, else ``stopped``.
    """
    units = {}  # (project, model) -> {type: (state, params)}
    spelling = {}
    for row in plain(rows or []):
        if not isinstance(row, Mapping) or not row.get('model_alias'):
            continue
        project = '%s' % (row.get('project') or '',)
        spelling.setdefault(project.lower(), project)
        key = (spelling[project.lower()], row['model_alias'])
        state = STATE_OF_STATUS.get(row.get('job_status'), 'stopped')
        units.setdefault(key, {})[row.get('type') or job_type(row)] = (state, dict(row.get('params') or {}))
    groups, order = {}, []
    for (project, model), kinds in sorted(units.items()):
        same = len(kinds) == 2 and kinds.get('build') == kinds.get('merge')
        parts = [(list(KINDS), kinds['build'])] if same else [([kind], kinds[kind]) for kind in sorted(kinds)]
        for job_types, (state, params) in parts:
            group = json.dumps([project, state, job_types, params], sort_keys=True)
            if group not in groups:
                groups[group] = dict(project=project, models=[], state=state, job_types=job_types, params=params)
                order.append(group)
            groups[group]['models'].append(model)
    state_rank = {'started': 0, 'stopped': 1}
    kinds_rank = {2: 0}
    ordered = sorted((groups[g] for g in order), key=lambda e: (e['project'].lower(), state_rank[e['state']],
                                                                kinds_rank.get(len(e['job_types']), 1), e['job_types'],
                                                                e['models'][0]))
    entries, secrets, variables = [], [], {}
    for group in ordered:
        entry = dict(project=group['project'], models=group['models'], state=group['state'])
        if group['job_types'] != list(KINDS):
            entry['job_types'] = group['job_types']
        if group['params']:
            params = {}
            for key, value in sorted(group['params'].items()):
                if secret_param(key):
                    base = 'vault_kylin_%s' % _slug('%s_%s' % (cluster, key) if cluster else key)
                    taken = variables.setdefault(base, [])
                    if json.dumps(value, sort_keys=True) not in taken:
                        taken.append(json.dumps(value, sort_keys=True))
                    number = taken.index(json.dumps(value, sort_keys=True)) + 1
                    variable = base if number == 1 else '%s_%d' % (base, number)
                    params[key] = '{{ %s }}' % variable
                    secrets.append(dict(variable=variable, key=key, project=group['project'], models=group['models'],
                                        job_types=group['job_types']))
                else:
                    params[key] = value
            entry['params'] = params
        entries.append(entry)
    # Converging the export must change nothing: what it would still do is said (compared with the real values).
    real = [dict(e, params=g['params']) if g['params'] else e for e, g in zip(entries, ordered)]
    notes = [line.split(': ', 1)[1] if cluster else line for line in drift(real, rows, cluster, global_retry)['lines']]
    return dict(entries=entries, secrets=secrets, notes=notes, jobs=sum(len(kinds) for kinds in units.values()))

# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Internal use only: the options of the ``job`` module, as one object.

A new option is its documentation (``plugins/modules/job.py``), its line in ``JOB_SPEC`` and the
place that reads ``options.<name>``; nothing passes it along in between. ``check()`` refuses the
combinations no request needs to reveal, before anything changes. Pure.
"""

from ansible_collections.kylin.streaming.plugins.module_utils._decisions import DEFAULT_TIMING
from ansible_collections.kylin.streaming.plugins.module_utils._errors import KylinOptionError
from ansible_collections.kylin.streaming.plugins.module_utils._health import HealthSpec
from ansible_collections.kylin.streaming.plugins.module_utils._options import spec_defaults

JOB_SPEC = dict(
    project=dict(type='str', required=True),
    models=dict(type='list', elements='str', aliases=['model']),
    job_ids=dict(type='list', elements='str', aliases=['job_id']),
    job_types=dict(type='list', elements='str', choices=['build', 'merge'], default=['build', 'merge']),
    state=dict(type='str', choices=['started', 'stopped', 'restarted'], default='started'),
    force=dict(type='bool', default=False),
    force_after=dict(type='int'),
    wait=dict(type='bool', default=True),
    wait_timeout=dict(type='int', default=600),
    poll_interval=dict(type='float', default=5),
    batch_size=dict(type='int', default=0),
    params=dict(type='dict'),
    params_purge=dict(type='bool', default=False),
    apply_params=dict(type='str', choices=['restart', 'next_start'], default='restart'),
    restart_method=dict(type='str', choices=['kylin', 'graceful'], default='kylin'),
    global_retry_enabled=dict(type='bool', default=False),
    health=dict(type='dict', options=dict(
        max_latency=dict(type='float', required=True),
        samples=dict(type='int', default=3),
        timeout=dict(type='int', default=600),
    )),
    rollback=dict(type='bool', default=False),
    server_timing=dict(type='dict', apply_defaults=True, options=dict(
        kill_seconds=dict(type='float', default=DEFAULT_TIMING['kill_seconds']),
        start_seconds=dict(type='float', default=DEFAULT_TIMING['start_seconds']),
        stop_seconds=dict(type='float', default=DEFAULT_TIMING['stop_seconds']),
        read_lag_seconds=dict(type='float', default=DEFAULT_TIMING['read_lag_seconds']),
    )),
)
JOB_SPEC_RULES = dict(
    mutually_exclusive=[('models', 'job_ids')],
    required_one_of=[('models', 'job_ids')],
)


class JobOptions:
    """The job module's options: ``options.state``, ``options.force``, ... plus check mode and diff."""

    def __init__(self, values, check_mode=False, diff=False):
        self._values = dict(values)
        self.check_mode = check_mode
        self.diff = diff

    @classmethod
    def of(cls, check_mode=False, diff=False, **values):
        """Options from keyword arguments, with the module's defaults for the rest (tests, benchmarks)."""
        unknown = set(values) - set(JOB_SPEC)
        if unknown:
            raise TypeError('unknown job option(s): %s' % ', '.join(sorted(unknown)))
        merged = spec_defaults(JOB_SPEC)
        merged.update(values)
        return cls(merged, check_mode=check_mode, diff=diff)

    @classmethod
    def from_module(cls, module):
        return cls({name: module.params.get(name) for name in JOB_SPEC}, check_mode=module.check_mode,
                   diff=module._diff)

    def __getattr__(self, name):
        try:
            return self.__dict__['_values'][name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def timing(self):
        """``server_timing`` with the defaults for what is not given."""
        given = self._values.get('server_timing') or {}
        return dict(DEFAULT_TIMING, **{k: float(v) for k, v in given.items() if v is not None})

    @property
    def health_spec(self):
        """The health gate (``_health.HealthSpec``), or None without one."""
        return HealthSpec.of(self._values.get('health'))

    @property
    def selected_job_types(self):
        """``job_types`` narrows ``models`` only; with ``job_ids`` the ids say the type."""
        return self.job_types if self.models else None

    def check(self):
        """Raise ``KylinOptionError`` for options that cannot work together."""
        problem = self._problem()
        if problem:
            raise KylinOptionError(problem)

    def _problem(self):
        if not (self.project or '').strip():
            return 'project must not be empty'
        for name in ('models', 'job_ids'):
            values = self._values.get(name)
            if values is not None and (not values or any(not v or not v.strip() for v in values)):
                return '%s must be a non-empty list of non-empty strings' % name
        if not self.models and not self.job_ids:
            return 'one of models or job_ids is required'
        if not self.job_types:
            return 'job_types must not be empty'
        if self.job_ids and set(self.job_types) != {'build', 'merge'}:
            return 'job_types only applies to models; with job_ids the ids say the type'
        for name in ('wait_timeout', 'batch_size'):
            if self._values[name] < 0:
                return '%s must be 0 or more (got %s)' % (name, self._values[name])
        if self.poll_interval <= 0:
            return 'poll_interval must be more than 0 (got %s)' % self.poll_interval
        if self.force_after is not None:
            if self.force_after < 0:
                return 'force_after must be 0 or more (got %s)' % self.force_after
            if self.state != 'stopped' and not (self.state == 'restarted' and self.restart_method == 'graceful'):
                return 'force_after only applies to state=stopped, and to state=restarted with restart_method=graceful'
            if self.force:
                return 'force and force_after are mutually exclusive: force already force-stops at once'
            if not self.wait:
                return ('force_after needs wait=true: it force-stops the jobs still not STOPPED after force_after '
                        'seconds of waiting, and wait=false does not wait (use force=true to force-stop at once)')
        for name, value in self.timing.items():
            if value < 0:
                return 'server_timing.%s must be 0 or more (got %s)' % (name, value)
        if self.restart_method == 'graceful' and self.state == 'restarted' and self.force:
            return 'force does not apply to restart_method=graceful; bound the graceful STOP with force_after'
        if self.params is None and self.params_purge:
            return 'params_purge needs params'
        if self.params is not None and self.state == 'restarted' and self.apply_params == 'next_start':
            return 'apply_params=next_start contradicts state=restarted'
        return self._gate_problem()

    def _gate_problem(self):
        health = self._values.get('health')
        if health is not None:
            if health.get('max_latency') is None:
                return 'health.max_latency is required: the data latency (seconds) a healthy job stays at or under'
            if health['max_latency'] <= 0:
                return 'health.max_latency must be more than 0 (got %s)' % health['max_latency']
            if health.get('samples') is not None and health['samples'] < 1:
                return 'health.samples must be 1 or more (got %s)' % health['samples']
            if health.get('timeout') is not None and health['timeout'] <= 0:
                return 'health.timeout must be more than 0 (got %s)' % health['timeout']
        for name, given in (('health', health is not None), ('rollback', self._values.get('rollback'))):
            if not given:
                continue
            if self.state == 'stopped':
                return '%s applies to state=started and state=restarted: state=stopped launches nothing' % name
            if not self.wait:
                return ('%s needs wait=true: a job is known to be healthy, or to have failed, only by waiting for it'
                        % name)
        return None

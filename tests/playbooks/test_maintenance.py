# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""kylin.streaming.maintenance_stop and maintenance_resume against the simulator."""

import yaml

from kylin_sim.testing import FAST

POLL = 0.2
RUNNING = ('RUNNING', 'STARTING')


def test_stop_then_resume_restores_exactly_the_running_jobs(ctl, playbook, tmp_path):
    # One job is still STARTING when the window begins (a long launch): it counts as running.
    starting = ctl.job_id('inventory_levels')
    ctl.set_config(start_delay=60)
    ctl.patch_job(starting, status='STARTING')
    before = ctl.statuses()
    running = sorted(job for job, status in before.items() if status in RUNNING)
    assert before[starting] == 'STARTING' and len(running) == 9
    snapshot = tmp_path / 'window.yml'

    # Every project; kylin_force: the STARTING job is force-stopped at once instead of awaited.
    stop = playbook('maintenance_stop', kylin_snapshot=str(snapshot), kylin_force=True, kylin_poll_interval=POLL)
    assert stop.rc == 0, stop
    saved = yaml.safe_load(snapshot.read_text())
    assert saved['kind'] == 'kylin.streaming/maintenance-snapshot' and saved['version'] == 1
    assert sorted(job['id'] for job in saved['jobs']) == running
    assert dict((job['id'], job['status']) for job in saved['jobs'])[starting] == 'STARTING'
    stopped = ctl.statuses()
    assert all(status in ('STOPPED', 'ERROR', 'LAUNCHING_ERROR') for status in stopped.values()), stopped

    ctl.set_config(start_delay=FAST['start_delay'])  # back to the suite's timing
    actions_before_resume = len(ctl.actions())
    resume = playbook('maintenance_resume', kylin_snapshot=str(snapshot), kylin_poll_interval=POLL)
    assert resume.rc == 0, resume
    assert 'Started 9 of the 9 jobs of the snapshot' in resume.output
    assert 'already running' not in resume.output  # there were no others
    after = ctl.statuses()
    assert sorted(job for job, status in after.items() if status == 'RUNNING') == running
    for job, status in before.items():  # stopped and errored before the window: still so
        if job not in running:
            assert after[job] == status, (job, status, after[job])
    started = [action['job_id'] for action in ctl.actions()[actions_before_resume:]]
    assert sorted(started) == running
    assert not snapshot.exists()  # the window is closed


def test_stop_twice_keeps_what_the_first_stop_saved(ctl, playbook, tmp_path):
    running = sorted(job for job, status in ctl.statuses('iot').items() if status in RUNNING)
    other_project = ctl.statuses('streaming_demo')
    snapshot = tmp_path / 'iot.yml'
    common = {'kylin_project': 'iot', 'kylin_snapshot': str(snapshot), 'kylin_poll_interval': POLL}
    first = playbook('maintenance_stop', **common)
    assert first.rc == 0, first
    second = playbook('maintenance_stop', **common)  # nothing runs now: the snapshot must not forget
    assert second.rc == 0, second
    assert sorted(job['id'] for job in yaml.safe_load(snapshot.read_text())['jobs']) == running
    assert ctl.statuses('streaming_demo') == other_project  # only the given project was stopped

    resume = playbook('maintenance_resume', kylin_snapshot=str(snapshot), kylin_snapshot_keep=True, kylin_poll_interval=POLL)
    assert resume.rc == 0, resume
    assert sorted(job for job, status in ctl.statuses('iot').items() if status == 'RUNNING') == running
    assert snapshot.exists()


def test_resume_refuses_a_snapshot_that_does_not_match_the_server(ctl, playbook, tmp_path):
    real = ctl.job_id('inventory_levels')
    unknown = '0f0f0f0f-0000-4000-8000-000000000000_build'
    snapshot = tmp_path / 'other-server.yml'
    snapshot.write_text(yaml.safe_dump({
        'kind': 'kylin.streaming/maintenance-snapshot', 'version': 1, 'server': 'http://kylin-prod:7070',
        'created': '2026-01-01T00:00:00Z',
        'jobs': [{'id': real, 'project': 'streaming_demo', 'model': 'inventory_levels', 'type': 'build', 'status': 'RUNNING'},
                 {'id': unknown, 'project': 'streaming_demo', 'model': 'gone_model', 'type': 'build', 'status': 'RUNNING'}]}))

    run = playbook('maintenance_resume', kylin_snapshot=str(snapshot), kylin_poll_interval=POLL)
    assert run.rc != 0, run
    assert 'does not match this server: 1 of its 2 jobs do not exist here' in run.output, run
    assert 'streaming_demo gone_model build ' + unknown in run.output
    assert 'Nothing was changed' in run.output
    assert ctl.actions() == []  # refused before any change: inventory_levels was not started
    assert ctl.status(real) == 'STOPPED'
    assert snapshot.exists()


def test_resume_refuses_a_missing_or_foreign_file(ctl, playbook, tmp_path):
    run = playbook('maintenance_resume', kylin_snapshot=str(tmp_path / 'none.yml'))
    assert run.rc != 0 and 'No maintenance snapshot at' in run.output, run
    foreign = tmp_path / 'foreign.yml'
    foreign.write_text('jobs: [1, 2]\n')
    run = playbook('maintenance_resume', kylin_snapshot=str(foreign))
    assert run.rc != 0 and 'is not a kylin.streaming maintenance snapshot' in run.output, run
    run = playbook('maintenance_stop', kylin_snapshot=str(foreign))  # never overwritten
    assert run.rc != 0 and 'exists but is not a kylin.streaming maintenance snapshot' in run.output, run
    assert foreign.read_text() == 'jobs: [1, 2]\n'
    assert ctl.actions() == []

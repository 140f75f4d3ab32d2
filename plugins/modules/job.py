#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
module: job
short_description: Desired state of Kylin streaming jobs (started, stopped, restarted)
version_added: 0.1.0
description:
  - Makes the streaming (Kafka) jobs of Apache Kylin 5 / Kyligence Enterprise models reach a desired
    state through Kylin's REST API, idempotently, and waits until they are steady.
  - Each streaming model has a build job (V(<model uuid>_build)) and a merge job (V(<model uuid>_merge)).
    Select them by model alias (O(models), optionally narrowed with O(job_types)) or by id (O(job_ids)).
  - "What is done to a job, by its current status: V(RUNNING): nothing when O(state=started), STOP when
    O(state=stopped). V(STARTING): waited for V(RUNNING) (and then stopped when O(state=stopped), because a
    STOP sent while a job is starting can be lost). V(STOPPED) and V(ERROR): START when O(state=started);
    nothing when O(state=stopped), except that an V(ERROR) job whose params enable
    C(kylin.streaming.job-retry-enabled) is force-stopped, as Kylin would otherwise relaunch it, and so is one
    this task read V(STARTING) just before (someone's STOP met its launch, which goes on).
    V(STOPPING): waited for, then started when O(state=started). O(state=restarted) restarts every
    selected job, whatever its status."
  - Waiting for transitional statuses before acting happens even with O(wait=false), bounded by
    O(wait_timeout), because Kylin refuses or loses actions sent too early.
  - Build jobs are started before merge jobs and merge jobs are stopped before build jobs.
  - A job whose model is broken is not started. It is reported with an error, the other jobs still
    converge, and the task fails at the end. Unknown model aliases or job ids fail the task before
    anything changes.
  - Jobs that another controller starts at the same time are not an error, and not this task's change.
author:
  - kylin.streaming maintainers (@kylin-streaming)
options:
  project:
    description:
      - Kylin project of the jobs.
    type: str
    required: true
  models:
    description:
      - Exact, case-sensitive aliases of the models whose jobs to manage.
      - Mutually exclusive with O(job_ids); one of them is required.
    type: list
    elements: str
    aliases: [model]
  job_ids:
    description:
      - Ids of the jobs to manage, V(<model uuid>_build) or V(<model uuid>_merge).
      - Mutually exclusive with O(models).
    type: list
    elements: str
    aliases: [job_id]
  job_types:
    description:
      - Which jobs of the O(models) to manage. Only with O(models).
    type: list
    elements: str
    choices: [build, merge]
    default: [build, merge]
  state:
    description:
      - V(started) - the jobs are running.
      - V(stopped) - the jobs are stopped (a job left in V(ERROR) counts as stopped).
      - V(restarted) - every selected job is restarted (see O(restart_method)) and running again; always
        reports a change.
    type: str
    choices: [started, stopped, restarted]
    default: started
  force:
    description:
      - With O(state=stopped), use FORCE_STOP (kill the driver now) instead of a graceful STOP, which
        waits for the current micro-batch; a V(STARTING) job is force-stopped at once instead of being
        waited for.
      - With O(state=started), a job stuck in V(STOPPING) is restarted at once instead of being waited for.
    type: bool
    default: false
  force_after:
    description:
      - With O(state=stopped) and O(wait=true), stop gracefully first, then FORCE_STOP the jobs that are
        still not V(STOPPED) this many seconds later.
      - With O(state=restarted) and O(restart_method=graceful), the same bound for the graceful STOP.
      - A graceful STOP ends with a kill of about 21 seconds (O(server_timing.kill_seconds)) under a lock of
        the Kylin node, one job at a time, so jobs stopped together reach V(STOPPED) about a kill apart. A
        FORCE_STOP would only queue behind the same lock. So each job's bound is extended by one kill for
        each of this task's jobs ahead of it, and no job is force-stopped while this task's stopping jobs
        keep reaching V(STOPPED) at the kill's pace; once none has for a kill (plus a margin and the read
        lag), the jobs past their bound are force-stopped.
      - What it cannot see is the kills of other projects' jobs on the same node, which slow the queue
        without showing in it. Before the first job ends only the bound counts, so give it at least one
        micro-batch plus one kill (about 51 seconds on a default cluster).
      - Refused with O(wait=false), where nothing waits for the graceful stop; use O(force=true) to force-stop at once.
    type: int
  wait:
    description:
      - Wait until every selected job is steady, V(RUNNING) for O(state=started) and O(state=restarted),
        V(STOPPED) or V(ERROR) for O(state=stopped).
      - A job that falls into V(ERROR) while V(RUNNING) is awaited fails the task at once, with its
        launching error, without waiting for the timeout.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait, for the whole task or, with O(batch_size), for each batch. A timeout fails the
        task with each job's last status.
    type: int
    default: 600
  poll_interval:
    description:
      - Seconds before the first status poll, and before the next one after a poll that saw any awaited job
        move. Polls that see nothing move back off by a factor of 1.5 up to 30 seconds.
      - When O(server_timing) predicts the next change (the next kill of the jobs being stopped gracefully),
        the next poll is timed for it.
      - Each poll is one list request for all awaited jobs; the result's RV(polls) counts them.
    type: float
    default: 5
  batch_size:
    description:
      - Act on at most this many jobs at a time. With O(wait=true) each batch settles before the next
        starts (a rolling restart), and a batch that fails (a job that does not start, or fails the O(health)
        gate) stops the run; the jobs of later batches are left untouched (their O(params) too) and reported
        as not attempted.
      - V(0) acts on all jobs at once.
    type: int
    default: 0
  params:
    description:
      - Job parameters to ensure (C(spark.executor.memory), C(kylin.streaming.duration), ...). The keys
        given are merged into each selected job's map; a key set to V(null) is removed.
      - Values are compared as Kylin stores them, as strings (V(true)/V(false) for booleans).
      - Written with Kylin's internal C(PUT /streaming_jobs/params) endpoint before any status change;
        values Kylin would refuse fail the task before anything changes.
      - Kylin applies params when a job starts; see O(apply_params).
    type: dict
  params_purge:
    description:
      - Make O(params) the whole map of each job, removing every key not given.
    type: bool
    default: false
  apply_params:
    description:
      - What to do with a V(RUNNING) or V(STARTING) job whose params changed, when O(state=started).
      - V(restart) - restart it once so the new values take effect.
      - V(next_start) - leave it running; the values take effect at its next start.
    type: str
    choices: [restart, next_start]
    default: restart
  restart_method:
    description:
      - How O(state=restarted) restarts a job.
      - V(kylin) - Kylin's RESTART, a FORCE_STOP then a START in one request. Kylin kills the driver of a
        running job in about 21 seconds and runs one kill at a time on the node, so restarting N running
        jobs takes the server at least N times 21 seconds; a kill can leave the segment being written
        REFRESHING or LOCKED. Right for a few jobs, or for jobs that must go down now.
      - V(graceful) - a graceful STOP of every selected job at once (each driver finishes its current
        micro-batch), then a START of each job as soon as it is stopped. Each graceful STOP also ends with
        Kylin's 21 second kill, one job at a time on the node, so N jobs take about one micro-batch
        (C(kylin.streaming.duration), 30 seconds by default) plus N times 21 seconds plus the START work,
        the same order of time as V(kylin). What it gains is the data (no segment left REFRESHING or
        LOCKED), not the time. Bound it with O(force_after). Each job's RV(jobs[].action) says
        V(RESTART (STOP, START)), and the summary V(restarted N (graceful)).
      - See the collection's C(docs/production.md) for the figures.
    type: str
    choices: [kylin, graceful]
    default: kylin
  health:
    description:
      - A health gate for every job this task starts, restarts, or restarts to apply O(params). Such a job is
        done only when its data flows, not as soon as it reads V(RUNNING).
      - A build job is healthy after O(health.samples) micro-batches in a row, all newer than the launch this
        task caused, with a data latency at or under O(health.max_latency). Kylin writes one stats row per
        micro-batch, every trigger interval (C(kylin.streaming.duration), 30 seconds by default), so the gate
        takes at least O(health.samples) trigger intervals after V(RUNNING), and adds at most one more.
      - Right after a restart, the job list's C(data_latency) still shows the last micro-batch of the previous
        run; the gate never reads it. It reads the job's stats (C(GET /streaming_jobs/stats/{job_id})) once
        per micro-batch, and its records once, for the server time of the launch.
      - A merge job keeps no latency, so it is healthy when V(RUNNING). A job that was already running, or that
        another controller started, is not gated.
      - A job that is not healthy O(health.timeout) seconds after V(RUNNING), or that leaves V(RUNNING)
        meanwhile, fails, with its last latency (or that no micro-batch came since the start). With
        O(batch_size), a batch with such a job stops the run; later batches are not acted on.
      - The time the gate takes does not count against O(wait_timeout).
      - Refused with O(wait=false) and with O(state=stopped). In check mode the plan shows the gate and nothing
        is waited for.
      - See the collection's C(docs/production.md) for choosing O(health.max_latency).
    type: dict
    suboptions:
      max_latency:
        description:
          - The data latency, in seconds, a healthy build job stays at or under.
          - A micro-batch comes once per trigger interval, and a job catching up on the backlog its restart
            left shows higher latencies for its first micro-batches. Give it at least the trigger interval plus
            the latency it has when healthy.
        type: float
        required: true
      samples:
        description:
          - How many micro-batches in a row must be at or under O(health.max_latency).
        type: int
        default: 3
      timeout:
        description:
          - Seconds after the job reached V(RUNNING) within which it must be healthy.
        type: int
        default: 600
  rollback:
    description:
      - When this task changed a job's O(params) and the job then fails to launch (V(ERROR), a launching
        error) or fails the O(health) gate, write back the params it had before (the exact map read at the
        start of the task) and start or restart it again with them.
      - The task still fails, saying for each job that it rolled back and why; RV(jobs[].rolled_back) is
        V(true). The job is not gated again after a rollback; the task waits until it is V(RUNNING).
      - Nothing is rolled back that this task did not change. Refused with O(wait=false) and with
        O(state=stopped).
    type: bool
    default: false
  global_retry_enabled:
    description:
      - The cluster's C(kylin.streaming.job-retry-enabled) setting (in C(kylin.properties)), which Kylin
        applies to jobs whose params lack that key. The REST API does not show it.
      - With O(state=stopped), an V(ERROR) job that Kylin would relaunch is force-stopped; this option
        says what Kylin does for jobs without the key.
    type: bool
    default: false
  server_timing:
    description:
      - What the Kylin server spends inside a status request, per job, and how far its reads may lag.
        They size each status request so the server's expected work fills at most half of O(timeout),
        and say how long to follow a request whose answer was lost before anything is sent again.
      - Time spent inside status requests does not count against O(wait_timeout).
      - The defaults are those of a Kylin 5 cluster; lower them for a test server, raise them for a
        slow one (drivers on other hosts are killed over SSH).
    type: dict
    suboptions:
      kill_seconds:
        description:
          - Seconds a FORCE_STOP, or the kill part of a RESTART, takes per job with a live driver.
            Kylin kills one job at a time on the node, in 6 rounds of 1 to 6 seconds. A graceful STOP
            ends with the same kill.
          - It also sets the pace of the jobs stopping gracefully that O(force_after) waits out, and how long
            a request whose answer was lost is followed with nothing moving before it is sent again.
        type: float
        default: 21
      start_seconds:
        description:
          - Seconds a START (or the start part of a RESTART) takes the server per job inside the request
            (a grep for a leftover driver, a YARN call, a segment clean-up, metadata writes).
        type: float
        default: 1
      stop_seconds:
        description:
          - Seconds a graceful STOP takes the server per job inside the request.
        type: float
        default: 0.5
      read_lag_seconds:
        description:
          - How far a read may lag a write. Behind a load balancer, reads are answered by any Kylin node
            from a cache that catches up every C(kylin.metadata.audit-log.catchup-interval) (5 seconds, more
            under load), so right after a START a read can still say V(STOPPED).
          - With more than V(0), a read that contradicts this task's own action is never taken as a failure by
            its age alone; it must show a version of the job newer than the action. It also lengthens how
            long a request whose answer was lost is followed.
          - V(0) for a single Kylin node, where every read is current.
        type: float
        default: 5
extends_documentation_fragment:
  - kylin.streaming.connection.writes
  - kylin.streaming.connection
  - kylin.streaming.attributes
  - kylin.streaming.attributes.changes
notes:
  - Requests in the usual case are one list read for all selected jobs, one PUT per kind of action
    (per batch, and per chunk sized by O(server_timing) to half of O(timeout)), and one list read per
    poll, however many jobs are selected.
seealso:
  - module: kylin.streaming.job_info
  - plugin: kylin.streaming.jobs
    plugin_type: lookup
'''

EXAMPLES = r'''
- name: Set the connection once for every kylin.streaming module
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/kylin.streaming.kylin:
      url: http://kylin.example.com:7070
      username: ADMIN
      password: "{{ vault_kylin_password }}"
  tasks:
    - name: Build and merge jobs of two models are running
      kylin.streaming.job:
        project: sales
        models: [orders_rt, payments_rt]
        state: started

    - name: Only the merge job of a model is stopped, without waiting
      kylin.streaming.job:
        project: sales
        model: orders_rt
        job_types: [merge]
        state: stopped
        wait: false

    - name: Stop gracefully, force-stop what has not stopped after two minutes
      kylin.streaming.job:
        project: sales
        models: [orders_rt]
        state: stopped
        force_after: 120

    - name: Rolling restart, two jobs at a time, each pair RUNNING before the next
      kylin.streaming.job:
        project: sales
        models: "{{ sales_models }}"
        state: restarted
        batch_size: 2

    - name: Restart jobs gracefully (each driver ends its micro-batch); force-stop one whose stop hangs
      kylin.streaming.job:
        project: sales
        models: "{{ sales_models }}"
        state: restarted
        restart_method: graceful
        force_after: 120

    - name: Against a single test node whose kills take a second
      kylin.streaming.job:
        project: sales
        models: [orders_rt]
        state: restarted
        server_timing:
          kill_seconds: 1
          read_lag_seconds: 0

    - name: Stop jobs on a cluster whose kylin.properties enables job retries globally
      kylin.streaming.job:
        project: sales
        models: [orders_rt]
        state: stopped
        global_retry_enabled: true

    - name: Restart jobs by id
      kylin.streaming.job:
        project: sales
        job_ids:
          - 7bccf62d-535c-70b8-8271-eaef3985aa96_build
        state: restarted

    - name: Tune the build job and restart it only if a value changed
      kylin.streaming.job:
        project: sales
        models: [orders_rt]
        job_types: [build]
        state: started
        params:
          spark.executor.instances: 4
          spark.executor.memory: 2g
          kylin.streaming.duration: 30

    - name: Rolling restart that goes on only while each batch's data flows again (latency under 2 minutes)
      kylin.streaming.job:
        project: sales
        models: "{{ sales_models }}"
        state: restarted
        batch_size: 2
        health:
          max_latency: 120
          samples: 3
          timeout: 600

    - name: Change a param, and put the old value back if the job does not launch or does not catch up
      kylin.streaming.job:
        project: sales
        models: [orders_rt]
        job_types: [build]
        params:
          kylin.streaming.kafka-conf.maxOffsetsPerTrigger: 200000
        health:
          max_latency: 90
        rollback: true

    - name: Show the plan without changing anything
      kylin.streaming.job:
        project: sales
        models: [orders_rt]
        state: stopped
      check_mode: true
      diff: true
      register: plan

- name: Without module_defaults, from the environment (KYLIN_URL, KYLIN_USERNAME, KYLIN_PASSWORD)
  hosts: kylin_servers
  gather_facts: false
  tasks:
    - name: Jobs of the host's models are running
      kylin.streaming.job:
        project: "{{ kylin_project }}"
        models: "{{ kylin_models }}"
      delegate_to: localhost
'''

RETURN = r'''
changed:
  description: Whether any job was acted on (or, in check mode, would be), or had its params changed.
  returned: always
  type: bool
jobs:
  description: One entry per selected job, in selection order.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Job id.
      type: str
      sample: 7bccf62d-535c-70b8-8271-eaef3985aa96_build
    project:
      description: Project, as Kylin spells it.
      type: str
      sample: sales
    model:
      description: Model alias.
      type: str
      sample: orders_rt
    type:
      description: V(build) or V(merge).
      type: str
      sample: build
    status_before:
      description: Status when the task started.
      type: str
      sample: STOPPED
    status:
      description:
        - Last status seen. In check mode, the status the job would reach.
        - With O(wait=false), the status Kylin sets before answering (V(STARTING) after a START,
          V(STOPPING) after a STOP).
      type: str
      sample: RUNNING
    action:
      description:
        - The action this task applied (the last one, when a STOP was escalated to FORCE_STOP), or would apply in check mode.
        - For O(restart_method=graceful), every step of the restart, V(RESTART (STOP, START)),
          V(RESTART (STOP, FORCE_STOP, START)) when O(force_after) force-stopped the job, V(RESTART (START)) for
          a job that was not running.
      type: str
      sample: START
    changed:
      description: Whether this task changed this job.
      type: bool
      sample: true
    error:
      description: Why this job did not reach the desired state, or V(null).
      type: str
      sample: null
    launching_error:
      description: Present and V(true) when Kylin reports that the job failed to launch.
      type: bool
      returned: when true
    note:
      description: A remark, for instance that another controller started the job at the same time, or that a batch was not attempted.
      type: str
      returned: when there is one
    resent:
      description:
        - Each write sent again to this job after the answer to an earlier one was lost or refused, with the
          reason, what was seen that showed no sign of the first one. Check it against Kylin's records
          (C(kylin.streaming.job_info) with O(kylin.streaming.job_info#module:include=records)).
      type: list
      elements: dict
      returned: when a write was sent again
      sample:
        - action: RESTART
          reason: RESTART was lost (HTTP 503 ...); then the STOPPING seen before the send ended by itself (STOPPED)
      contains:
        action:
          description: The action sent again.
          type: str
        reason:
          description: Why the first one was not taken as applied.
          type: str
    health:
      description:
        - What the O(health) gate saw of this job, or V(null) when the job was not gated (no O(health), or
          not started or restarted by this task).
        - In check mode, V(healthy) is V(null) for the jobs that would be gated.
      type: dict
      returned: always
      sample: {"healthy": true, "latency": 12.5, "samples": 5}
      contains:
        healthy:
          description: Whether the job passed the gate; V(false) when it failed it or never reached V(RUNNING).
          type: bool
        latency:
          description: The data latency, in seconds, of the last micro-batch of this run the gate saw; V(null) without one (and for merge jobs).
          type: float
        samples:
          description: How many micro-batches of this run (newer than its launch) the gate saw.
          type: int
    rolled_back:
      description:
        - Present and V(true) when O(rollback) wrote this job's previous params back and launched it again with
          them; RV(jobs[].error) says why.
      type: bool
      returned: when a job was rolled back
    params_changed:
      description: Params that changed (or would), each with its V(before) and V(after) value.
      type: dict
      returned: when O(params) is set
      sample: {"spark.executor.instances": {"before": "2", "after": "4"}}
msg:
  description:
    - What was done, or what failed. With O(health), how many jobs passed the gate and how long it took after
      V(RUNNING), and which jobs were rolled back.
  returned: always
  type: str
  sample: started 2, 2 already running
elapsed:
  description: Seconds the task took.
  returned: always
  type: float
  sample: 12.408
polls:
  description: List reads made while waiting (polls, and re-reads after a write whose answer was lost).
  returned: always
  type: int
  sample: 6
'''

from ansible_collections.kylin.streaming.plugins.module_utils._job_options import JOB_SPEC, JOB_SPEC_RULES, JobOptions
from ansible_collections.kylin.streaming.plugins.module_utils._module import KylinModule
from ansible_collections.kylin.streaming.plugins.module_utils._reconcile import JobReconciler


def main():
    module = KylinModule(argument_spec=JOB_SPEC, supports_check_mode=True, **JOB_SPEC_RULES)
    options = JobOptions.from_module(module)
    module.run(lambda client: JobReconciler(client, options, warn=module.warn).run(), changed=False, jobs=[])


if __name__ == '__main__':
    main()

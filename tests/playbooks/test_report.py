# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""kylin.streaming.report: the HTML page rendered by a real headless browser (chromium), plus Markdown and CSV.

The screenshot and the page are kept in docs/_artifacts/ (git-ignored; KYLIN_ARTIFACTS_DIR to change).
"""

import csv
import os
import shutil
import struct
import subprocess

from html.parser import HTMLParser

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ARTIFACTS = os.environ.get('KYLIN_ARTIFACTS_DIR') or os.path.join(ROOT, 'docs', '_artifacts')
BROWSERS = ('chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable')
PROJECT = 'streaming_demo'
# Rank of each kind of problem, as the report sorts them.
RANKS = {'error': 0, 'broken': 1, 'transition': 2, 'latency': 3, 'stopped': 4, 'ok': 5}


class ReportPage(HTMLParser):
    """What a test needs from the rendered DOM: the job rows, in order, and the summary cards."""

    def __init__(self):
        super().__init__()
        self.rows = []
        self.cards = {}
        self.svgs = 0
        self.title = ''
        self.verdict = ''
        self.external = []
        self.links = []
        self.axis = []
        self.reasons = []
        self._card = None
        self._in = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == 'tr' and 'data-job-id' in attrs:
            self.rows.append(attrs)
        elif tag == 'svg':
            self.svgs += 1
        elif tag == 'div' and 'data-count' in attrs:
            self._card = attrs['data-count']
        elif tag == 'div' and 'value' in attrs.get('class', '').split() and self._card:
            self._in = 'card'
        elif tag == 'div' and attrs.get('id') == 'verdict':
            self._in = 'verdict'
        elif tag == 'title' and not self.title:
            self._in = 'title'
        if tag == 'a' and 'href' in attrs:
            self.links.append(attrs['href'])  # a link is followed by a person, not loaded with the page
        elif 'href' in attrs:
            self.external.append(attrs['href'])
        if 'src' in attrs:
            self.external.append(attrs['src'])
        if tag == 'text' and 'axis' in attrs.get('class', '').split():
            self._in = 'axis'
        elif tag == 'div' and 'reason' in attrs.get('class', '').split():
            self._in = 'reason'

    def handle_endtag(self, tag):
        if tag in ('div', 'title', 'text'):
            self._in = None

    def handle_data(self, data):
        if self._in == 'card':
            self.cards[self._card] = int(data.strip())
            self._card = None
        elif self._in == 'verdict':
            self.verdict += data.strip()
        elif self._in == 'title':
            self.title += data
        elif self._in == 'axis':
            self.axis.append(data.strip())
        elif self._in == 'reason':
            self.reasons.append(data.strip())


def browser():
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    pytest.fail('no chromium: run `make browser` (apt-get install chromium) first')
    return None


def chromium(tmp_path, *args):
    """Run headless chromium with flags that keep it offline and quiet; return its stdout."""
    command = [browser(), '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
               '--disable-background-networking', '--disable-component-update', '--disable-sync', '--hide-scrollbars',
               '--user-data-dir=%s' % (tmp_path / 'chromium-profile')] + list(args)
    proc = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=120,
                          check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def png_size(path):
    with open(path, 'rb') as png:
        head = png.read(24)
    assert head[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
    return struct.unpack('>II', head[16:24])


@pytest.fixture(name='report')
def report_fixture(ctl, playbook, tmp_path):
    """A report of a server with one problem of every kind, and a job whose latency is not a problem yet."""
    ctl.set_config(start_delay=60, stats_interval=100000)  # runs started from here on write no stats for a long time
    ctl.patch_job(ctl.job_id('inventory_levels'), status='STARTING')  # stays STARTING while the report is written
    ctl.patch_job(ctl.job_id('user_sessions'), data_latency=150000)  # two running jobs lagging behind
    ctl.patch_job(ctl.job_id('clickstream'), data_latency=90000)
    # Running for 2 hours without a single micro-batch: stalled.
    ctl.patch_job(ctl.job_id('fleet_telemetry', project='iot'), status='RUNNING', records=[['START', 7200]])
    # Just restarted: its data latency is the previous run's last value, not a problem.
    ctl.patch_job(ctl.job_id('orders_rt'), status='STOPPED')
    ctl.patch_job(ctl.job_id('orders_rt'), status='RUNNING')
    out = tmp_path / 'report'
    run = playbook('report', kylin_streaming_report_dir=str(out), kylin_streaming_report_latency_threshold=60)
    assert run.rc == 0, run
    assert '18 jobs, 8 need attention' in run.output, run
    return out / 'kylin-streaming-jobs'


def test_html_report_renders_every_job_problems_first(ctl, report, tmp_path):
    html = str(report) + '.html'
    dom = chromium(tmp_path, '--dump-dom', 'file://' + html)
    page = ReportPage()
    page.feed(dom)

    # Every job of the server, once.
    jobs = dict((job['id'], job) for job in ctl.jobs())
    ids = [row['data-job-id'] for row in page.rows]
    assert sorted(ids) == sorted(jobs) and len(ids) == 18

    # Problems first: errors, broken models, starting/stopping, high latency (highest first), stopped, running.
    ranks = [int(row['data-rank']) for row in page.rows]
    assert ranks == sorted(ranks), ranks
    problems = [row['data-problem'] for row in page.rows]
    assert problems[:8] == ['error', 'error', 'broken', 'broken', 'transition', 'latency', 'latency', 'latency'], problems
    assert [RANKS[problem] for problem in problems] == ranks
    by_id = dict((row['data-job-id'], row) for row in page.rows)
    assert by_id[ctl.job_id('payments_fraud')]['data-status'] == 'ERROR'  # a launching error is an ERROR
    assert by_id[ctl.job_id('inventory_levels')]['data-status'] == 'STARTING'
    latency = [jobs[row['data-job-id']]['model_alias'] for row in page.rows if row['data-problem'] == 'latency']
    assert latency == ['fleet_telemetry', 'user_sessions', 'clickstream']  # stalled, then highest latency first
    assert by_id[ctl.job_id('orders_rt')]['data-problem'] == 'ok'  # just restarted
    for row in page.rows:
        assert row['data-status'] == {'LAUNCHING_ERROR': 'ERROR'}.get(jobs[row['data-job-id']]['status'],
                                                                      jobs[row['data-job-id']]['status'])

    # Summary counts at the top, a chart per running build job, nothing loaded from elsewhere.
    assert page.cards == {'total': 18, 'error': 2, 'broken_models': 1, 'transition': 1, 'high_latency': 3,
                          'running': 9, 'stopped': 6}
    assert page.verdict == '8 jobs need attention'
    assert page.svgs == 4  # orders_rt, clickstream, user_sessions, sensor_readings: running, micro-batches in the window
    assert page.external == []

    # What on-call needs: why each ERROR job is down, links to the YARN application, values on the chart axes.
    assert len(page.reasons) == 2, page.reasons
    assert any('failed to launch' in reason and 'kylin.log' in reason for reason in page.reasons), page.reasons
    assert any(reason.startswith('last records: ERROR ') and ' ago' in reason for reason in page.reasons), page.reasons
    running = [job for job in ctl.jobs() if job['status'] == 'RUNNING' and job.get('yarn_app_url')]
    assert running and all(job['yarn_app_url'] in page.links for job in running)
    assert page.axis.count('now') == page.svgs and page.axis.count('-60 min') == page.svgs
    assert all(label.endswith('s') and float(label[:-1]) > 0 for label in page.axis if label not in ('now', '-60 min'))

    # A screenshot a person can look at: docs/_artifacts/report.png.
    os.makedirs(ARTIFACTS, exist_ok=True)
    screenshot = os.path.join(ARTIFACTS, 'report.png')
    if os.path.exists(screenshot):
        os.remove(screenshot)
    chromium(tmp_path, '--screenshot=%s' % screenshot, '--window-size=1280,1100', 'file://' + html)
    assert png_size(screenshot) == (1280, 1100)
    assert os.path.getsize(screenshot) > 20000  # not a blank page
    shutil.copy(html, os.path.join(ARTIFACTS, 'report.html'))


def test_markdown_and_csv_variants(ctl, report):
    jobs = dict((job['id'], job) for job in ctl.jobs())

    with open(str(report) + '.csv', newline='', encoding='utf-8') as handle:
        rows = list(csv.DictReader(handle))
    assert sorted(row['job_id'] for row in rows) == sorted(jobs)
    ranks = [int(row['rank']) for row in rows]
    assert ranks == sorted(ranks)
    assert [row['problem'] for row in rows[:2]] == ['error', 'error']
    first = rows[0]
    assert first['status'] == 'ERROR' and first['model'] in ('ad_impressions', 'payments_fraud')
    slow = [row for row in rows if row['model'] == 'user_sessions' and row['job_type'] == 'build'][0]
    assert [row['model'] for row in rows if row['problem'] == 'latency'] == ['fleet_telemetry', 'user_sessions', 'clickstream']
    assert int(slow['data_latency_ms']) >= 60000 and slow['problem'] == 'latency'
    assert [row for row in rows if row['model'] == 'smart_meter'][0]['notes'] == 'model broken'
    assert [row for row in rows if row['model'] == 'smart_meter'][1]['notes'] == 'model broken, never ran'

    with open(str(report) + '.md', encoding='utf-8') as handle:
        markdown = handle.read()
    table = [line for line in markdown.splitlines() if line.startswith('| ')]
    assert len(table) == 1 + 18  # header + one line per job
    assert '**8 of 18 jobs need attention**' in markdown
    assert 'no micro-batch in 60 min' in markdown and 'just started, latency not measured yet' in markdown
    assert table[1].startswith('| 🔴 | ERROR |')
    assert table[-1].startswith('| 🟢 | RUNNING |')
    # The same order as the CSV.
    assert [line.split('|')[3].strip().strip('*') for line in table[1:]] == [row['model'] for row in rows]


def test_check_mode_writes_no_file_and_says_so(ctl, playbook, tmp_path):
    """`--check` reads and writes nothing: the closing line must not claim files were written."""
    out = tmp_path / 'report'
    result = playbook('report', check=True, kylin_streaming_report_dir=str(out))
    assert result.rc == 0, result.describe()
    assert not out.exists()
    msg = result.result('Say where the report is')['msg']
    assert 'check mode, nothing written; would write: ' + str(out / 'kylin-streaming-jobs.html') in msg, msg
    assert ctl.actions() == []  # nothing acted on

# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""kylin.streaming.report: the HTML page rendered by a real headless browser (chromium), plus Markdown and CSV.

The screenshot and the page are kept in docs/_artifacts/ (git-ignored; KYLIN_ARTIFACTS_DIR to change).
"""

import csv
import html as html_text
import json
import os
import re
import shutil
import struct

from html.parser import HTMLParser

import pytest

from browser import chromium  # tests/browser.py

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ARTIFACTS = os.environ.get('KYLIN_ARTIFACTS_DIR') or os.path.join(ROOT, 'docs', '_artifacts')
PROJECT = 'streaming_demo'
# Rank of each kind of problem, as the report sorts them.
RANKS = {'error': 0, 'broken': 1, 'transition': 2, 'latency': 3, 'stopped': 4, 'ok': 5}
# The width at which the page must read well (a laptop's browser window).
WIDTH = 1400
# Measures the rendered page (run on a copy of it: the report itself has no script) and writes what it found into
# <body data-layout>, for --dump-dom.
MEASURE = '''<script>
(function () {
  var box = function (e) { var r = e.getBoundingClientRect(); return [r.width, r.height, r.bottom]; };
  var doc = document.documentElement, wrap = document.querySelector('.table-wrap');
  var out = {width: doc.scrollWidth, height: doc.scrollHeight, footer: box(document.querySelector('footer')),
             table: wrap ? [wrap.scrollWidth, wrap.clientWidth] : null, charts: []};
  document.querySelectorAll('svg.spark').forEach(function (svg) {
    var scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    var fonts = [];
    svg.querySelectorAll('text').forEach(function (t) { fonts.push(parseFloat(getComputedStyle(t).fontSize) * scale); });
    out.charts.push({size: box(svg).slice(0, 2), fonts: fonts});
  });
  document.body.setAttribute('data-layout', JSON.stringify(out));
})();
</script>'''


class ReportPage(HTMLParser):
    """What a test needs from the rendered DOM: the job rows, in order, and the summary cards."""

    def __init__(self):
        super().__init__()
        self.rows = []
        self.cards = {}
        self.card_labels = {}
        self.row_links = {}
        self.row_svgs = {}
        self.verdict_links = []
        self.svgs = 0
        self.title = ''
        self.verdict = ''
        self.external = []
        self.links = []
        self.axis = []
        self.reasons = []
        self._card = None
        self._in = None
        self._row = None
        self._verdict = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == 'tr' and 'data-job-id' in attrs:
            self.rows.append(attrs)
            self._row = attrs['data-job-id']
        elif tag == 'svg':
            self.svgs += 1
            if self._row:
                self.row_svgs[self._row] = self.row_svgs.get(self._row, 0) + 1
        elif tag == 'div' and 'data-count' in attrs:
            self._card = attrs['data-count']
        elif tag == 'div' and 'value' in attrs.get('class', '').split() and self._card:
            self._in = 'card'
        elif tag == 'div' and 'label' in attrs.get('class', '').split() and self._card:
            self._in = 'card-label'
        elif tag == 'div' and attrs.get('id') == 'verdict':
            self._verdict = True
        elif tag == 'div' and self._verdict and 'headline' in attrs.get('class', '').split():
            self._in = 'verdict'
        elif tag == 'title' and not self.title:
            self._in = 'title'
        if tag == 'a' and 'href' in attrs:
            self.links.append(attrs['href'])  # a link is followed by a person, not loaded with the page
            if self._row:
                self.row_links.setdefault(self._row, []).append(attrs['href'])
            if self._verdict:
                self.verdict_links.append(attrs['href'])
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
        if tag == 'tr':
            self._row = None
        if tag == 'ul':
            self._verdict = False  # the verdict's list of jobs ends the verdict

    def handle_data(self, data):
        if self._in == 'card':
            self.cards[self._card] = int(data.strip())
        elif self._in == 'card-label':
            self.card_labels[self._card] = data.strip()
            self._card = None
        elif self._in == 'verdict':
            self.verdict += data.strip()
        elif self._in == 'title':
            self.title += data
        elif self._in == 'axis':
            self.axis.append(data.strip())
        elif self._in == 'reason':
            self.reasons.append(data.strip())


def layout(tmp_path, html, width=WIDTH):
    """What chromium renders at ``width`` px: page size, footer, table overflow, each chart's size and label sizes."""
    with open(html, encoding='utf-8') as handle:
        page = handle.read()
    measured = tmp_path / 'measured.html'
    measured.write_text(page.replace('</body>', MEASURE + '</body>'), encoding='utf-8')
    dom = chromium(tmp_path, '--dump-dom', '--window-size=%d,900' % width, 'file://%s' % measured)
    found = re.search(r'data-layout="([^"]*)"', dom)
    assert found, dom[-2000:]
    return json.loads(html_text.unescape(found.group(1)))


def screenshot(tmp_path, html, path, width=WIDTH):
    """A screenshot of the whole page, as tall as its content (no empty band below a short list)."""
    height = int(layout(tmp_path, html, width)['height'])
    if os.path.exists(path):
        os.remove(path)
    chromium(tmp_path, '--screenshot=%s' % path, '--window-size=%d,%d' % (width, height), 'file://' + html)
    return height


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
    # Stopped a moment ago: Kylin keeps its last YARN app id and url, and its stats of the window.
    ctl.patch_job(ctl.job_id('sensor_readings', project='iot'), status='STOPPED')
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
                          'running': 8, 'stopped': 7}
    assert page.card_labels['broken_models'] == 'Broken model'  # one of them
    assert page.verdict == '8 jobs need attention'
    assert page.svgs == 3  # orders_rt, clickstream, user_sessions: running, micro-batches in the window
    assert page.external == []

    # What on-call needs: why each ERROR job is down, links to the YARN application, values on the chart axes.
    assert len(page.reasons) == 2, page.reasons
    assert any('failed to launch' in reason and 'kylin.log' in reason for reason in page.reasons), page.reasons
    assert any(reason.startswith('last records: ERROR ') and ' ago' in reason for reason in page.reasons), page.reasons
    running = [job for job in ctl.jobs() if job['status'] == 'RUNNING' and job.get('yarn_app_url')]
    assert running and all(job['yarn_app_url'] in page.links for job in running)
    assert page.axis.count('now') == page.svgs and page.axis.count('-60 min') == page.svgs
    assert all(label.endswith('s') and float(label[:-1]) > 0 for label in page.axis if label not in ('now', '-60 min'))

    # A screenshot a person can look at: docs/_artifacts/report.png, the whole page at 1400 px.
    os.makedirs(ARTIFACTS, exist_ok=True)
    shot = os.path.join(ARTIFACTS, 'report.png')
    height = screenshot(tmp_path, html, shot)
    assert png_size(shot) == (WIDTH, height) and height > 900
    assert os.path.getsize(shot) > 20000  # not a blank page
    shutil.copy(html, os.path.join(ARTIFACTS, 'report.html'))


def test_a_stopped_job_shows_no_yarn_link_and_no_latency_chart(ctl, report, tmp_path):
    """A stopped job has no live YARN application and no current latency, though Kylin keeps the last ones."""
    page = ReportPage()
    page.feed(chromium(tmp_path, '--dump-dom', 'file://%s.html' % report))
    stopped = ctl.job(ctl.job_id('sensor_readings', project='iot'))
    assert stopped['status'] == 'STOPPED' and stopped['yarn_app_url']  # what Kylin still returns
    assert stopped['yarn_app_url'] not in page.links
    assert page.row_svgs.get(stopped['id'], 0) == 0
    stopped_rows = [row['data-job-id'] for row in page.rows if row['data-status'] == 'STOPPED']
    assert len(stopped_rows) == 7 and not any(page.row_links.get(job_id) for job_id in stopped_rows)
    assert not any(page.row_svgs.get(job_id) for job_id in stopped_rows)
    # The running jobs keep theirs.
    running = ctl.job(ctl.job_id('user_sessions'))
    assert page.row_links[running['id']] == [running['yarn_app_url']] and page.row_svgs[running['id']] == 1
    with open(str(report) + '.md', encoding='utf-8') as handle:
        assert stopped['yarn_app_url'] not in handle.read()


def test_the_banner_names_every_job_that_needs_attention(ctl, report, tmp_path):
    page = ReportPage()
    page.feed(chromium(tmp_path, '--dump-dom', 'file://%s.html' % report))
    problems = [row for row in page.rows if int(row['data-rank']) <= 3]
    assert page.verdict == '8 jobs need attention' and len(problems) == 8
    # One link per job, to its row, worst first.
    assert page.verdict_links == ['#' + row['id'] for row in problems], page.verdict_links
    assert all(row['id'] == 'job-1-' + row['data-job-id'] for row in page.rows)
    dom = chromium(tmp_path, '--dump-dom', 'file://%s.html' % report)
    banner = dom[dom.index('id="verdict"'):dom.index('id="summary"')]
    for name in ('ad_impressions', 'payments_fraud', 'smart_meter', 'inventory_levels', 'fleet_telemetry', 'user_sessions',
                 'clickstream'):
        assert name in banner, name


def test_the_latency_charts_are_readable_at_1400_px(report, tmp_path):
    measured = layout(tmp_path, str(report) + '.html')
    assert len(measured['charts']) == 3
    for chart in measured['charts']:
        width, height = chart['size']
        assert width >= 240 and height >= 70, chart  # was 168 x 52, drawn smaller still in a narrow cell
        assert min(chart['fonts']) >= 11, chart  # the axis labels (were 8 px)
    assert measured['width'] <= WIDTH  # nothing sticks out of the window
    scroll, visible = measured['table']
    assert scroll <= visible, measured['table']  # the table fits without a horizontal scroll bar


def test_the_screenshot_of_a_short_list_fits_its_content(ctl, playbook, tmp_path):
    """Six jobs: the page is as tall as its content, no empty lower third."""
    out = tmp_path / 'short'
    run = playbook('report', kylin_streaming_report_dir=str(out), kylin_streaming_report_project='iot',
                   kylin_streaming_report_formats=['html'])
    assert run.rc == 0, run
    html = str(out / 'kylin-streaming-jobs.html')
    shot = str(tmp_path / 'short.png')
    height = screenshot(tmp_path, html, shot)
    measured = layout(tmp_path, html)
    assert png_size(shot) == (WIDTH, height)
    assert height < 900  # a short page, not a fixed window
    footer_bottom = measured['footer'][2]
    assert height - footer_bottom <= 60, (height, measured['footer'])  # the footer ends the picture


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
    assert '· 1 broken model ·' in markdown and 'broken models' not in markdown  # one model
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

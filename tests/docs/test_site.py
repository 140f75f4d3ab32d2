# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The documentation site (``make docs``) as a reader sees it: rendered by headless chromium.

``make docs-test`` builds the site from the built artifact, then runs these tests with
KYLIN_DOCS_SITE (the site's html directory) and ANSIBLE_COLLECTIONS_PATH (where that artifact is
installed) set. What each page must show is taken from the collection itself: every option
``ansible-doc`` knows for the modules, the lookup and the roles is in the rendered option table,
and every docs/*.md page is in the site under its own title. A screenshot of the job module's page
is kept in docs/_artifacts/docs-job-module.png (git-ignored; KYLIN_ARTIFACTS_DIR to change).
"""

import json
import os
import re
import struct
import subprocess
import sys

from html.parser import HTMLParser

import pytest

from browser import chromium  # tests/browser.py

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ARTIFACTS = os.environ.get('KYLIN_ARTIFACTS_DIR') or os.path.join(ROOT, 'docs', '_artifacts')
PAGES = 'collections/kylin/streaming/'


class Page(HTMLParser):
    """What the tests read from a rendered DOM: title, headings, option names, links, text."""

    def __init__(self):
        super().__init__()
        self.h1 = ''
        self.options = []         # (table index, option name) of each row of an option table
        self.links = []
        self.text = []
        self.tables = 0
        self._in_h1 = False
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get('class') or '').split()
        if tag == 'table' and 'ansible-option-table' in classes:
            self.tables += 1
        elif tag == 'p' and 'ansible-option-title' in classes and '-parameter-' in attrs.get('id', ''):
            self.options.append((self.tables, attrs['id']))
        elif tag == 'h1':
            self._in_h1 = True
        elif tag == 'a' and 'href' in attrs:
            self.links.append(attrs['href'])
        elif tag in ('script', 'style'):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag == 'h1':
            self._in_h1 = False
        elif tag in ('script', 'style') and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if self._in_h1:
            self.h1 += data.replace('\uf0c1', '')  # the theme's permalink sign
        if not self._skip:
            self.text.append(data)

    @property
    def body(self):
        return ' '.join(' '.join(self.text).split())

    def option_names(self):
        """Names in the option tables (a lookup has two: terms and keywords), from their anchors' ids."""
        return set(anchor.split('-parameter-', 1)[1] for _index, anchor in self.options)


def site():
    path = os.environ.get('KYLIN_DOCS_SITE') or os.path.join(ROOT, '.tmp', 'docs-site', 'build', 'html')
    if not os.path.isfile(os.path.join(path, 'index.html')):
        pytest.fail('no docs site in %s: run `make docs` first' % path)
    return path


def render(tmp_path, relative):
    """The DOM of a page of the site after chromium ran it (scripts included), parsed."""
    path = os.path.join(site(), relative)
    assert os.path.isfile(path), 'the site has no %s' % relative
    dom = chromium(tmp_path, '--dump-dom', 'file://' + path)
    page = Page()
    page.feed(dom)
    return page


def ansible_doc(kind, name):
    """What ansible-doc says of the plugin or role NAME: the source of truth for the pages."""
    here = os.path.join(os.path.dirname(sys.executable), 'ansible-doc')
    command = [here if os.path.exists(here) else 'ansible-doc', '--json', '-t', kind, name]
    out = subprocess.run(command, stdout=subprocess.PIPE, check=True, universal_newlines=True).stdout
    return json.loads(out)[name]


def anchor(name):
    """antsibull-docs' anchor name of an option: underscores and the suboption slash become dashes (_terms: terms)."""
    return name.strip('_').replace('_', '-').replace('/', '-')


def anchors(options, prefix=''):
    """The anchor names of options, of their aliases, and of their suboptions (``parent/child``)."""
    found = set()
    for name, spec in options.items():
        for each in [name] + list(spec.get('aliases') or []):
            found.add(anchor(prefix + each))
        found |= anchors(spec.get('suboptions') or {}, prefix + name + '/')
    return found


def png_size(path):
    with open(path, 'rb') as png:
        head = png.read(24)
    assert head[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
    return struct.unpack('>II', head[16:24])


def test_index_lists_the_plugins_the_roles_and_the_guides(tmp_path):
    page = render(tmp_path, PAGES + 'index.html')
    assert page.h1.startswith('Kylin.Streaming') or 'kylin.streaming' in page.h1.lower(), page.h1
    for target in ('job_module.html', 'job_info_module.html', 'jobs_lookup.html', 'jobs_role.html',
                   'report_role.html', 'docsite/runbooks.html'):
        linked = [link.split('#')[0] for link in page.links]
        assert target in linked, '%s is not linked from the index: %s' % (target, page.links)
    assert 'Guides' in page.body


@pytest.mark.parametrize('kind,name,page', [
    ('module', 'kylin.streaming.job', 'job_module.html'),
    ('module', 'kylin.streaming.job_info', 'job_info_module.html'),
    ('lookup', 'kylin.streaming.jobs', 'jobs_lookup.html'),
])
def test_plugin_pages_show_every_option(tmp_path, kind, name, page):
    doc = ansible_doc(kind, name)['doc']
    rendered = render(tmp_path, PAGES + page)
    assert rendered.h1.startswith(name), rendered.h1
    assert doc['short_description'] in rendered.h1
    documented = set(anchor(option) for option in doc['options'])
    shown = rendered.option_names()
    # Aliases get anchors of their own in the same row; every real option must have one.
    assert documented <= shown <= anchors(doc['options']), (documented, shown)
    # The examples are on the page, with the plugin's FQCN in them.
    examples = rendered.body.rsplit('Examples', maxsplit=1)[-1]
    assert name in examples.replace(' ', '')


def test_job_module_page_renders_the_option_table_and_a_screenshot(tmp_path):
    page = render(tmp_path, PAGES + 'job_module.html')
    body = page.body
    # The option table as a reader sees it: names, types, choices, defaults.
    for text in ('state', 'started', 'stopped', 'restarted', 'batch_size', 'wait_timeout', 'Choices:', 'Default:',
                 'Return Values', 'Examples'):
        assert text in body, '%r is not on the rendered job module page' % text
    os.makedirs(ARTIFACTS, exist_ok=True)
    screenshot = os.path.join(ARTIFACTS, 'docs-job-module.png')
    if os.path.exists(screenshot):
        os.remove(screenshot)
    chromium(tmp_path, '--screenshot=%s' % screenshot, '--window-size=1280,1600',
             'file://' + os.path.join(site(), PAGES, 'job_module.html'))
    assert png_size(screenshot) == (1280, 1600)
    assert os.path.getsize(screenshot) > 40000  # text, tables and the theme, not a blank page


@pytest.mark.parametrize('role', ['jobs', 'report'])
def test_role_pages_show_the_argument_specs(tmp_path, role):
    spec = ansible_doc('role', 'kylin.streaming.' + role)
    options = spec['entry_points']['main']['options']
    page = render(tmp_path, PAGES + '%s_role.html' % role)
    assert role in page.h1
    body = page.body
    missing = [name for name in options if name not in body]
    assert not missing, 'role options missing from the page: %s' % missing


def test_every_docs_page_is_in_the_site_under_its_title(tmp_path):
    names = sorted(name[:-3] for name in os.listdir(os.path.join(ROOT, 'docs')) if name.endswith('.md'))
    assert 'runbooks' in names
    for name in names:
        with open(os.path.join(ROOT, 'docs', name + '.md'), encoding='utf-8') as handle:
            title = next(line[2:].strip() for line in handle if line.startswith('# '))
        page = render(tmp_path, PAGES + 'docsite/%s.html' % name)
        want = ' '.join(title.replace('`', '').split())
        assert ' '.join(page.h1.replace('\u2019', "'").split()) == want, (name, page.h1)  # smartypants' right single quote
        # Links between the pages point into the site, not at Markdown files.
        assert not [link for link in page.links if link.endswith('.md') and '://' not in link], name


def test_runbooks_page_links_resolve_into_the_site(tmp_path):
    page = render(tmp_path, PAGES + 'docsite/runbooks.html')
    assert '#ansible-collections-kylin-streaming-docsite-runbooks-converge' in page.links, page.links
    assert '../jobs_role.html#ansible-collections-kylin-streaming-jobs-role' in page.links, page.links
    assert 'ansible-playbook kylin.streaming.converge' in page.body


def guides():
    """(title, page) of every guide, as scripts/docs_rst.py lists them for the site."""
    titles = []
    for name in sorted(os.listdir(os.path.join(ROOT, 'docs'))):
        if name.endswith('.md'):
            with open(os.path.join(ROOT, 'docs', name), encoding='utf-8') as handle:
                title = next(line[2:].strip() for line in handle if line.startswith('# '))
            titles.append((' '.join(re.sub(r'[`*]', '', title).split()), name[:-3]))
    return titles


def readme_quick_start():
    """The ansible commands of the README's quick start, as a user of the installed collection types them."""
    with open(os.path.join(ROOT, 'README.md'), encoding='utf-8') as handle:
        text = handle.read()
    block = re.search(r'```sh\n(.*?)```', text[text.index('## Quick start against the simulator'):], re.S).group(1)
    return [re.sub(r'\s+#.*$', '', line).strip().replace('.venv/bin/', '') for line in block.splitlines()
            if re.match(r'(\.venv/bin/)?ansible', line)]


def test_the_home_page_is_the_collections_own(tmp_path):
    page = render(tmp_path, 'index.html')
    body = page.body
    assert page.h1 == 'kylin.streaming: Kylin streaming jobs as code', page.h1
    for text in ('Welcome to my Ansible collection documentation', 'This docsite contains', 'Copyright Ansible contributors',
                 'Ansible Collections Documentation'):
        assert text not in body, text
    assert 'Copyright kylin.streaming contributors' in body
    # How to install it without Galaxy, and the README's quick start against the simulator it carries.
    assert 'ansible-galaxy collection install git+https://github.com/kylin-streaming/kylin.streaming.git' in body
    assert 'ansible-galaxy collection install kylin-streaming-0.1.0.tar.gz' in body
    assert 'kylin-sim --port 7070 --seed demo' in body
    commands = readme_quick_start()
    assert len(commands) == 3
    for command in commands:
        command = command.replace('@playbooks/', '@~/.ansible/collections/ansible_collections/kylin/streaming/playbooks/')
        assert ' '.join(command.split()) in body, command
    # Links to the modules, the roles and every guide.
    linked = set(link.split('#')[0] for link in page.links)
    for target in ('job_module.html', 'job_info_module.html', 'jobs_lookup.html', 'jobs_role.html', 'report_role.html'):
        assert 'collections/kylin/streaming/' + target in linked, (target, sorted(linked))
    for title, name in guides():
        assert 'collections/kylin/streaming/docsite/%s.html' % name in linked, (name, sorted(linked))
        assert title in body.replace('\u2019', "'"), title


def test_guide_titles_show_no_backslash(tmp_path):
    """antsibull-docs escapes "-" in toctree titles, which Sphinx shows as written: streaming\\-job."""
    for relative in ('index.html', PAGES + 'index.html', PAGES + 'docsite/runbooks.html'):
        body = render(tmp_path, relative).body.replace('\u2019', "'")
        assert '\\-' not in body, (relative, body[body.index('\\-') - 60:body.index('\\-') + 60])
        for title, dummy in guides():
            if '-' in title and relative.endswith('index.html'):  # the lists of guides, and their menus
                assert title in body, (relative, title)


def test_plugin_pages_say_how_to_install_without_galaxy(tmp_path):
    page = render(tmp_path, PAGES + 'job_module.html')
    command = 'ansible-galaxy collection install git+https://github.com/kylin-streaming/kylin.streaming.git'
    assert 'To install it, use: %s' % command in page.body, page.body[:2000]
    assert 'ansible-galaxy collection install kylin.streaming' not in page.body
    assert 'galaxy.ansible.com' not in ' '.join(page.links)
    assert 'https://github.com/kylin-streaming/kylin.streaming' in page.links
    # The command installs the collection: the same, from this repository's committed tree.
    repo = tmp_path / 'repo.git'
    subprocess.run(['git', 'clone', '--quiet', '--bare', ROOT, str(repo)], check=True)
    galaxy = os.path.join(os.path.dirname(sys.executable), 'ansible-galaxy')
    local = command.replace('https://github.com/kylin-streaming/kylin.streaming.git', 'file://%s' % repo).split()
    subprocess.run([galaxy if os.path.exists(galaxy) else 'ansible-galaxy'] + local[1:] + ['-p', str(tmp_path / 'installed')],
                   check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    manifest = tmp_path / 'installed' / 'ansible_collections' / 'kylin' / 'streaming' / 'MANIFEST.json'
    assert json.loads(manifest.read_text())['collection_info']['name'] == 'streaming'


def test_the_build_prints_no_stray_line(tmp_path):
    """scripts/docs_site.py's own output: Sphinx's progress and the site's path, no line of bare paths (pushd's)."""
    proc = subprocess.run([sys.executable, os.path.join(ROOT, 'scripts', 'docs_site.py'), str(tmp_path / 'site')],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:]
    stray = [line for line in proc.stdout.splitlines() if re.match(r'^\s*(/\S+\s*)+$', line)]
    assert not stray, stray
    assert proc.stdout.rstrip().splitlines()[-1] == 'docs site: %s' % (tmp_path / 'site' / 'build' / 'html' / 'index.html')

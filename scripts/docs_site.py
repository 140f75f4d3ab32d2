"""Build the collection's documentation site with antsibull-docs and Sphinx, offline.

``make docs`` installs the built artifact into a collections directory and calls this script with
that directory's ``ansible_collections`` parent on ANSIBLE_COLLECTIONS_PATH; it then:

1. lays out a Sphinx project with ``antsibull-docs sphinx-init --use-current`` (the same layout the
   Ansible community builds collection sites with: plugins, roles, the extra docs of
   ``docs/docsite``, the environment variables page) and makes it this collection's: its title and
   copyright in conf.py, links to its repository instead of Galaxy, where it is not, and an install
   command that works without Galaxy (from the repository; the home page also names the release
   artifact);
2. makes it build offline: antsibull-docs' conf.py downloads intersphinx inventories (Python,
   Jinja, Ansible) at build time, which this machine cannot. Its templates link only to a few
   pages of the Ansible documentation, so a local inventory with those labels is written instead
   (their addresses on docs.ansible.com: the links on the site still work) and the others are
   dropped;
3. runs the two steps of the generated build.sh itself: ``antsibull-docs collection``, then
   ``sphinx-build -W`` (every warning, such as a broken reference in an extra doc, fails the build).
   In between, the home page (the generator's "Welcome to my Ansible collection documentation") is
   replaced by one with the install, the README's quick start and links to the modules, the roles
   and the guides; and the guide titles of antsibull-docs' toctrees lose the backslashes it escapes
   them with (Sphinx shows a toctree title as written: ``streaming\\-job``).

The site is in DEST/build/html (index.html). Usage: python scripts/docs_site.py DEST
"""

import json
import os
import re
import shutil
import subprocess
import sys
import zlib

import yaml

ANSIBLE_DOCS = 'https://docs.ansible.com/projects/ansible/devel/'
# Labels of the Ansible documentation that antsibull-docs' templates refer to.
ANSIBLE_LABELS = {
    'common_return_values': ('reference_appendices/common_return_values.html', 'Return Values'),
    'ansible_configuration_settings': ('reference_appendices/config.html', 'Ansible Configuration Settings'),
}
OFFLINE_CONF = '''

# --- Added by scripts/docs_site.py: build offline ---------------------------------------------
# The inventories above are downloaded at build time; this build has no network. The Ansible
# documentation's labels the templates use are in a local inventory (ansible_devel.inv, next to
# this file), with their real addresses; Python's and Jinja's are not used.
intersphinx_mapping = {
    'ansible_devel': ('%s', (os.path.join(os.path.dirname(os.path.abspath(__file__)), 'ansible_devel.inv'),)),
}
''' % ANSIBLE_DOCS
SITE_CONF = '''
# --- Added by scripts/docs_site.py: this collection's site ------------------------------------
project = 'kylin.streaming'
copyright = 'kylin.streaming contributors'
title = html_short_title = 'kylin.streaming documentation'
html_theme_options = {'topbar_links': {'Repository': %r, 'Issues': %r}}
'''
# Where the README's quick start names files of the checkout, an installed collection has them here.
INSTALLED_PATH = '~/.ansible/collections/ansible_collections/kylin/streaming/'


def write_inventory(path):
    """A Sphinx (version 2) inventory of ANSIBLE_LABELS."""
    lines = ''.join('%s std:label -1 %s %s\n' % (label, uri, title) for label, (uri, title) in sorted(ANSIBLE_LABELS.items()))
    with open(path, 'wb') as handle:
        handle.write(b'# Sphinx inventory version 2\n# Project: Ansible\n# Version: devel\n'
                     b'# The remainder of this file is compressed using zlib.\n')
        handle.write(zlib.compress(lines.encode('utf-8')))


def installed_collection():
    """The folder of kylin.streaming installed in ANSIBLE_COLLECTIONS_PATH (make docs installs the artifact)."""
    for root in (os.environ.get('ANSIBLE_COLLECTIONS_PATH') or '').split(os.pathsep):
        path = os.path.join(root, 'ansible_collections', 'kylin', 'streaming')
        if root and os.path.isfile(os.path.join(path, 'MANIFEST.json')):
            return path
    raise SystemExit('docs site: kylin.streaming is not installed in ANSIBLE_COLLECTIONS_PATH: run `make docs`')


def install_command(info):
    """How to install the collection without Galaxy: from its repository."""
    return 'ansible-galaxy collection install git+%s.git' % info['repository'].rstrip('/')


def quick_start(collection):
    """The ansible commands of the README's quick start, for an installed collection: tools on PATH, files in place."""
    with open(os.path.join(collection, 'README.md'), encoding='utf-8') as handle:
        text = handle.read()
    section = text[text.index('## Quick start against the simulator'):]
    block = re.search(r'```sh\n(.*?)```', section, re.S).group(1)
    commands = []
    for line in block.splitlines():
        command = re.sub(r'\s+#.*$', '', line).strip()
        if re.match(r'(\.venv/bin/)?ansible', command):
            commands.append(command.replace('.venv/bin/', '').replace('@playbooks/', '@' + INSTALLED_PATH + 'playbooks/'))
    return commands


def code(lines):
    return '.. code-block:: console\n\n' + ''.join('   %s\n' % line for line in lines)


def home_page(collection, info):
    """rst/index.rst: what the collection is, how to install it, the quick start, where to read on."""
    with open(os.path.join(collection, 'docs', 'docsite', 'extra-docs.yml'), encoding='utf-8') as handle:
        guides = [entry for section in yaml.safe_load(handle)['sections'] for entry in section['toctree']]
    version = info['version']
    title = 'kylin.streaming: Kylin streaming jobs as code'
    lines = [
        '.. _docsite_root_index:', '',
        title, '=' * len(title), '',
        '%s (version %s)' % (info['description'], version), '',
        'Install', '-------', '',
        'The collection is not on Ansible Galaxy. Install it from its repository:', '',
        code([install_command(info)]),
        'or from a release artifact, ``kylin-streaming-%s.tar.gz`` (in a checkout of the repository, '
        '``make build`` writes it to ``.tmp/dist``):' % version, '',
        code(['ansible-galaxy collection install kylin-streaming-%s.tar.gz' % version]),
        'The modules need ``requests`` where they run, usually the controller: ``pip install requests``.', '',
        'Quick start against the simulator', '---------------------------------', '',
        "The collection carries ``kylin-sim``, a simulator of Kylin's streaming job API. In one terminal, a Kylin "
        'with a demo project (user ADMIN, password KYLIN):', '',
        code(['pip install %skylin-sim' % INSTALLED_PATH, 'kylin-sim --port 7070 --seed demo']),
        'In another, the jobs of the demo project, one of its models started, and the plan of a runbook '
        '(``--check``: nothing is changed):', '',
        code(['export KYLIN_URL=http://127.0.0.1:7070 KYLIN_USERNAME=ADMIN KYLIN_PASSWORD=KYLIN'] + quick_start(collection)),
        'Against a real Kylin, set the connection once for a play with ``module_defaults`` and the action group '
        "``group/kylin.streaming.kylin``, as the modules' examples do.", '',
        'Reference', '---------', '',
        '- :ref:`kylin.streaming.job <ansible_collections.kylin.streaming.job_module>`: the desired state of streaming '
        'jobs (started, stopped, restarted)',
        '- :ref:`kylin.streaming.job_info <ansible_collections.kylin.streaming.job_info_module>`: the job inventory',
        '- :ref:`kylin.streaming.jobs <ansible_collections.kylin.streaming.jobs_lookup>` (lookup): the same inventory '
        'for loops and templates',
        '- :ref:`kylin.streaming.jobs <ansible_collections.kylin.streaming.jobs_role>` (role): converge a desired state',
        '- :ref:`kylin.streaming.report <ansible_collections.kylin.streaming.report_role>` (role): an HTML, Markdown '
        'and CSV report of every job',
        '- :ref:`everything in the collection <plugins_in_kylin.streaming>`', '',
        'Guides', '------', '',
    ]
    lines += ['- :ref:`%s <ansible_collections.kylin.streaming.docsite.%s>`' % (entry['title'], entry['ref'])
              for entry in guides]
    lines += [
        '',
        '.. toctree::', '   :maxdepth: 2', '   :caption: Collections:', '', '   collections/index', '',
        '.. toctree::', '   :maxdepth: 1', '   :caption: Plugin indexes:', '   :glob:', '', '   collections/index_*', '',
        '.. toctree::', '   :maxdepth: 1', '   :caption: Reference indexes:', '', '   collections/environment_variables', '',
    ]
    return '\n'.join(lines)


def unescape_toctree_titles(rst_dir):
    """Drop antsibull-docs' backslash escapes from toctree entries, whose titles Sphinx shows as written."""
    toctree = re.compile(r'^\.\. toctree::\n(?:(?:[ \t]+.*)?\n)*', re.M)
    for folder, dummy, files in os.walk(rst_dir):
        for name in files:
            if not name.endswith('.rst'):
                continue
            path = os.path.join(folder, name)
            with open(path, encoding='utf-8') as handle:
                text = handle.read()
            fixed = toctree.sub(lambda block: re.sub(r'\\(.)', r'\1', block.group(0)), text)
            if fixed != text:
                with open(path, 'w', encoding='utf-8') as handle:
                    handle.write(fixed)


def configure(dest, info):
    """conf.py and antsibull-docs.cfg: offline, this collection's title, its repository, an install that works."""
    conf = os.path.join(dest, 'conf.py')
    with open(conf, encoding='utf-8') as handle:
        text = handle.read()
    if 'import os' not in text:
        text = 'import os\n' + text
    with open(conf, 'w', encoding='utf-8') as handle:
        handle.write(text + OFFLINE_CONF + SITE_CONF % (info['repository'], info.get('issues') or info['repository']))
    cfg = os.path.join(dest, 'antsibull-docs.cfg')
    with open(cfg, encoding='utf-8') as handle:
        text = handle.read()
    for key, value in (('collection_url', info['repository']), ('collection_install', install_command(info))):
        text, count = re.subn(r'(?ms)^%s = \{.*?^\}' % key, '%s = {\n  kylin.streaming = "%s"\n}' % (key, value), text)
        if count != 1:
            raise SystemExit('docs site: no %s in %s (another antsibull-docs version?)' % (key, cfg))
    with open(cfg, 'w', encoding='utf-8') as handle:
        handle.write(text)


def main(argv):
    """Entry point."""
    if len(argv) != 2:
        sys.stderr.write(__doc__.strip().splitlines()[-1] + '\n')
        return 2
    dest = os.path.abspath(argv[1])
    collection = installed_collection()
    with open(os.path.join(collection, 'MANIFEST.json'), encoding='utf-8') as handle:
        info = json.load(handle)['collection_info']
    if os.path.isdir(dest):
        shutil.rmtree(dest)
    os.makedirs(dest, mode=0o700)  # antsibull-docs wants it owned by us and writable by us only
    subprocess.run(['antsibull-docs', 'sphinx-init', '--use-current', '--fail-on-error', '--dest-dir', dest,
                    'kylin.streaming'], check=True, stdout=subprocess.DEVNULL)
    configure(dest, info)
    write_inventory(os.path.join(dest, 'ansible_devel.inv'))
    # build.sh's two steps, with the fixes of the generated RST in between.
    rst = os.path.join(dest, 'rst')
    os.makedirs(rst, exist_ok=True)
    os.chmod(rst, 0o755)  # antsibull-docs wants that directory writable by us only
    subprocess.run(['antsibull-docs', '--config-file', 'antsibull-docs.cfg', 'collection', '--cleanup', 'everything',
                    '--fail-on-error', '--use-current', '--dest-dir', 'rst', 'kylin.streaming'], cwd=dest, check=True)
    unescape_toctree_titles(rst)
    with open(os.path.join(rst, 'index.rst'), 'w', encoding='utf-8') as handle:
        handle.write(home_page(collection, info))
    result = subprocess.run(['sphinx-build', '-M', 'html', 'rst', 'build', '-c', '.', '-W', '--keep-going'], cwd=dest,
                            check=False)
    if result.returncode:
        return result.returncode
    print('docs site: %s' % os.path.join(dest, 'build', 'html', 'index.html'))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))

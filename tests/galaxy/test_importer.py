# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Galaxy's importer on the built artifact, as Galaxy runs it, reports no warning.

Run by ``make galaxy-importer`` with the Python of .venv-galaxy, after ``make build``: the artifact is
``KYLIN_ARTIFACT`` (else the one in .tmp/dist), the configuration tests/galaxy/galaxy-importer.cfg
(flake8, ansible-lint, ansible-doc and the metadata checks; not ansible-test, which needs a container:
``make sanity`` runs it). Any WARNING or ERROR line fails; the whole log is kept in
.tmp/galaxy-importer.log.
"""

import glob
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LOG = os.path.join(ROOT, '.tmp', 'galaxy-importer.log')


def artifact():
    if os.environ.get('KYLIN_ARTIFACT'):
        found = [os.environ['KYLIN_ARTIFACT']]
    else:
        found = glob.glob(os.path.join(ROOT, '.tmp', 'dist', 'kylin-streaming-*.tar.gz'))
    if len(found) != 1 or not os.path.isfile(found[0]):
        pytest.fail('no single built artifact (%s): run `make galaxy-importer`, which runs make build' % found)
    return found[0]


def test_the_importer_accepts_the_artifact_without_a_warning(tmp_path):
    env = dict(os.environ, GALAXY_IMPORTER_CONFIG=os.path.join(ROOT, 'tests', 'galaxy', 'galaxy-importer.cfg'),
               PATH=os.pathsep.join([os.path.dirname(sys.executable), os.environ.get('PATH', '')]))
    proc = subprocess.run([sys.executable, '-m', 'galaxy_importer.main', artifact()], cwd=str(tmp_path), env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    os.makedirs(os.path.dirname(LOG), exist_ok=True)
    with open(LOG, 'w', encoding='utf-8') as handle:
        handle.write(proc.stdout)
    lines = proc.stdout.splitlines()
    assert proc.returncode == 0, 'the import failed (log: %s):\n%s' % (LOG, proc.stdout)
    problems = sorted(set(line for line in lines if line.startswith(('WARNING', 'ERROR'))))
    assert not problems, 'galaxy-importer warnings (log: %s):\n%s' % (LOG, '\n'.join(problems))
    assert 'Importer processing completed successfully' in lines, proc.stdout

# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The execution environment and decision environment definitions, checked without a container.

``make ee-test`` copies the built artifact to .tmp/ee/kylin-streaming.tar.gz and runs these tests
with the Python of .venv-2.21 (ansible-builder, ansible-core 2.21). ``ansible-builder create``
writes each build context; then the steps of the container build that concern this collection are
run here, outside a container, on that very context: the galaxy stage's ``ansible-galaxy
collection install -r requirements.yml`` (offline, from the context's copy of the artifact), and
the builder stage's introspection, whose requirements file is what the image pip-installs. Only
``ansible-builder build`` itself needs podman or docker (``make ee``).
"""

import os
import shutil
import subprocess
import sys
import tarfile

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
TARBALL = os.path.join(ROOT, '.tmp', 'ee', 'kylin-streaming.tar.gz')


def tool(name):
    here = os.path.join(BIN, name)
    return here if os.path.exists(here) else shutil.which(name)


def run(*args, **kwargs):
    proc = subprocess.run(list(args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                          check=False, timeout=300, **kwargs)
    assert proc.returncode == 0, '%s -> %s\n%s' % (' '.join(args), proc.returncode, proc.stdout)
    return proc.stdout


def create(definition, context):
    """``ansible-builder create`` for DEFINITION (a file at the repository's root) into CONTEXT."""
    if not os.path.isfile(TARBALL):
        pytest.fail('%s is missing: run `make ee-test` (it runs make build and copies the artifact)' % TARBALL)
    run(tool('ansible-builder'), 'create', '-f', os.path.join(ROOT, definition), '-c', str(context),
        '--output-filename', 'Containerfile', cwd=ROOT)
    with open(os.path.join(str(context), 'Containerfile'), encoding='utf-8') as handle:
        return handle.read()


def load(path):
    with open(path, encoding='utf-8') as handle:
        return yaml.safe_load(handle)


def default_rpm_packages(bindep_text):
    """What bindep selects from BINDEP_TEXT with no profile given (as the image's build runs it) on CentOS."""
    from bindep.depends import Depends  # pylint: disable=import-outside-toplevel
    return [rule[0] for rule in Depends(bindep_text).active_rules(['default', 'platform:rpm', 'platform:centos'])]


@pytest.fixture(name='ee', scope='module')
def ee_fixture(tmp_path_factory):
    context = tmp_path_factory.mktemp('ee') / 'context'
    return context, create('execution-environment.yml', context)


def test_definition_is_version_3_and_consistent_with_the_collection_metadata():
    ee = load(os.path.join(ROOT, 'execution-environment.yml'))
    assert ee['version'] == 3
    meta = load(os.path.join(ROOT, 'meta', 'execution-environment.yml'))
    assert meta['version'] == 3
    # What the collection needs where it runs is declared once, in requirements.txt.
    assert meta['dependencies']['python'] == 'requirements.txt'
    with open(os.path.join(ROOT, 'requirements.txt'), encoding='utf-8') as handle:
        assert any(line.startswith('requests') for line in handle)
    # The image's ansible-core is the newest line the collection supports, on Python 3.12+.
    assert ee['dependencies']['ansible_core']['package_pip'].startswith('ansible-core==2.21.')
    with open(os.path.join(ROOT, 'requirements-dev-2.21.txt'), encoding='utf-8') as handle:
        assert ee['dependencies']['ansible_core']['package_pip'] in handle.read().split()


def test_create_writes_a_context_that_installs_the_collection(ee):
    context, containerfile = ee
    build = context / '_build'
    # The artifact is in the context, and the galaxy stage installs it from there.
    assert (build / 'collections' / 'kylin-streaming.tar.gz').is_file()
    requirements = load(str(build / 'requirements.yml'))
    assert {'name': 'collections/kylin-streaming.tar.gz', 'type': 'file'} in requirements['collections']
    assert 'COPY _build /build' in containerfile
    assert 'ansible-galaxy collection install $ANSIBLE_GALAXY_CLI_COLLECTION_OPTS -r requirements.yml' in containerfile
    assert 'ansible-core==2.21.5 ansible-runner==2.4.3' in containerfile
    assert 'introspect.py introspect' in containerfile


def test_the_build_steps_install_the_collection_and_requests(ee, tmp_path):
    context, _containerfile = ee
    build = tmp_path / 'build'
    shutil.copytree(str(context / '_build'), str(build))
    collections = tmp_path / 'usr-share-ansible-collections'
    # The galaxy stage: RUN ansible-galaxy collection install -r requirements.yml (WORKDIR /build).
    run(tool('ansible-galaxy'), 'collection', 'install', '--offline', '-r', 'requirements.yml',
        '--collections-path', str(collections), cwd=str(build), env=dict(os.environ, ANSIBLE_GALAXY_DISABLE_GPG_VERIFY='1'))
    installed = collections / 'ansible_collections' / 'kylin' / 'streaming'
    manifest = load(str(installed / 'MANIFEST.json'))
    assert manifest['collection_info']['name'] == 'streaming'
    for path in ('plugins/modules/job.py', 'plugins/modules/job_info.py', 'plugins/lookup/jobs.py',
                 'roles/jobs/tasks/main.yml', 'playbooks/converge.yml', 'meta/execution-environment.yml'):
        assert (installed / path).is_file(), path
    # The builder stage: introspect the installed collections; the image pip-installs what it writes.
    pip_file = tmp_path / 'requirements.txt'
    out = run(sys.executable, str(build / 'scripts' / 'introspect.py'), 'introspect', str(collections),
              '--write-pip', str(pip_file))
    lines = pip_file.read_text(encoding='utf-8').splitlines()
    assert any(line.startswith('requests') and 'kylin.streaming' in line for line in lines), out
    # ... and pip can resolve it (nothing is installed).
    run(sys.executable, '-m', 'pip', 'install', '--dry-run', '--quiet', '--ignore-installed', '-r', str(pip_file))


def test_ansible_doc_sees_the_collection_as_installed_in_the_image(ee, tmp_path):
    context, _containerfile = ee
    collections = tmp_path / 'collections'
    run(tool('ansible-galaxy'), 'collection', 'install', '--offline', '--collections-path', str(collections),
        str(context / '_build' / 'collections' / 'kylin-streaming.tar.gz'))
    out = run(tool('ansible-doc'), '-l', 'kylin.streaming', env=dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collections)))
    assert 'kylin.streaming.job ' in out and 'kylin.streaming.job_info ' in out


def test_decision_environment_has_ansible_rulebook_java_and_the_collection(tmp_path):
    de = load(os.path.join(ROOT, 'decision-environment.yml'))
    assert de['version'] == 3
    context = tmp_path / 'de'
    containerfile = create('decision-environment.yml', context)
    build = context / '_build'
    assert 'ansible-rulebook' in (build / 'requirements.txt').read_text(encoding='utf-8')
    # The image's bindep (no profile, on CentOS) selects Java and none of the tests' packages (chromium).
    assert default_rpm_packages((build / 'bindep.txt').read_text(encoding='utf-8')) == ['java-21-openjdk-headless']
    collections = load(str(build / 'requirements.yml'))['collections']
    assert {'name': 'collections/kylin-streaming.tar.gz', 'type': 'file'} in collections
    assert 'ansible.eda' in [entry['name'] for entry in collections]
    assert 'install-from-bindep' in containerfile
    # The event source ships in the artifact the image installs.
    with tarfile.open(str(build / 'collections' / 'kylin-streaming.tar.gz')) as artifact:
        names = artifact.getnames()
    sources = os.path.join(ROOT, 'extensions', 'eda', 'plugins', 'event_source')
    for name in sorted(os.listdir(sources)) if os.path.isdir(sources) else []:
        if name.endswith('.py'):
            assert 'extensions/eda/plugins/event_source/' + name in names, name

# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""galaxy.yml is ready for a 1.0.0 release, by Galaxy's own metadata rules.

Run by ``make galaxy-importer`` with the Python of .venv-galaxy: galaxy.yml's fields go through
galaxy-importer's ``CollectionInfo`` (what the importer validates in MANIFEST.json) with the
version set to 1.0.0 and the settings a release import uses: version 1.0.0 or greater required,
and one of the tags Automation Hub requires.
"""

import os

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RELEASE_CFG = '[galaxy-importer]\nrequire_v1_or_greater = True\ncheck_required_tags = True\n'


@pytest.fixture(name='collection_info')
def collection_info_fixture(tmp_path, monkeypatch):
    """galaxy-importer's CollectionInfo, under the release settings."""
    cfg = tmp_path / 'galaxy-importer.cfg'
    cfg.write_text(RELEASE_CFG, encoding='utf-8')
    monkeypatch.setenv('GALAXY_IMPORTER_CONFIG', str(cfg))
    from galaxy_importer import schema  # pylint: disable=import-outside-toplevel
    return schema.CollectionInfo


def metadata():
    with open(os.path.join(ROOT, 'galaxy.yml'), encoding='utf-8') as handle:
        data = yaml.safe_load(handle)
    keys = ('namespace', 'name', 'version', 'license', 'description', 'repository', 'documentation', 'homepage',
            'issues', 'authors', 'tags', 'license_file', 'readme', 'dependencies')
    return dict((key, data[key]) for key in keys if key in data)


def test_galaxy_yml_passes_the_release_checks_as_1_0_0(collection_info):
    info = collection_info(**dict(metadata(), version='1.0.0'))
    assert info.label == 'kylin.streaming'
    assert info.readme == 'README.md' and os.path.isfile(os.path.join(ROOT, info.readme))
    for url in (info.repository, info.documentation, info.homepage, info.issues):
        assert url and url.startswith('https://'), url


def test_the_release_checks_are_real(collection_info):
    # The same rules refuse what a release must not be: a 0.x version, no required tag.
    with pytest.raises(ValueError, match='1.0.0 or greater'):
        collection_info(**dict(metadata(), version='0.9.0'))
    with pytest.raises(ValueError, match='tag'):
        collection_info(**dict(metadata(), version='1.0.0', tags=['kylin', 'streaming']))


def test_release_files_are_in_place():
    with open(os.path.join(ROOT, 'meta', 'runtime.yml'), encoding='utf-8') as handle:
        assert yaml.safe_load(handle)['requires_ansible'] == '>=2.16.0'
    assert os.path.isfile(os.path.join(ROOT, 'changelogs', 'changelog.yaml'))
    assert os.path.isfile(os.path.join(ROOT, 'changelogs', 'config.yaml'))
    # The license text ships with the collection (galaxy.yml names the license, COPYING has it).
    assert metadata()['license'] == ['GPL-3.0-or-later']
    with open(os.path.join(ROOT, 'COPYING'), encoding='utf-8') as handle:
        assert 'GNU GENERAL PUBLIC LICENSE' in handle.read(200)

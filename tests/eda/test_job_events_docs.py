# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The job_events source documents exactly the options it validates.

Its connection options are documented once, in the kylin.streaming.connection doc fragment (which its
DOCUMENTATION extends), and validated by the modules' argument spec (``_options.generate_argspec``); its
own options are in its DOCUMENTATION and in ``_events.EVENTS_SPEC``. Merged as ansible-doc merges a
fragment (the plugin's own entry of an option wins), the documentation must match the spec.
"""

import os
import re

import yaml

from conftest import collections_path

FRAGMENT = os.path.join('ansible_collections', 'kylin', 'streaming', 'plugins', 'doc_fragments', 'connection.py')


def fragment_options():
    namespace = {}
    with open(os.path.join(collections_path(), FRAGMENT)) as handle:
        exec(compile(handle.read(), FRAGMENT, 'exec'), namespace)  # pylint: disable=exec-used
    return yaml.safe_load(namespace['ModuleDocFragment'].DOCUMENTATION)['options']


def documented_options(source):
    doc = yaml.safe_load(source['DOCUMENTATION'])
    assert doc['extends_documentation_fragment'] == ['kylin.streaming.connection']
    options = fragment_options()
    options.update(doc['options'])
    return options


def test_documented_options_are_the_validated_ones(source):
    events = source['_events']
    spec = events.generate_argspec(**events.EVENTS_SPEC)
    documented = documented_options(source)
    assert sorted(documented) == sorted(spec)
    for name, option in spec.items():
        doc = documented[name]
        assert doc.get('type', 'str') == option.get('type', 'str'), name
        assert doc.get('default') == option.get('default'), name
        assert doc.get('elements') == option.get('elements'), name
        assert doc.get('choices') == option.get('choices'), name
        assert doc.get('aliases') == option.get('aliases'), name
        # an environment fallback is said in the description, as E(KYLIN_...)
        envs = option['fallback'][1] if 'fallback' in option else []
        said = re.findall(r'E\((KYLIN_[A-Z_]+)\)', ' '.join(doc['description']))
        assert said == envs, name
    assert spec['retries']['default'] == 1  # one retry per poll: the next poll comes soon anyway


def test_the_example_uses_documented_options(source):
    documented = documented_options(source)
    names = set(documented) | set(a for o in documented.values() for a in o.get('aliases') or [])
    for play in yaml.safe_load(source['EXAMPLES']):
        for entry in play['sources']:
            assert set(entry['kylin.streaming.job_events']) <= names

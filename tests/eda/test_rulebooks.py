# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Both rulebooks pass ansible-rulebook's own schema and parser (heal_controller.yml has no controller here)."""

import json
import os
import subprocess

import pytest

from conftest import eda_bin

RULEBOOKS = os.path.join('ansible_collections', 'kylin', 'streaming', 'extensions', 'eda', 'rulebooks')
PARSE = '''
import json, sys, yaml
from ansible_rulebook.validators import Validate
from ansible_rulebook import rules_parser
data = yaml.safe_load(open(sys.argv[1]))
Validate.rulebook(data)
rule_set = rules_parser.parse_rule_sets(data)[0]
print(json.dumps({"sources": [s.source_name for s in rule_set.sources], "hosts": rule_set.hosts,
                  "rules": [[r.name, [a.action for a in r.actions]] for r in rule_set.rules]}))
'''


@pytest.mark.parametrize('name, action, hosts', [('heal.yml', 'run_playbook', ['localhost']),
                                                 ('heal_controller.yml', 'run_job_template', ['all'])])
def test_rulebook_parses(name, action, hosts, collections_root):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_root, PATH=eda_bin() + os.pathsep + os.environ['PATH'])
    path = os.path.join(collections_root, RULEBOOKS, name)
    out = subprocess.run([os.path.join(eda_bin(), 'python'), '-c', PARSE, path], env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, universal_newlines=True, timeout=120, check=False)
    assert out.returncode == 0, out.stdout
    parsed = json.loads(out.stdout.strip().splitlines()[-1])
    assert parsed['sources'] == ['kylin.streaming.job_events'] and parsed['hosts'] == hosts
    assert [r[0] for r in parsed['rules']] == [
        'Restart a job that fell into ERROR, within its restart budget', 'Force-stop a job stuck in STARTING or STOPPING',
        'Tell about data latency', 'Tell when Kylin stops or starts answering']
    assert all(set(actions) == {action} for dummy, actions in parsed['rules'])


RENDER = '''
import json, sys, yaml
from ansible_rulebook.util import substitute_variables
data = yaml.safe_load(open(sys.argv[1]))
rule = [r for r in data[0]['rules'] if r['name'].startswith('Restart a job')][0]
action = rule.get('action') or rule['actions'][0]
args = action.get('run_playbook') or action['run_job_template']['job_args']
extra = args['extra_vars']
event = {'kylin': {'job': {'project': 'p1', 'uuid': 'j_build'}}}
out = {}
for variables in json.loads(sys.argv[2]):
    context = dict(variables, event=event)
    out[json.dumps(variables, sort_keys=True)] = substitute_variables(extra, context)['kylin_health']
print(json.dumps(out))
'''


@pytest.mark.parametrize('name', ['heal.yml', 'heal_controller.yml'])
def test_the_restart_rule_passes_a_health_gate(name, collections_root):
    """As ansible-rulebook renders the rule's extra vars: the gate defaults to the latency threshold of the
    latency events (300 s when they are off), or is the kylin_health given."""
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_root, PATH=eda_bin() + os.pathsep + os.environ['PATH'])
    path = os.path.join(collections_root, RULEBOOKS, name)
    cases = [{}, {'kylin_latency_threshold': 120}, {'kylin_latency_threshold': 0},
             {'kylin_health': {'max_latency': 30, 'timeout': 90}}]
    out = subprocess.run([os.path.join(eda_bin(), 'python'), '-c', RENDER, path, json.dumps(cases)], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, timeout=120,
                         check=False)
    assert out.returncode == 0, out.stdout
    rendered = json.loads(out.stdout.strip().splitlines()[-1])
    assert list(rendered.values()) == [
        {'max_latency': 300, 'samples': 3, 'timeout': 600}, {'max_latency': 120, 'samples': 3, 'timeout': 600},
        {'max_latency': 300, 'samples': 3, 'timeout': 600}, {'max_latency': 30, 'timeout': 90}]

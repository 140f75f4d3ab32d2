# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""kylin.streaming.inventory_vars: the inventory's variables of a pattern's first host, for play keywords."""

import pytest

from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import lookup_loader
from ansible.template import Templar

from ansible_collections.kylin.streaming.plugins.lookup import inventory_vars


@pytest.fixture(name='lookup')
def lookup_fixture():
    inventory_vars._READ.clear()
    loader = DataLoader()
    return lookup_loader.get('kylin.streaming.inventory_vars', loader=loader, templar=Templar(loader=loader))


@pytest.fixture(name='inventory')
def inventory_fixture(tmp_path):
    (tmp_path / 'group_vars').mkdir()
    (tmp_path / 'host_vars').mkdir()
    (tmp_path / 'hosts.yml').write_text('kylin_clusters:\n  hosts:\n    prod:\n    dr:\nlab:\n  hosts:\n    edge:\n')
    (tmp_path / 'group_vars' / 'kylin_clusters.yml').write_text(
        'kylin_fleet_serial: [1, "25%", "100%"]\nstages: 3\nkylin_fleet_max_fail_percentage: "{{ stages * 10 }}"\n')
    (tmp_path / 'host_vars' / 'edge.yml').write_text('kylin_fleet_serial: 2\n')
    return str(tmp_path / 'hosts.yml')


def test_the_group_vars_of_the_first_host_templated(lookup, inventory):
    values = lookup.run(['kylin_fleet_serial', 'kylin_fleet_max_fail_percentage', 'unset'], variables={'ansible_inventory_sources': [inventory]},
                        pattern='kylin_clusters')
    assert values[0] == [1, '25%', '100%']
    assert str(values[1]) == '30' and values[2] is None


def test_host_vars_and_patterns(lookup, inventory):
    assert lookup.run(['kylin_fleet_serial'], variables={'ansible_inventory_sources': [inventory]}, pattern='lab') == [2]
    assert lookup.run(['kylin_fleet_serial'], variables={'ansible_inventory_sources': inventory}, pattern='edge:prod') == [2]


def test_nothing_to_read_gives_nulls(lookup, inventory):
    assert lookup.run(['kylin_fleet_serial'], variables={'ansible_inventory_sources': [inventory]}, pattern='nowhere') == [None]
    assert lookup.run(['kylin_fleet_serial', 'x'], variables={}, pattern='kylin_clusters') == [None, None]


def test_the_inventory_is_read_once_per_sources_and_pattern(lookup, inventory, monkeypatch):
    reads = []
    real = lookup._first_host_vars
    monkeypatch.setattr(lookup, '_first_host_vars', lambda sources, pattern: reads.append(pattern) or real(sources, pattern))
    for dummy in range(3):
        lookup.run(['kylin_fleet_serial'], variables={'ansible_inventory_sources': [inventory]}, pattern='kylin_clusters')
    lookup.run(['kylin_fleet_serial'], variables={'ansible_inventory_sources': [inventory]}, pattern='lab')
    assert reads == ['kylin_clusters', 'lab']

# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Internal use only: a staged rollout over a fleet of Kylin clusters, as pure functions.

The runbooks hand Ansible's own ``serial`` and ``max_fail_percentage`` the values of
``kylin_fleet_serial`` and ``kylin_fleet_max_fail_percentage`` (docs/design.md §2.4c); this file checks
those values before a play uses them, cuts the clusters into the stages Ansible makes of them (the rule
of ``PlaybookExecutor._get_serialized_batches``), and says how a stage ended, whether Ansible goes on
to the next one (the rule of the linear strategy's max_fail_percentage check) and which clusters a
stopped rollout never reached. For the ``fleet_stage`` filter; no I/O.
"""

import re

PERCENT = re.compile(r'^\s*(\d+)\s*%\s*$')
NUMBER = re.compile(r'^\s*(\d+)\s*$')
SERIAL_HINT = ('kylin_fleet_serial must be a number of clusters or a percentage of them, or a list of those, '
               'e.g. [1, "25%", "100%"]')
MAX_FAIL_HINT = 'kylin_fleet_max_fail_percentage must be a number from 0 to 100'
# Without stages a failed cluster does not hold the others back: Ansible's default, which 100 equals.
NO_LIMIT = 100


def serial_items(serial):
    """``(items, problem)``: ``kylin_fleet_serial`` as a list of positive ints and ``'N%'`` strings.

    ``None``, ``''`` and ``[]`` are no stages (``[]``). A problem (one line) leaves ``items`` empty.
    """
    if serial is None or serial == '' or serial == []:
        return [], None
    values = list(serial) if isinstance(serial, (list, tuple)) else [serial]
    items = []
    for value in values:
        item = _serial_item(value)
        if item is None:
            return [], '%s, not %s' % (SERIAL_HINT, _show(serial))
        items.append(item)
    return items, None


def _serial_item(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, str):
        number = NUMBER.match(value)
        if number:
            return int(number.group(1)) or None
        percent = PERCENT.match(value)
        if percent and 0 < int(percent.group(1)) <= 100:
            return '%d%%' % int(percent.group(1))
    return None


def max_fail(value, staged):
    """``(percentage, problem)``: ``kylin_fleet_max_fail_percentage`` as a number from 0 to 100.

    Unset, it is 0 with stages (a failed cluster stops the later stages) and 100 without (no limit).
    """
    if value is None or value == '':
        return (0 if staged else NO_LIMIT), None
    number = value
    if isinstance(value, str):
        text = value.strip().rstrip('%').strip()
        try:
            number = float(text)
        except ValueError:
            number = None
    if isinstance(number, bool) or not isinstance(number, (int, float)) or not 0 <= number <= 100:
        return (0 if staged else NO_LIMIT), '%s, not %s' % (MAX_FAIL_HINT, _show(value))
    return (int(number) if float(number).is_integer() else float(number)), None


def _show(value):
    return '%r' % (value,) if isinstance(value, str) else '%s' % (value,)


def _count(item, total):
    """Ansible's ``pct_to_int``: a percentage of ``total`` rounded down, at least 1."""
    if isinstance(item, str) and item.endswith('%'):
        return int(int(item[:-1]) / 100.0 * total) or 1
    return int(item)


def stages(hosts, serial):
    """The clusters ``hosts`` (in play order) cut into Ansible's batches for ``serial`` (``serial_items``).

    Each item is the size of the next batch; the last one repeats until every host is in a batch.
    No items: one batch of every host.
    """
    hosts = list(hosts or [])
    items = list(serial or [])
    if not items:
        return [hosts] if hosts else []
    batches, index, total = [], 0, len(hosts)
    while hosts:
        size = _count(items[index], total)
        batches.append(hosts[:size])
        hosts = hosts[size:]
        index = min(index + 1, len(items) - 1)
    return batches


def stops(batch_size, failed_count, percentage):
    """Whether Ansible starts no later stage after this one.

    The linear strategy stops the play when more than ``percentage`` % of the stage failed, and the
    playbook executor when every cluster of the stage did, whatever the percentage.
    """
    if not batch_size or not failed_count:
        return False
    return failed_count >= batch_size or float(failed_count) / batch_size > percentage / 100.0


def stage(hosts, batch, serial, percentage, failed):
    """How the stage of ``batch`` ended, over the play's ``hosts``: a dict for the end summary.

    ``number`` and ``count`` (1-based, of the stages), ``hosts`` (the stage's), ``failed`` (those of the
    stage that failed), ``stops`` (Ansible starts no later stage), ``later`` (the clusters of the later
    stages) and ``not_reached`` (``later`` when the rollout stops, else empty), and ``line``, one line
    (empty without a batch).
    """
    batches = stages(hosts, serial)
    batch = list(batch or [])
    failed = [host for host in batch if host in set(failed or [])]
    number = 0
    for index, members in enumerate(batches):
        if batch and batch[0] in members:
            number = index + 1
            break
    later = [host for members in batches[number:] for host in members] if number else []
    stopped = stops(len(batch), len(failed), percentage)
    result = dict(number=number, count=len(batches), hosts=batch, failed=failed, stops=stopped, later=later,
                  not_reached=later if stopped else [])
    result['line'] = _line(result, percentage, bool(serial))
    return result


def _line(result, percentage, staged):
    if not result['hosts']:
        return ''
    where = ('Stage %d of %d (%s)' % (result['number'], result['count'], ', '.join(result['hosts']))
             if staged else '%d cluster%s (%s)' % (len(result['hosts']), '' if len(result['hosts']) == 1 else 's',
                                                   ', '.join(result['hosts'])))
    failed, size = result['failed'], len(result['hosts'])
    if not failed:
        if not result['later']:
            return '%s: done%s.' % (where, '; every stage is done' if staged and result['count'] > 1 else '')
        return '%s: done; next: %s.' % (where, ', '.join(result['later']))
    what = '%d of %d failed (%s)' % (len(failed), size, ', '.join(failed))
    if result['stops']:
        why = ('every cluster of the stage failed' if len(failed) >= size
               else 'more than kylin_fleet_max_fail_percentage %s%%' % percentage)
        if result['later']:
            return '%s: %s, %s: the later stages are not started. Not reached: %s.' % (
                where, what, why, ', '.join(result['not_reached']))
        return '%s: %s, %s.' % (where, what, why)
    return '%s: %s, within kylin_fleet_max_fail_percentage %s%%%s.' % (
        where, what, percentage, ('; next: %s' % ', '.join(result['later'])) if result['later'] else '')

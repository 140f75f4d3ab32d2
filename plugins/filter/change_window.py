# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
name: change_window
short_description: Whether now is inside a change window, and when the next one opens
version_added: 0.1.0
description:
  - The rule of the runbooks' change windows (C(kylin_change_windows)); every runbook that changes jobs
    checks it before its first write, and changes nothing outside every window.
  - A window is C({days, start, end, tz}). It opens on each of its O(_input[].days) at O(_input[].start), wall-clock time in
    O(_input[].tz), and closes at O(_input[].end), on the next day when O(_input[].end) is not after O(_input[].start);
    so a window may cross midnight, and belongs to the day it opens.
  - Times are those of the zone, daylight-saving changes included (Python's zoneinfo over the IANA time zone
    database; the controller needs it, the C(tzdata) package on a minimal system).
author:
  - kylin.streaming maintainers (@kylin-streaming)
options:
  _input:
    description: The windows (C(kylin_change_windows)); none, or an empty list, means no restriction.
    type: list
    elements: dict
    required: true
    suboptions:
      days:
        description: The days the window opens, of V(mon), V(tue), V(wed), V(thu), V(fri), V(sat), V(sun). Unset, every day.
        type: list
        elements: str
      start:
        description: When it opens, V(HH:MM).
        type: str
        required: true
      end:
        description: When it closes, V(HH:MM) (V(24:00) is midnight at the end of the day); not after O(_input[].start), the next day.
        type: str
        required: true
      tz:
        description: The time zone of O(_input[].start) and O(_input[].end), an IANA name such as V(Europe/Berlin).
        type: str
        default: UTC
  now:
    description:
      - The moment to check, as ISO 8601 with a time zone (V(2026-03-04T21:30:00+01:00)) or seconds since the
        epoch. Unset, the controller's clock.
    type: raw
seealso:
  - plugin: kylin.streaming.fleet_stage
    plugin_type: filter
'''

EXAMPLES = r'''
- name: Change nothing outside the change windows
  vars:
    window: "{{ kylin_change_windows | kylin.streaming.change_window }}"
  ansible.builtin.assert:
    that: window.open
    fail_msg: "{{ window.message }}"
    quiet: true

# kylin_change_windows:
#   - {days: [mon, tue, wed, thu], start: "22:00", end: "02:00", tz: Europe/Berlin}   # across midnight
#   - {days: [sat, sun], start: "00:00", end: "24:00", tz: Europe/Berlin}             # whole days
# On Friday 10:00 in Berlin the message says:
# "outside every change window (now Fri 2026-03-06 10:00 Europe/Berlin); the next opens
#  Sat 2026-03-07 00:00 Europe/Berlin (in 14h 00m): sat,sun 00:00-24:00 Europe/Berlin"
'''

RETURN = r'''
_value:
  description: Whether the moment is inside a window, and the next window when it is not.
  type: dict
  contains:
    open:
      description: Inside a window, or no windows at all (false when O(_input) has mistakes).
      type: bool
    window:
      description: The open window, as C(mon,tue 22:00-02:00 Europe/Berlin), or V(null).
      type: str
    until:
      description: When the open window closes (ISO 8601, UTC), or V(null).
      type: str
    next:
      description: When closed, the next window to open, C({window, start}) (its label, and its start in ISO 8601, UTC).
      type: dict
    now:
      description: The moment checked (ISO 8601, UTC).
      type: str
    problems:
      description: Mistakes in O(_input), one line each.
      type: list
      elements: str
    message:
      description:
        - "One line, for example C(inside the change window mon,tue 22:00-02:00 Europe/Berlin, until Tue 2026-03-03
          02:00 Europe/Berlin), or C(outside every change window (now ...); the next opens ... (in 7h 58m): ...)."
      type: str
'''

import datetime

from ansible.errors import AnsibleFilterError

from ansible_collections.kylin.streaming.plugins.module_utils._windows import check


def _moment(now):
    if now is None or now == '':
        return datetime.datetime.now(datetime.timezone.utc)
    if isinstance(now, datetime.datetime):
        moment = now
    elif isinstance(now, (int, float)) and not isinstance(now, bool):
        return datetime.datetime.fromtimestamp(now, datetime.timezone.utc)
    else:
        try:
            moment = datetime.datetime.fromisoformat(('%s' % now).replace('Z', '+00:00'))
        except ValueError:
            raise AnsibleFilterError('kylin.streaming.change_window: now must be ISO 8601 with a time zone, or seconds '
                                     'since the epoch, not %s' % (now,))
    if moment.tzinfo is None:
        raise AnsibleFilterError('kylin.streaming.change_window: now needs a time zone (e.g. 2026-03-04T21:30:00+01:00): %s' % (now,))
    return moment


def change_window(windows, now=None):
    """Whether ``now`` is inside one of ``windows``, and when the next one opens."""
    return check(windows, _moment(now))


class FilterModule:
    def filters(self):
        return {'change_window': change_window}

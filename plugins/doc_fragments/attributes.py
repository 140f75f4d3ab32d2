# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


class ModuleDocFragment:
    """What the modules support: the action group, check mode, diff mode."""

    DOCUMENTATION = r'''
options: {}
attributes:
  action_group:
    description: Use C(group/kylin.streaming.kylin) in C(module_defaults) to set the connection options once.
    support: full
    membership:
      - kylin.streaming.kylin
'''

    CHANGES = r'''
options: {}
attributes:
  check_mode:
    description: Reads the jobs once and returns the plan (what would be done to each job, and the status it would reach) without changing anything.
    support: full
  diff_mode:
    description: Returns the status of each job before and after (and the params that change).
    support: full
'''

    INFO = r'''
options: {}
attributes:
  check_mode:
    description: Never changes anything; runs the same in check mode.
    support: full
  diff_mode:
    description: Nothing changes, so there is no diff.
    support: N/A
'''

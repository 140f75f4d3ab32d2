# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


class ModuleDocFragment:
    """The input of the desired-state filters: a kylin_streaming_jobs list."""

    DOCUMENTATION = r'''
options:
  _input:
    description:
      - The desired state, a list of entries as the C(kylin_streaming_jobs) variable of the
        R(kylin.streaming.jobs role,ansible_collections.kylin.streaming.jobs_role) takes them, each with
        C(project), C(models) (or C(model), one alias), and optionally C(job_types) (V(build), V(merge)),
        C(state) (V(started), V(stopped)), C(params), C(params_purge) and C(apply_params) (V(restart), V(next_start)).
      - An entry that is not a mapping is reported by P(kylin.streaming.desired_problems#filter).
    type: list
    elements: raw
    required: true
'''

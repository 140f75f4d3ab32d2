# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one back-off: growth, cap, reset."""

from ansible_collections.kylin.streaming.plugins.module_utils._backoff import Backoff


def test_delays_double_up_to_the_cap():
    backoff = Backoff(first=0.5, maximum=8.0)
    assert [backoff.delay(n) for n in range(1, 8)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]


def test_failures_in_a_row_grow_and_success_resets():
    backoff = Backoff(first=10, maximum=60)
    assert [backoff.failure() for attempt in range(4)] == [10, 20, 40, 60]
    assert backoff.success() == 10
    assert backoff.failures == 0
    assert backoff.failure() == 10


def test_other_factor_and_a_cap_below_the_first_delay():
    assert [Backoff(first=2, maximum=30, factor=1.5).delay(n) for n in (1, 2, 3)] == [2.0, 3.0, 4.5]
    assert Backoff(first=5, maximum=1).delay(3) == 5.0  # the cap is never below the first delay

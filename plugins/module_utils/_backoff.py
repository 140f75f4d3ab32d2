# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Internal use only: the one back-off of the collection.

The client's retries of a read, the reconcile loop's waits after a refused write, and the EDA
source's polls after a failure all wait the same way: a first delay that grows by a factor after
each failure in a row, up to a cap, and back to the first delay after a success. Pure: no clock,
no sleep; callers sleep the delay they are given.
"""


class Backoff(object):
    """Delays that grow by ``factor`` after each failure in a row, from ``first`` up to ``maximum``."""

    def __init__(self, first, maximum, factor=2.0):
        self.first = float(first)
        self.maximum = max(self.first, float(maximum))
        self.factor = float(factor)
        self.failures = 0

    def delay(self, attempt):
        """The delay before try ``attempt + 1`` after ``attempt`` failures in a row (1 = the first failure)."""
        return min(self.maximum, self.first * self.factor ** max(0, int(attempt) - 1))

    def failure(self):
        """Count one more failure in a row; the delay to wait before the next try."""
        self.failures += 1
        return self.delay(self.failures)

    def success(self):
        """Reset after a success; the first delay again."""
        self.failures = 0
        return self.first

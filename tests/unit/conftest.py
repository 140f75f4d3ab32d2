# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The kylin_sim pytest plugin for the unit tests.

``ansible-test units`` runs pytest in a virtualenv of its own, which does not install the simulator
package (``kylin-sim/``); so it is imported from the collection's ``kylin-sim/src``, and the plugin is
registered here unless its ``pytest11`` entry point already did (pytest run from the project's .venv).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import sys

SIM_SRC = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', 'kylin-sim', 'src'))
if SIM_SRC not in sys.path:
    sys.path.insert(0, SIM_SRC)  # the one sys.path entry of the project's tests: see the docstring


def pytest_configure(config):
    from kylin_sim import pytest_plugin  # pylint: disable=import-outside-toplevel
    if not config.pluginmanager.is_registered(pytest_plugin):
        config.pluginmanager.register(pytest_plugin, 'kylin_sim')

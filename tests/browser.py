# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Headless chromium for the suites that check a page as a reader sees it (the HTML report, the docs site).

Chromium comes from bindep.txt (``make browser``). It runs offline, quiet, with a new profile per test.
"""

import shutil
import subprocess

import pytest

BROWSERS = ('chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable')
FLAGS = ('--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync', '--hide-scrollbars')


def browser():
    """The path of the first chromium on PATH; fails the test when there is none."""
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    pytest.fail('no chromium: run `make browser` (apt-get install chromium) first')
    return None


def chromium(tmp_path, *args):
    """Run headless chromium (offline, a new profile under ``tmp_path``) with ``args``; return its stdout."""
    command = [browser()] + list(FLAGS) + ['--user-data-dir=%s' % (tmp_path / 'chromium-profile')] + list(args)
    proc = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                          timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout

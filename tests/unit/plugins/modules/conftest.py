# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a module's ``main()`` in this process with given arguments and read what it printed."""

import contextlib
import json

import pytest

from ansible.module_utils import basic


@contextlib.contextmanager
def module_args(args):
    try:
        from ansible.module_utils.testing import patch_module_args  # ansible-core >= 2.19
    except ImportError:
        patch_module_args = None
    if patch_module_args is not None:
        with patch_module_args(args):
            yield
        return
    saved = basic._ANSIBLE_ARGS
    basic._ANSIBLE_ARGS = json.dumps({'ANSIBLE_MODULE_ARGS': args}).encode('utf-8')
    try:
        yield
    finally:
        basic._ANSIBLE_ARGS = saved


class FakeClient:
    """Stands in for ``KylinClient`` where a test only looks at the module's wiring."""

    timeout = 60
    retries = 3

    def __init__(self, retried=()):
        self.retried = list(retried)
        self.closed = False

    def close(self):
        self.closed = True


def warning_texts(result):
    """The warnings of a result as texts (ansible-core 2.19 returns them as structured events)."""
    return [w['event']['msg'] if isinstance(w, dict) else w for w in result.get('warnings', [])]


@pytest.fixture
def run_module(capsys):
    """``run_module(main, args) -> (rc, result dict)``; ``result['warnings']`` as texts."""
    def run(main, args):
        args = dict(args)
        try:
            from ansible.module_utils._internal import _traceback  # noqa: F401  ansible-core >= 2.19
            args['_ansible_tracebacks_for'] = ['error']  # what ansible-playbook -vvv asks for
        except ImportError:
            pass
        with module_args(args):
            with pytest.raises(SystemExit) as exit_info:
                main()
        result = json.loads(capsys.readouterr().out)
        result['warnings'] = warning_texts(result)
        return exit_info.value.code, result
    return run

# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Internal use only: what every module of the collection shares.

``KylinModule`` is an ``AnsibleModule`` whose spec carries the connection options, and ``run()`` is
the one place where the collection's errors become ``fail_json``: with the message, Kylin's status
and error code, ``error_type`` (``auth`` for a refused login, ...) and every warning gathered so
far. Any other exception is a bug and fails with its traceback.
"""

import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.kylin.streaming.plugins.module_utils._client import (
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    KylinClient,
)
from ansible_collections.kylin.streaming.plugins.module_utils._errors import KylinError, KylinOptionError, error_fields
from ansible_collections.kylin.streaming.plugins.module_utils._options import (
    OptionAdapter,
    check_connection,
    generate_argspec,
)


def build_client(adapter, warn=None):
    """A ``KylinClient`` from an ``OptionAdapter``; ``KylinOptionError`` on values no request could use."""
    check_connection(adapter)
    retries = adapter.get_option('retries')
    try:
        return KylinClient(
            url=adapter.get_option('url'),
            username=adapter.get_option('username'),
            password=adapter.get_option('password'),
            validate_certs=adapter.get_option('validate_certs') is not False,
            ca_path=adapter.get_option('ca_path'),
            timeout=adapter.get_option('timeout') or 60,
            retries=retries if retries is not None else 3,
            warn=warn,
        )
    except ValueError as exc:
        raise KylinOptionError(str(exc)) from None


def retry_warning(client):
    """One warning for every request the client retried, or None."""
    if client is None or not client.retried:
        return None
    return '%d request(s) were retried after transient errors; the last: %s' % (len(client.retried), client.retried[-1])


class KylinModule(AnsibleModule):
    """An ``AnsibleModule`` with the connection options; ``run()`` calls into module_utils once."""

    def __init__(self, argument_spec, **kwargs):
        super().__init__(argument_spec=generate_argspec(**argument_spec), **kwargs)
        if not HAS_REQUESTS:
            self.fail_json(msg=missing_required_lib('requests'), exception=str(REQUESTS_IMPORT_ERROR))
        self.adapter = OptionAdapter.from_module(self)

    def run(self, operation, **fail_result):
        """``operation(client)`` -> result dict (``failed`` in it fails the task); exits the module.

        ``fail_result``: the return values a failure still carries (``jobs=[]``, ...).
        """
        client = None
        try:
            client = build_client(self.adapter)
            result = operation(client)
        except KylinError as exc:
            self._close(client)
            self.fail_json(msg=str(exc), **dict(fail_result, **error_fields(exc)))
        except Exception as exc:  # pylint: disable=broad-except
            self._close(client)
            self.fail_json(msg='unexpected error in kylin.streaming (please report it): %s: %s' % (type(exc).__name__, exc),
                           exception=traceback.format_exc(), **fail_result)
        self._close(client)
        if result.pop('failed', False):
            self.fail_json(**result)
        self.exit_json(**result)

    def _close(self, client):
        if client is None:
            return
        client.close()
        warning = retry_warning(client)
        if warning:
            self.warn(warning)

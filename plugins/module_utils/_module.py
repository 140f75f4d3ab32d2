# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Internal use only: what every module of the collection shares.

The connection options of DESIGN §2.1 with their environment fallbacks (documented once in the
``kylin.streaming.connection`` doc fragment), the client built from them, and the one place where
client errors become ``fail_json``.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ansible_collections.kylin.streaming.plugins.module_utils._client import (
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    KylinClient,
)

CONNECTION_ENV = dict(
    url='KYLIN_URL',
    username='KYLIN_USERNAME',
    password='KYLIN_PASSWORD',
    validate_certs='KYLIN_VALIDATE_CERTS',
    ca_path='KYLIN_CA_PATH',
    timeout='KYLIN_TIMEOUT',
)


def connection_argument_spec():
    return dict(
        url=dict(type='str', required=True, fallback=(env_fallback, [CONNECTION_ENV['url']])),
        username=dict(type='str', fallback=(env_fallback, [CONNECTION_ENV['username']])),
        password=dict(type='str', no_log=True, fallback=(env_fallback, [CONNECTION_ENV['password']])),
        validate_certs=dict(type='bool', default=True, fallback=(env_fallback, [CONNECTION_ENV['validate_certs']])),
        ca_path=dict(type='path', fallback=(env_fallback, [CONNECTION_ENV['ca_path']])),
        timeout=dict(type='int', default=60, fallback=(env_fallback, [CONNECTION_ENV['timeout']])),
        retries=dict(type='int', default=3),
    )


def build_module(argument_spec, **kwargs):
    """An ``AnsibleModule`` whose spec is the connection options plus the module's own."""
    spec = connection_argument_spec()
    spec.update(argument_spec)
    module = AnsibleModule(argument_spec=spec, **kwargs)
    if not HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib('requests'), exception=str(REQUESTS_IMPORT_ERROR))
    return module


def check_connection_values(options):
    """Return an error text for connection values no request could succeed with, else None."""
    if options.get('timeout') is not None and options['timeout'] <= 0:
        return 'timeout must be a positive number of seconds (got %s)' % options['timeout']
    if options.get('retries') is not None and options['retries'] < 0:
        return 'retries must be 0 or more (got %s)' % options['retries']
    if options.get('password') and not options.get('username'):
        return 'password is set but username is not'
    return None


def build_client(options, fail):
    """A ``KylinClient`` from module or plugin options; ``fail(msg)`` is called on bad values."""
    problem = check_connection_values(options)
    if problem:
        fail(problem)
    try:
        return KylinClient(
            url=options['url'],
            username=options.get('username'),
            password=options.get('password'),
            validate_certs=options.get('validate_certs', True),
            ca_path=options.get('ca_path'),
            timeout=options.get('timeout') or 60,
            retries=options.get('retries') if options.get('retries') is not None else 3,
        )
    except ValueError as exc:
        fail(str(exc))


def client_for(module):
    return build_client(module.params, lambda msg: module.fail_json(msg=msg))


def warn_retries(module, client):
    if client.retried:
        module.warn('%d request(s) were retried after transient errors; the last: %s' % (
            len(client.retried), client.retried[-1]))


def fail_with(module, exc, **result):
    """``fail_json`` for a ``KylinError``: Kylin's status, code and message, never credentials."""
    module.fail_json(msg=str(exc), status=exc.status, error_code=exc.error_code, **result)

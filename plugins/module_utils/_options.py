# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Internal use only: options, the same way for modules and plugins.

``generate_argspec()`` merges the connection options of docs/design.md §2.1 (documented once in
the ``kylin.streaming.connection`` doc fragment) into a module's own; ``OptionAdapter`` reads
options from a module, a plugin or a dict, so validation written once serves all of them.
"""

from ansible.module_utils.basic import env_fallback

from ansible_collections.kylin.streaming.plugins.module_utils._errors import KylinOptionError

CONNECTION_ENV = dict(
    url='KYLIN_URL',
    username='KYLIN_USERNAME',
    password='KYLIN_PASSWORD',
    validate_certs='KYLIN_VALIDATE_CERTS',
    ca_path='KYLIN_CA_PATH',
    timeout='KYLIN_TIMEOUT',
)
CONNECTION_OPTIONS = ('url', 'username', 'password', 'validate_certs', 'ca_path', 'timeout', 'retries')


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


def generate_argspec(**module_options):
    """The connection options plus a module's own (which win on a name clash)."""
    spec = connection_argument_spec()
    spec.update(module_options)
    return spec


def spec_defaults(spec):
    """``{name: default}`` of an argument spec (None where it has none)."""
    return {name: option.get('default') for name, option in spec.items()}


class OptionAdapter:
    """``get_option(name)`` over a module's params, a plugin's options or a plain dict."""

    def __init__(self, getter):
        self._getter = getter

    @classmethod
    def from_dict(cls, values):
        return cls(values.get)

    @classmethod
    def from_module(cls, module):
        return cls.from_dict(module.params)

    @classmethod
    def from_plugin(cls, plugin):
        def getter(name):
            try:
                return plugin.get_option(name)
            except KeyError:
                return None
        return cls(getter)

    def get_option(self, name):
        return self._getter(name)

    def get_options(self, *names):
        return {name: self.get_option(name) for name in names}


def check_connection(adapter):
    """Raise ``KylinOptionError`` for connection values no request could succeed with."""
    timeout, retries = adapter.get_option('timeout'), adapter.get_option('retries')
    if timeout is not None and timeout <= 0:
        raise KylinOptionError('timeout must be a positive number of seconds (got %s)' % timeout)
    if retries is not None and retries < 0:
        raise KylinOptionError('retries must be 0 or more (got %s)' % retries)
    if adapter.get_option('password') and not adapter.get_option('username'):
        raise KylinOptionError('password is set but username is not')

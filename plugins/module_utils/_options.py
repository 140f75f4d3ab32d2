# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Internal use only: options, the same way for modules and plugins.

``generate_argspec()`` merges the connection options of docs/design.md §2.1 (documented once in
the ``kylin.streaming.connection`` doc fragment) into a module's own; ``OptionAdapter`` reads
options from a module, a plugin or a dict, so validation written once serves all of them;
``validate_dict()`` checks a dict (an EDA source's arguments) against a spec as a module's are checked.
"""

from ansible.module_utils.basic import env_fallback
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.errors import UnsupportedError

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
        # Not required=True: its message ("missing required arguments: url") names none of the ways to set it.
        url=dict(type='str', fallback=(env_fallback, [CONNECTION_ENV['url']])),
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


def validate_dict(spec, values):
    """``values`` checked against ``spec`` the way ``AnsibleModule`` checks a module's arguments (types,
    choices, aliases, defaults, environment fallbacks): ``(params, unknown names)``.

    A value of None or ``''`` counts as not given, so that its fallback applies. Unknown names are returned,
    not refused (the caller says what to do with them); any other problem raises ``KylinOptionError``.
    """
    given = {name: value for name, value in values.items() if value is not None and value != ''}
    result = ArgumentSpecValidator(spec).validate(given)
    unknown = sorted(str(name) for name in result.unsupported_parameters)
    problems = [error.msg for error in result.errors if not isinstance(error, UnsupportedError)]
    if problems:
        raise KylinOptionError('; '.join(problems))
    params = result.validated_parameters
    return {name: params.get(name) for name in spec}, unknown


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


def environment_variable(option):
    """How a message names the environment variable of a connection option, without writing it out.

    Ansible masks the password wherever it occurs in a module's output, and Kylin's default password
    (``KYLIN``, the simulator's too) is the first word of every one of these variables: written out,
    the url's variable would read ``********_URL``. A message says ``kylin_url in capitals`` instead
    (docs/design.md §2.1).
    """
    return '%s in capitals' % CONNECTION_ENV[option].lower()


MISSING_URL = ('url is required: set the url option (for every module of a play at once with module_defaults: '
               '{group/kylin.streaming.kylin: {url: ...}}) or its environment variable (%s); the collection\'s '
               'roles, runbooks and lookup also read the variable kylin_url' % environment_variable('url'))


def check_connection(adapter):
    """Raise ``KylinOptionError`` for connection values no request could succeed with."""
    timeout, retries = adapter.get_option('timeout'), adapter.get_option('retries')
    if timeout is not None and timeout <= 0:
        raise KylinOptionError('timeout must be a positive number of seconds (got %s)' % timeout)
    if retries is not None and retries < 0:
        raise KylinOptionError('retries must be 0 or more (got %s)' % retries)
    if adapter.get_option('password') and not adapter.get_option('username'):
        raise KylinOptionError('password is set but username is not')
    if not (adapter.get_option('url') or '').strip():
        raise KylinOptionError(MISSING_URL)

# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What AWX / AAP does with a custom credential type, for the tests: validate it, and inject it.

``validate`` applies the rules AWX's API enforces when a credential type is created (input fields
of type string or boolean with unique ids, required ids that exist, injectors that are ``env``,
``file`` and ``extra_vars`` only, no environment variable AWX reserves, templates that use only
the type's own fields and ``tower.filename``).

``inject`` renders the injectors as AWX's ``CredentialType.inject_credential`` does before a job
runs: in a Jinja2 immutable sandbox, with the credential's inputs as variables (only those that are
set; a boolean field that is not set is ``False``), every ``file`` template written to a private
file under the job's ``env/`` directory first (``template.NAME`` -> ``{{ tower.filename.NAME }}``),
then every ``env`` template rendered to a string. The result is the environment AWX hands to
ansible-runner for the job.
"""

import os
import re
import stat
import tempfile

from jinja2 import StrictUndefined, meta
from jinja2.sandbox import ImmutableSandboxedEnvironment

# Environment variables AWX refuses in a credential type's env injector (its blocklist; any ANSIBLE_* too).
RESERVED_ENV = ('PATH', 'PYTHONPATH', 'VIRTUAL_ENV', 'HOME', 'JOB_ID', 'INVENTORY_ID', 'INVENTORY_SOURCE_ID',
                'INVENTORY_UPDATE_ID', 'AD_HOC_COMMAND_ID', 'REST_API_URL', 'REST_API_TOKEN', 'MAX_EVENT_RES',
                'CALLBACK_QUEUE', 'CALLBACK_CONNECTION', 'CACHE', 'JOB_CALLBACK_DEBUG', 'INVENTORY_HOSTVARS',
                'AWX_HOST', 'PROJECT_REVISION', 'SUPERVISOR_CONFIG_PATH')
ENV_NAME = re.compile(r'^[A-Za-z_][A-Za-z0-9_]*$')


class Namespace:
    """AWX's ``tower`` namespace: ``tower.filename`` (one file) or ``tower.filename.NAME``."""


def validate(credential_type):
    """Raise AssertionError unless CREDENTIAL_TYPE would be accepted by AWX."""
    assert credential_type.get('kind') in ('cloud', 'net'), 'custom credential types are of kind cloud or net'
    assert credential_type.get('name'), 'a credential type needs a name'
    fields = credential_type['inputs']['fields']
    ids = [field['id'] for field in fields]
    assert len(ids) == len(set(ids)), 'duplicate input ids: %s' % ids
    for field in fields:
        assert set(field) <= {'id', 'label', 'type', 'secret', 'multiline', 'help_text', 'default', 'choices',
                              'format', 'ask_at_runtime'}, field
        assert field.get('label'), field
        assert field.get('type', 'string') in ('string', 'boolean'), field
        if field.get('type') == 'boolean':
            assert not field.get('secret') and not field.get('multiline'), field
    assert set(credential_type['inputs'].get('required', [])) <= set(ids)
    injectors = credential_type['injectors']
    assert set(injectors) <= {'env', 'file', 'extra_vars'}, injectors
    for name in injectors.get('file', {}):
        assert name == 'template' or re.match(r'^template\.[A-Za-z_][A-Za-z0-9_]*$', name), name
    environment = ImmutableSandboxedEnvironment()
    allowed = set(ids) | {'tower'}
    for name, template in list(injectors.get('env', {}).items()) + list(injectors.get('file', {}).items()):
        if name in injectors.get('env', {}):
            assert ENV_NAME.match(name), name
            assert name not in RESERVED_ENV and not name.startswith('ANSIBLE_'), '%s is reserved by AWX' % name
        used = meta.find_undeclared_variables(environment.parse(template))
        assert used <= allowed, '%s uses %s, which are not inputs of the type' % (name, sorted(used - allowed))


def inject(credential_type, inputs, private_data_dir):
    """Return the environment AWX gives a job that has a credential of CREDENTIAL_TYPE with INPUTS."""
    fields = credential_type['inputs']['fields']
    namespace = {}
    for field in fields:
        value = inputs.get(field['id'])
        if isinstance(value, bool):
            namespace[field['id']] = value
        elif value is not None and len(value):
            namespace[field['id']] = value
        elif field.get('type') == 'boolean':
            namespace[field['id']] = False
    tower = Namespace()
    namespace['tower'] = tower
    environment = ImmutableSandboxedEnvironment()
    env_dir = os.path.join(private_data_dir, 'env')
    os.makedirs(env_dir, exist_ok=True)
    for label, template in credential_type['injectors'].get('file', {}).items():
        data = environment.from_string(template).render(**namespace)
        handle, path = tempfile.mkstemp(dir=env_dir)
        with os.fdopen(handle, 'w') as out:
            out.write(data)
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
        if '.' not in label:
            tower.filename = path
        else:
            if not hasattr(tower, 'filename'):
                tower.filename = Namespace()
            setattr(tower.filename, label.split('.', 1)[1], path)
    env = {}
    for name, template in credential_type['injectors'].get('env', {}).items():
        env[name] = environment.from_string(template).render(**namespace)
    # Any undefined name would have rendered as '' silently: make sure every template is sound.
    strict = ImmutableSandboxedEnvironment(undefined=StrictUndefined)
    for template in credential_type['injectors'].get('env', {}).values():
        strict.from_string(template).render(**namespace)
    return env

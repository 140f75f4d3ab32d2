# -*- coding: utf-8 -*-
# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Internal use only: the job params (``spark.*``, ``kylin.streaming.*``) the ``job`` module writes.

Pure: what to write, what changes, and the values Kylin would refuse, checked before any change.
"""

import re

from ansible_collections.kylin.streaming.plugins.module_utils._errors import KylinOptionError

REFRESH_INTERVAL_PARAM = 'kylin.streaming.table-refresh-interval'
REFRESH_INTERVAL_MSG = ('KE-010043214: Can\'t refresh the value, the time units are only supported in d (days), '
                        'h (hours), or m (minutes). Please check and try again.')


def param_value(key, value):
    """A desired param value as Kylin stores it (a string), or None to remove the key."""
    if value is None:
        return None
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return value
    raise KylinOptionError('params.%s must be a string, number or boolean (got %s)' % (key, type(value).__name__))


def validate_params(params):
    """Raise ``KylinOptionError`` for values Kylin would refuse, with Kylin's message, before any change."""
    errors = []
    for key, value in (params or {}).items():
        if not isinstance(key, str) or not key.strip():
            errors.append('params keys must be non-empty strings (got %r)' % (key,))
            continue
        try:
            value = param_value(key, value)
        except KylinOptionError as exc:
            errors.append(str(exc))
            continue
        if key == REFRESH_INTERVAL_PARAM and value is not None and value.strip():
            if not re.match(r'^-?\d+[mhd]$', value.strip()):
                errors.append('params.%s=%r: %s' % (key, value, REFRESH_INTERVAL_MSG))
    if errors:
        raise KylinOptionError('; '.join(errors))


def desired_params(current, given, purge=False):
    """The whole map to write: ``given`` merged into ``current`` (or alone, with ``purge``)."""
    result = {} if purge else {k: str(v) for k, v in (current or {}).items()}
    for key, value in (given or {}).items():
        value = param_value(key, value)
        if value is None:
            result.pop(key, None)
        else:
            result[key] = value
    return result


def params_changes(current, desired):
    """``{key: {'before': old or None, 'after': new or None}}`` for every key that differs."""
    current = {k: str(v) for k, v in (current or {}).items()}
    changes = {}
    for key in sorted(set(current) | set(desired)):
        if current.get(key) != desired.get(key):
            changes[key] = {'before': current.get(key), 'after': desired.get(key)}
    return changes

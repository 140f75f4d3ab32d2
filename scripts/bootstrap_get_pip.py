"""Write offline stand-ins for the get-pip scripts that ansible-test downloads.

``ansible-test ... --venv`` creates each virtual environment without pip, then bootstraps pip by
running ``get-pip-<version>.py``, fetched from a CI host that this project's machines cannot
reach. It first looks for ``~/.ansible/test/cache/get_pip_<version_with_underscores>.py``; this
script writes a small stand-in there that installs pip from the interpreter's own ``ensurepip``
wheel and then lets that pip install the exact versions ansible-test asked for, through the
machine's normal pip configuration (index, extra indexes, certificates).

The pip version each ansible-core release wants is read from its ``ansible_test`` sources, for
every Python interpreter given on the command line (one per ansible-core venv); the versions of
the ansible-core releases we pin are also written, so this works before the venvs exist.

Existing files that are not our stand-in (e.g. a real get-pip script) are left untouched.

Usage: python scripts/bootstrap_get_pip.py [PYTHON_OF_AN_ANSIBLE_CORE_VENV ...]
"""

import os
import re
import subprocess
import sys

# pip versions pinned by ansible-test: ansible-core 2.16 -> 23.1.2, 2.19 -> 24.2, 2.21 -> 25.2.
KNOWN_PIP_VERSIONS = ('23.1.2', '24.2', '25.2')

CACHE_DIR = os.path.expanduser('~/.ansible/test/cache')
MARKER = '# kylin.streaming offline get-pip stand-in'

STAND_IN = MARKER + ''' (written by scripts/bootstrap_get_pip.py)
"""Install pip %(version)s and the given packages without downloading get-pip.py."""
import ensurepip
import os
import subprocess
import sys


def main():
    """Bootstrap pip from ensurepip, then install what ansible-test asked for."""
    saved = {key: value for key, value in os.environ.items() if key.startswith('PIP_')}
    # ensurepip deletes every PIP_* variable and sets PIP_CONFIG_FILE=/dev/null, which would
    # hide the machine's index and certificate settings from the pip install below.
    ensurepip.bootstrap()
    for key in [key for key in os.environ if key.startswith('PIP_')]:
        del os.environ[key]
    os.environ.update(saved)
    args = [arg for arg in sys.argv[1:] if arg not in ('--no-setuptools', '--no-wheel')]
    return subprocess.call([sys.executable, '-m', 'pip', 'install'] + args)


if __name__ == '__main__':
    sys.exit(main())
'''

PIP_PATTERN = re.compile(r"default_packages\s*=\s*dict\(\s*pip\s*=\s*'([0-9.]+)'")


def pip_version_of(python):
    """Return the pip version the ansible-test installed for PYTHON bootstraps, or None."""
    probe = 'import os, ansible_test; print(os.path.dirname(ansible_test.__file__))'
    try:
        out = subprocess.run([python, '-c', probe], check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    source = os.path.join(out.decode().strip(), '_internal', 'python_requirements.py')
    try:
        with open(source, encoding='utf-8') as handle:
            match = PIP_PATTERN.search(handle.read())
    except OSError:
        return None
    return match.group(1) if match else None


def write_stand_in(version):
    """Write the stand-in for VERSION unless a file we did not write is already there."""
    path = os.path.join(CACHE_DIR, 'get_pip_%s.py' % version.replace('.', '_'))
    content = STAND_IN % {'version': version}
    if os.path.exists(path):
        with open(path, encoding='utf-8') as handle:
            current = handle.read()
        if current == content:
            return
        if not current.startswith(MARKER):
            print('get-pip %s: keeping existing %s' % (version, path))
            return
    os.makedirs(CACHE_DIR, exist_ok=True)
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write(content)
    print('get-pip %s: wrote stand-in %s' % (version, path))


def main(argv):
    """Entry point."""
    versions = set(KNOWN_PIP_VERSIONS)
    for python in argv[1:]:
        version = pip_version_of(python)
        if version:
            versions.add(version)
        else:
            print('get-pip: could not read the pip version of ansible-test for %s' % python)
    for version in sorted(versions):
        write_stand_in(version)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))

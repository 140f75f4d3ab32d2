"""Build the collection's documentation site with antsibull-docs and Sphinx, offline.

``make docs`` installs the built artifact into a collections directory and calls this script with
that directory's ``ansible_collections`` parent on ANSIBLE_COLLECTIONS_PATH; it then:

1. lays out a Sphinx project with ``antsibull-docs sphinx-init --use-current`` (the same layout the
   Ansible community builds collection sites with: plugins, roles, the extra docs of
   ``docs/docsite``, the environment variables page);
2. makes it build offline: antsibull-docs' conf.py downloads intersphinx inventories (Python,
   Jinja, Ansible) at build time, which this machine cannot. Its templates link only to a few
   pages of the Ansible documentation, so a local inventory with those labels is written instead
   (their addresses on docs.ansible.com: the links on the site still work) and the others are
   dropped;
3. runs the generated build.sh: ``antsibull-docs collection`` then ``sphinx-build -W`` (every
   warning, such as a broken reference in an extra doc, fails the build).

The site is in DEST/build/html (index.html). Usage: python scripts/docs_site.py DEST
"""

import os
import shutil
import stat
import subprocess
import sys
import zlib

ANSIBLE_DOCS = 'https://docs.ansible.com/projects/ansible/devel/'
# Labels of the Ansible documentation that antsibull-docs' templates refer to.
ANSIBLE_LABELS = {
    'common_return_values': ('reference_appendices/common_return_values.html', 'Return Values'),
    'ansible_configuration_settings': ('reference_appendices/config.html', 'Ansible Configuration Settings'),
}
OFFLINE_CONF = '''

# --- Added by scripts/docs_site.py: build offline ---------------------------------------------
# The inventories above are downloaded at build time; this build has no network. The Ansible
# documentation's labels the templates use are in a local inventory (ansible_devel.inv, next to
# this file), with their real addresses; Python's and Jinja's are not used.
intersphinx_mapping = {
    'ansible_devel': ('%s', (os.path.join(os.path.dirname(os.path.abspath(__file__)), 'ansible_devel.inv'),)),
}
''' % ANSIBLE_DOCS


def write_inventory(path):
    """A Sphinx (version 2) inventory of ANSIBLE_LABELS."""
    lines = ''.join('%s std:label -1 %s %s\n' % (label, uri, title) for label, (uri, title) in sorted(ANSIBLE_LABELS.items()))
    with open(path, 'wb') as handle:
        handle.write(b'# Sphinx inventory version 2\n# Project: Ansible\n# Version: devel\n'
                     b'# The remainder of this file is compressed using zlib.\n')
        handle.write(zlib.compress(lines.encode('utf-8')))


def main(argv):
    """Entry point."""
    if len(argv) != 2:
        sys.stderr.write(__doc__.strip().splitlines()[-1] + '\n')
        return 2
    dest = os.path.abspath(argv[1])
    if os.path.isdir(dest):
        shutil.rmtree(dest)
    os.makedirs(dest, mode=0o700)  # antsibull-docs wants it owned by us and writable by us only
    subprocess.run(['antsibull-docs', 'sphinx-init', '--use-current', '--fail-on-error', '--dest-dir', dest,
                    'kylin.streaming'], check=True, stdout=subprocess.DEVNULL)
    conf = os.path.join(dest, 'conf.py')
    with open(conf, encoding='utf-8') as handle:
        text = handle.read()
    if 'import os' not in text:
        text = 'import os\n' + text
    with open(conf, 'w', encoding='utf-8') as handle:
        handle.write(text + OFFLINE_CONF)
    write_inventory(os.path.join(dest, 'ansible_devel.inv'))
    build = os.path.join(dest, 'build.sh')
    os.chmod(build, os.stat(build).st_mode | stat.S_IXUSR)
    result = subprocess.run([build], cwd=dest, check=False)
    if result.returncode:
        return result.returncode
    print('docs site: %s' % os.path.join(dest, 'build', 'html', 'index.html'))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))

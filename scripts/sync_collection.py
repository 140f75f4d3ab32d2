"""Mirror the working tree into the layout ansible-test needs.

ansible-test only runs inside ``.../ansible_collections/<namespace>/<name>/``. This repository's
root *is* the collection root, so ``make collection`` keeps a copy at
``.build/ansible_collections/kylin/streaming``.

What is copied is what git would ship: ``git ls-files --cached --others --exclude-standard``
(committed, staged and new-but-not-ignored files; ignored build output stays out). Files are
copied only when they changed, and files that are gone from the tree are deleted from the copy,
so a re-sync is cheap and never leaves stale content behind.

The copy gets its own throwaway ``git init``: ansible-test finds its file list through the
nearest ``.git`` above the collection, and without one it would find *this* repository, in which
``.build/`` is ignored, and sanity would silently test nothing. Nothing is ever committed there;
every file is simply "untracked", which ansible-test counts.

Usage: python scripts/sync_collection.py SOURCE_ROOT DEST_DIR
"""

import filecmp
import os
import shutil
import subprocess
import sys

# Never copied, whatever git says (also used when SOURCE_ROOT is not a git work tree).
SKIP_TOP = ('.git', '.build', '.tmp', '.ansible', '.pytest_cache', '.mypy_cache')
SKIP_PREFIXES = ('.venv', 'tests/output/')
SKIP_DIR_NAMES = ('__pycache__', '.pytest_cache')
SKIP_SUFFIXES = ('.pyc', '.pyo', '.tar.gz')
# Left alone in DEST: the throwaway git repository and ansible-test's own output.
KEEP_IN_DEST = ('.git', 'tests/output')


def skipped(rel):
    """Return True for paths that must never reach the copy."""
    parts = rel.split('/')
    if parts[0] in SKIP_TOP or rel.startswith(SKIP_PREFIXES):
        return True
    if any(part in SKIP_DIR_NAMES for part in parts):
        return True
    return rel.endswith(SKIP_SUFFIXES)


def git_files(root):
    """Return the files git would ship from ROOT, or None when ROOT is not a git work tree."""
    try:
        out = subprocess.run(
            ['git', '-C', root, 'ls-files', '-z', '--cached', '--others', '--exclude-standard'],
            check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    return [p for p in out.decode('utf-8', 'surrogateescape').split('\0') if p]


def walked_files(root):
    """Fallback for a tree that is not a git checkout (e.g. an unpacked tarball)."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root).replace(os.sep, '/')
        rel_dir = '' if rel_dir == '.' else rel_dir + '/'
        dirnames[:] = sorted(d for d in dirnames if not skipped(rel_dir + d + '/'))
        found.extend(rel_dir + name for name in filenames)
    return found


def source_files(root):
    """Return the sorted relative paths to copy."""
    files = git_files(root)
    if files is None:
        files = walked_files(root)
    # `git ls-files --cached` still lists files deleted in the work tree: drop them.
    return sorted(p for p in set(files) if not skipped(p) and os.path.lexists(os.path.join(root, p)))


def same(src, dst):
    """Return True when DST already holds SRC's content, mode and kind."""
    if os.path.islink(src) or os.path.islink(dst):
        return os.path.islink(src) and os.path.islink(dst) and os.readlink(src) == os.readlink(dst)
    if not os.path.isfile(dst):
        return False
    if os.stat(src).st_mode != os.stat(dst).st_mode:
        return False
    return filecmp.cmp(src, dst, shallow=False)


def copy_one(src, dst):
    """Copy one file or symlink, replacing whatever is at DST."""
    if os.path.lexists(dst) or os.path.isdir(dst):
        if os.path.isdir(dst) and not os.path.islink(dst):
            shutil.rmtree(dst)
        else:
            os.unlink(dst)
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    if os.path.islink(src):
        os.symlink(os.readlink(src), dst)
    else:
        shutil.copy2(src, dst)


def kept(rel):
    """Return True for paths in DEST that belong to the tools, not to the mirrored tree."""
    return any(rel == keep or rel.startswith(keep + '/') for keep in KEEP_IN_DEST)


def prune(dest, wanted):
    """Delete files and empty directories in DEST that are not WANTED. Return the count deleted."""
    removed = 0
    directories = []
    for dirpath, dirnames, filenames in os.walk(dest):
        rel_dir = os.path.relpath(dirpath, dest).replace(os.sep, '/')
        rel_dir = '' if rel_dir == '.' else rel_dir + '/'
        # Symlinks to directories are listed as directories; treat them as files.
        links = [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]
        dirnames[:] = [d for d in dirnames if d not in links and not kept(rel_dir + d)]
        directories.extend(os.path.join(dirpath, d) for d in dirnames)
        for name in filenames + links:
            rel = rel_dir + name
            if rel not in wanted and not kept(rel):
                os.unlink(os.path.join(dirpath, name))
                removed += 1
    for path in sorted(directories, reverse=True):
        if not os.listdir(path):
            os.rmdir(path)
    return removed


def main(argv):
    """Entry point."""
    if len(argv) != 3:
        sys.stderr.write(__doc__.strip().splitlines()[-1] + '\n')
        return 2
    source, dest = os.path.abspath(argv[1]), os.path.abspath(argv[2])
    files = source_files(source)
    os.makedirs(dest, exist_ok=True)

    updated = 0
    for rel in files:
        src, dst = os.path.join(source, rel), os.path.join(dest, rel)
        if not same(src, dst):
            copy_one(src, dst)
            updated += 1
    removed = prune(dest, set(files))

    if not os.path.isdir(os.path.join(dest, '.git')):
        subprocess.run(['git', 'init', '-q', dest], check=True)

    print('collection copy: %d files (%d updated, %d removed) in %s' % (len(files), updated, removed, dest))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))

# Copyright: (c) 2026, kylin.streaming contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Check that every "§" citation in the repository resolves to a section of its own docs.

A citation is ``docs/design.md §2.2`` or ``docs/kylin-api.md §5.7`` (a Markdown link to either page
followed by ``§N`` counts too, and so do further ``§N`` later on the same line, as in
"docs/design.md §4 and §2.2"). Inside docs/design.md and docs/kylin-api.md a bare ``§N`` means the
page itself. Anything else with a "§" (or a mention of the planning documents that are not part of the
repository) is reported, as is a section number that the cited page does not have.

Usage: python scripts/check_citations.py [ROOT]   (exit 1 when something does not resolve)
"""

import os
import re
import subprocess
import sys

PAGES = {'design.md': 'docs/design.md', 'kylin-api.md': 'docs/kylin-api.md'}
HEADING = re.compile(r'^#{2,4}\s+(\d+(?:\.\d+)*[a-z]?)[.\s]')
SECTION = re.compile(r'§\s?(\d+(?:\.\d+)*[a-z]?)')
PAGE = re.compile(r'(?:docs/)?(design\.md|kylin-api\.md)')
OUTSIDE = re.compile(r'\bDESIGN(?:\.md)?\s*(?:§|section|\d)|\bref(?:erence)?\s+(?:§|sections?\b|\d)|/work/shared|'
                     r'kylin-streaming-api\.md')
TEXT_SUFFIXES = ('.md', '.py', '.yml', '.yaml', '.j2', '.txt', '.toml', '.cfg', '.ini', '.sh', '.rst')


def sections(path):
    found = set()
    with open(path, encoding='utf-8') as handle:
        for line in handle:
            match = HEADING.match(line)
            if match:
                found.add(match.group(1))
    return found


def tracked_files(root):
    out = subprocess.run(['git', '-C', root, 'ls-files', '-z', '--cached', '--others', '--exclude-standard'],
                         check=True, stdout=subprocess.PIPE).stdout
    return sorted(p for p in out.decode('utf-8').split('\0') if p.endswith(TEXT_SUFFIXES))


def check_line(rel, line, known):
    """Yield a problem for each citation on LINE that does not resolve."""
    default = next((page for page, path in PAGES.items() if rel == path), None)
    if OUTSIDE.search(line):
        yield 'cites a document outside the repository'
    for match in SECTION.finditer(line):
        pages = PAGE.findall(line[:match.start()])
        page = pages[-1] if pages else default
        if page is None:
            yield '§%s names no page (write docs/design.md §%s or docs/kylin-api.md §%s)' % ((match.group(1),) * 3)
        elif match.group(1) not in known[page]:
            yield '%s has no §%s' % (PAGES[page], match.group(1))


def main(root):
    known = dict((page, sections(os.path.join(root, path))) for page, path in PAGES.items())
    problems = 0
    for rel in tracked_files(root):
        if rel == 'scripts/check_citations.py':
            continue
        try:
            with open(os.path.join(root, rel), encoding='utf-8') as handle:
                lines = handle.readlines()
        except (OSError, UnicodeDecodeError):
            continue
        for number, line in enumerate(lines, 1):
            for problem in check_line(rel, line, known):
                problems += 1
                print('%s:%d: %s' % (rel, number, problem))
    if problems:
        print('%d citation(s) do not resolve inside the repository' % problems)
        return 1
    print('every § citation resolves to docs/design.md or docs/kylin-api.md')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else os.getcwd()))

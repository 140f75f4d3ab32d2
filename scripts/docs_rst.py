"""Generate the collection's extra docs (docs/docsite/) from the Markdown pages in docs/.

antsibull-docs publishes a collection's extra docs from reStructuredText files under
``docs/docsite/rst/`` listed in ``docs/docsite/extra-docs.yml``; the pages of this repository are
Markdown (``docs/*.md``, read on GitHub). So the RST is generated, never edited: ``make docs-rst``
(run by ``make build`` and ``make docs``) converts every ``docs/*.md`` with pandoc (the
``pypandoc-binary`` wheel of ``.venv-2.21``) and writes ``extra-docs.yml`` listing them. Both are
ignored by git; a page added to docs/ is on the site at the next build.

Links are rewritten for the site: a link to another page of docs/ (``runbooks.md#converge``)
becomes a Sphinx ``:ref:`` to that page or section, a link to a role's README becomes a link to the
role's page, and a link to any other file of the repository becomes a link to it on the
repository's web page (``repository`` in galaxy.yml). Every section gets the label
``ansible_collections.kylin.streaming.docsite.<page>.<GitHub anchor>``.

Usage: python scripts/docs_rst.py COLLECTION_ROOT
"""

import os
import re
import sys

import pypandoc

PREFIX = 'ansible_collections.kylin.streaming.docsite.'
# The order of the pages in the site's menu; pages not named here follow, alphabetically.
ORDER = ('runbooks', 'awx', 'execution-environment', 'design', 'kylin-api', 'simulator', 'benchmarks',
         'reliability')
GENERATED_NOTE = '..\n  Generated from docs/%s.md by scripts/docs_rst.py: edit the Markdown page, not this file.\n\n'

LUA_FILTER = r'''
local page = @PAGE@
local pages = @PAGES@
local prefix = 'ansible_collections.kylin.streaming.docsite.'
local blob = '@BLOB@'

local function label(name, anchor)
  if anchor == nil or anchor == '' then return prefix .. name end
  return prefix .. name .. '.' .. anchor
end

local function ref(content, target)
  local text = pandoc.utils.stringify(content):gsub('[`<>]', '')
  return pandoc.RawInline('rst', ':ref:`' .. text .. ' <' .. target .. '>`')
end

function RawBlock(block)
  if block.format == 'html' and block.text:match('^%s*<!%-%-') then return {} end
end

function Header(header)
  local raw = pandoc.RawBlock('rst', '.. _' .. label(page, header.identifier) .. ':')
  header.identifier = ''  -- or pandoc adds a label of its own, without the prefix
  return {raw, header}
end

function Link(link)
  local target = link.target
  if target:match('^%a[%w+.-]*:') then return nil end
  local path, anchor = target:match('^([^#]*)#?(.*)$')
  if path == '' then return ref(link.content, label(page, anchor)) end
  local name = path:match('^([%w_.-]+)%.md$') or path:match('^%./([%w_.-]+)%.md$')
  if name and pages[name] then return ref(link.content, label(name, anchor)) end
  local role = path:match('^%.%./roles/([%w_]+)/README%.md$')
  if role then return ref(link.content, 'ansible_collections.kylin.streaming.' .. role .. '_role') end
  -- any other file of the repository: docs/<path>, normalised, on the repository's web page
  local parts = {'docs'}
  for part in path:gmatch('[^/]+') do
    if part == '..' then table.remove(parts) elseif part ~= '.' then table.insert(parts, part) end
  end
  link.target = blob .. table.concat(parts, '/') .. (anchor ~= '' and ('#' .. anchor) or '')
  return link
end
'''


def repository_url(root):
    """The repository's web address, from galaxy.yml."""
    with open(os.path.join(root, 'galaxy.yml'), encoding='utf-8') as handle:
        match = re.search(r'^repository:\s*(\S+)', handle.read(), re.M)
    return match.group(1).rstrip('/') if match else 'https://github.com/kylin-streaming/kylin.streaming'


def title_of(markdown):
    """The page's first level-1 heading, without Markdown markup."""
    for line in markdown.splitlines():
        if line.startswith('# '):
            return re.sub(r'[`*]', '', line[2:]).strip()
    return None


def main(argv):
    """Entry point."""
    if len(argv) != 2:
        sys.stderr.write(__doc__.strip().splitlines()[-1] + '\n')
        return 2
    root = os.path.abspath(argv[1])
    docs = os.path.join(root, 'docs')
    names = sorted(name[:-3] for name in os.listdir(docs) if name.endswith('.md'))
    names.sort(key=lambda name: (ORDER.index(name) if name in ORDER else len(ORDER), name))
    out_dir = os.path.join(docs, 'docsite', 'rst')
    os.makedirs(out_dir, exist_ok=True)
    for stale in os.listdir(out_dir):
        if stale.endswith('.rst') and stale[:-4] not in names:
            os.unlink(os.path.join(out_dir, stale))
    filter_path = os.path.join(out_dir, '.links.lua')
    entries = []
    for name in names:
        with open(os.path.join(docs, name + '.md'), encoding='utf-8') as handle:
            markdown = handle.read()
        lua = (LUA_FILTER.replace('@PAGES@', '{' + ', '.join('[%r] = true' % other for other in names) + '}')
               .replace('@PAGE@', repr(name))
               .replace('@BLOB@', repository_url(root) + '/blob/main/'))
        with open(filter_path, 'w', encoding='utf-8') as handle:
            handle.write(lua)
        rst = pypandoc.convert_text(markdown, 'rst', format='gfm', extra_args=['--wrap=preserve', '--lua-filter', filter_path])
        # pandoc writes a raw block right above the heading: a label needs a blank line after it.
        rst = re.sub(r'^(\.\. _%s[^\n]*:)\n(?=\S)' % re.escape(PREFIX), r'\1\n\n', rst, flags=re.M)
        with open(os.path.join(out_dir, name + '.rst'), 'w', encoding='utf-8') as handle:
            handle.write(GENERATED_NOTE % name + '.. _%s%s:\n\n' % (PREFIX, name) + rst)
        entries.append((name, title_of(markdown) or name))
    os.unlink(filter_path)
    with open(os.path.join(docs, 'docsite', 'extra-docs.yml'), 'w', encoding='utf-8') as handle:
        handle.write('---\n# Generated by scripts/docs_rst.py from docs/*.md: not edited by hand.\nsections:\n')
        handle.write('  - title: Guides\n    toctree:\n')
        for name, title in entries:
            handle.write('      - ref: %s\n        title: %s\n' % (name, yaml_string(title)))
    print('extra docs: %d pages in %s' % (len(entries), out_dir))
    return 0


def yaml_string(text):
    """TEXT as a double-quoted YAML scalar."""
    return '"%s"' % text.replace('\\', '\\\\').replace('"', '\\"')


if __name__ == '__main__':
    sys.exit(main(sys.argv))

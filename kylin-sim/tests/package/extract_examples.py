"""Write the examples of a Markdown file to a directory, so that they run as tests and cannot rot.

An example is a fenced code block right after a line ``<!-- example: FILE NAME -->``.

    python extract_examples.py README.md DIR
"""

import os
import re
import sys

EXAMPLE = re.compile(r"^<!-- example: (?P<name>[\w.-]+) -->\n+```[\w-]*\n(?P<code>.*?)^```$", re.M | re.S)


def main(markdown, directory):
    with open(markdown, encoding="utf-8") as handle:
        found = [(m.group("name"), m.group("code")) for m in EXAMPLE.finditer(handle.read())]
    if not found:
        sys.stderr.write("no examples in %s\n" % markdown)
        return 1
    os.makedirs(directory, exist_ok=True)
    for name, code in found:
        with open(os.path.join(directory, name), "w", encoding="utf-8") as handle:
            handle.write(code)
        print(os.path.join(directory, name))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))

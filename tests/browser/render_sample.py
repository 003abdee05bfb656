#!/usr/bin/env python3
"""Makes report.html from the report template and a report.json, the way
`heapscope analyze` does (src/report/heap_report_render.cc, HeapReportHtml),
so the browser test runs without the C++ code:

    render_sample.py TEMPLATE JSON OUT_HTML

The template's one placeholder /*HEAPSCOPE_REPORT_JSON*/ becomes the JSON
text. Every '<' in it is written as \\u003c (it occurs in JSON only inside
strings, where the escape means the same), so no "</script" or "<!--" in a
string can end or confuse the <script> element that holds the data.
"""
import json
import sys

PLACEHOLDER = "/*HEAPSCOPE_REPORT_JSON*/"


def render(template: str, data: str) -> str:
    if template.count(PLACEHOLDER) != 1:
        raise ValueError(f"the template must hold {PLACEHOLDER} exactly once, not {template.count(PLACEHOLDER)} times")
    json.loads(data)  # a damaged sample should fail here, not in the browser
    return template.replace(PLACEHOLDER, data.strip().replace("<", "\\u003c"))


def main(argv: list[str]) -> int:
    if len(argv) != 4:
        print("usage: render_sample.py TEMPLATE JSON OUT_HTML", file=sys.stderr)
        return 2
    try:
        with open(argv[1], encoding="utf-8") as f:
            template = f.read()
        with open(argv[2], encoding="utf-8") as f:
            data = f.read()
        page = render(template, data)
        with open(argv[3], "w", encoding="utf-8") as f:
            f.write(page)
    except (OSError, ValueError) as e:
        print(f"render_sample.py: {e}", file=sys.stderr)
        return 1
    print(f"wrote {argv[3]} ({len(page.encode('utf-8'))} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

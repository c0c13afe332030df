"""Links from the chapters to the source lines they explain, kept true as the code moves.

A chapter links a definition as ``[`Tensor.backward`](../../tinygrad_edu/tensor.py#L10-L42)``: the
first name in backticks is the function or class (dotted for a method), and the line range is
exactly its span, decorators included. The link reads on GitHub and in Jupyter; the docs site
points it at its own copy of the file (see ``hooks.py``). When the code moves, ``check`` names
every stale range and ``python docs/source_links.py --fix docs/learn/*.md`` rewrites them.
"""

from __future__ import annotations

import ast
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINK = re.compile(
    r"\[(?P<text>[^\]]*)\]\((?P<target>(?:\.\./)+(?P<file>tinygrad_edu/[\w/]+\.py)(?:#L(?P<first>\d+)-L(?P<last>\d+))?)\)"
)
NAME = re.compile(r"`(?:class |def )?(?P<name>[A-Za-z_][\w.]*)")


@dataclass(frozen=True)
class SourceLink:
    text: str
    file: str  # relative to the repository root
    lines: tuple[int, int] | None  # None: the whole file
    start: int  # where the link's target starts in the chapter's text
    end: int


def links_in(text: str) -> list[SourceLink]:
    """Every link into the package's source in a chapter's text."""
    found = []
    for match in LINK.finditer(text):
        lines = (int(match["first"]), int(match["last"])) if match["first"] else None
        found.append(SourceLink(match["text"], match["file"], lines, *match.span("target")))
    return found


def definition_span(file: str, dotted_name: str) -> tuple[int, int]:
    """First and last line of the definition ``dotted_name`` (``"Tensor.backward"``) in ``file``."""
    body = ast.parse((ROOT / file).read_text()).body
    node = None
    for part in dotted_name.split("."):
        node = next((n for n in body if _defines(n, part)), None)
        if node is None:
            raise LookupError(f"{file} defines no {dotted_name!r}")
        body = getattr(node, "body", [])
    first = min([node.lineno] + [decorator.lineno for decorator in getattr(node, "decorator_list", [])])
    return first, node.end_lineno


def _defines(node: ast.stmt, name: str) -> bool:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return node.name == name
    targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
    return any(isinstance(target, ast.Name) and target.id == name for target in targets)


def expected_lines(link: SourceLink) -> tuple[int, int]:
    name = NAME.search(link.text)
    if name is None:
        raise LookupError(f"link {link.text!r} to {link.file} with lines names no definition in backticks")
    return definition_span(link.file, name["name"])


def problems(chapter: Path) -> list[str]:
    """What is wrong with a chapter's source links: missing files, unknown names, stale ranges."""
    found = []
    for link in links_in(chapter.read_text()):
        if not (ROOT / link.file).is_file():
            found.append(f"{chapter.name}: {link.file} does not exist")
        elif link.lines is not None:
            try:
                expected = expected_lines(link)
            except LookupError as error:
                found.append(f"{chapter.name}: {error}")
                continue
            if expected != link.lines:
                found.append(
                    f"{chapter.name}: [{link.text}] points at lines {link.lines}, the definition is {expected}"
                )
    return found


def fix(chapter: Path) -> int:
    """Rewrite every stale line range in ``chapter``; returns how many were changed."""
    text = chapter.read_text()
    changed = 0
    for link in reversed(links_in(text)):
        if link.lines is None or not (ROOT / link.file).is_file():
            continue
        first, last = expected_lines(link)
        if (first, last) != link.lines:
            depth = text[link.start : link.end].split("tinygrad_edu/")[0]
            text = text[: link.start] + f"{depth}{link.file}#L{first}-L{last}" + text[link.end :]
            changed += 1
    if changed:  # written beside and renamed, so an interrupted fix never truncates a chapter
        temporary = chapter.with_name(f".{chapter.name}.tmp")
        temporary.write_text(text)
        os.replace(temporary, chapter)
    return changed


if __name__ == "__main__":
    arguments = sys.argv[1:]
    fixing = "--fix" in arguments
    paths = [Path(argument) for argument in arguments if argument != "--fix"]
    for path in paths:
        if fixing:
            print(f"{path}: {fix(path)} link(s) updated")
    remaining = [problem for path in paths for problem in problems(path)]
    print("\n".join(remaining) or "all source links point at their definitions")
    sys.exit(1 if remaining else 0)

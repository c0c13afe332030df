"""Build steps of the docs site (mkdocs hooks; see mkdocs.yml).

- The home page is the README, with its links into docs/ made relative to the site.
- The API reference is generated: one page per module the menu lists, one entry per name in the
  module's ``__all__``, so a name added there gets its entry without editing a page. After the build, every entry
  is checked to be on its page: a name that failed to render fails the build.
- Every source file of the package gets a page with numbered lines. A chapter's link
  ``../../tinygrad_edu/autograd.py#L383-L411`` (which reads on GitHub and in Jupyter) is pointed
  at that page, where the lines are marked (docs/javascripts/source_lines.js).
- Chapters run in a temporary folder, so the files they write never land in the repository.
- The chapters' math is typeset by a copy of MathJax inside the site (from the
  jupyter-server-mathjax package), so the pages need no network.
"""

from __future__ import annotations

import importlib
import inspect
import os
import posixpath
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files
from mkdocs.utils import get_relative_url

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "tinygrad_edu"

# The modules with a reference page: those the menu lists under "API reference" (set in on_config).
API_MODULES: list[str] = []
# Section titles of the top-level page, by the module a name is defined in.
SECTIONS = {
    "tinygrad_edu.tensor": "The Tensor",
    "tinygrad_edu.creation": "Creating tensors",
    "tinygrad_edu.functions": "Functions of tensors",
    "tinygrad_edu.autograd": "Autograd",
    "tinygrad_edu.gradcheck": "Gradient checking",
    "tinygrad_edu.io": "Saving and loading",
    "tinygrad_edu.dtypes": "Data types",
    "tinygrad_edu.backend": "Devices",
    "tinygrad_edu": "Legacy tensor types",  # tg.FloatTensor, ...: made by creation.py, named as torch's
}
# Entries shown without their members: their members are NumPy's.
WITHOUT_MEMBERS = {"Legacy tensor types"}
# Every chapter's page is learn/<chapter>/index.html: two folders below the site's root.
MATHJAX_FROM_CHAPTER = "../../assets/mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe"
# The copy holds MathJax's STIX-Web fonts only (its default, TeX, is left out): say so before it starts.
MATHJAX_FONTS = (
    '<script type="text/x-mathjax-config">MathJax.Hub.Config({"HTML-CSS": {availableFonts: [], '
    'preferredFont: null, webFont: "STIX-Web", imageFont: null}});</script>'
)
SOURCE_LINK = re.compile(r'href="(?P<path>(?:\.\./)+tinygrad_edu/[\w/]+\.py)(?P<lines>#L\d+(?:-L\d+)?)?"')
_previous_folder: list[str] = []


# ----------------------------------------------------------------------------- public names
def public_names(module_name: str) -> list[str]:
    """A module's public names: its ``__all__``."""
    module = importlib.import_module(module_name)
    if not hasattr(module, "__all__"):
        raise PluginError(f"{module_name} has no __all__: the API reference lists a module's __all__")
    return list(module.__all__)


def _page_uri(module_name: str) -> str:
    return f"api/{module_name}.md"


# ----------------------------------------------------------------------------- generated pages
def _entry(identifier: str, heading_level: int, **options: Any) -> list[str]:
    settings = {"heading_level": heading_level, **options}
    return [f"::: {identifier}", "    options:", *(f"      {key}: {value}" for key, value in settings.items()), ""]


def _api_page(module_name: str) -> str:
    """The module's docstring, then one entry per public name (a submodule: a link to its page)."""
    module = importlib.import_module(module_name)
    lines = [f"# `{module_name}`", "", inspect.cleandoc(module.__doc__ or ""), ""]
    paged = [name for name in public_names(module_name) if f"{module_name}.{name}" in API_MODULES]
    if paged:
        links = ", ".join(f"[`{name}`]({module_name}.{name}.md)" for name in paged)
        lines += [f"Modules with a page of their own: {links}.", ""]
    names = [name for name in public_names(module_name) if name not in paged]
    if module_name != "tinygrad_edu":
        return "\n".join(lines + [line for name in names for line in _entry(f"{module_name}.{name}", 2)])
    by_section: dict[str, list[str]] = {section: [] for section in [*SECTIONS.values(), "More"]}
    for name in names:  # the top-level page is long: its names in sections, by the module that defines them
        by_section[SECTIONS.get(getattr(getattr(module, name), "__module__", None), "More")].append(name)
    for section, section_names in by_section.items():
        options = {"members": "false"} if section in WITHOUT_MEMBERS else {}
        lines += [f"## {section}", ""] if section_names else []
        lines += [line for name in section_names for line in _entry(f"{module_name}.{name}", 3, **options)]
    return "\n".join(lines)


def _summary(module_name: str) -> str:
    """The first sentence of a module's docstring."""
    docstring = importlib.import_module(module_name).__doc__ or ""
    return " ".join(docstring.strip().split("\n\n")[0].split())


def _api_index() -> str:
    rows = [f"| [`{name}`]({name}.md) | {_summary(name)} |" for name in API_MODULES]
    return "\n".join(["# API reference", "", "| module | what it holds |", "| --- | --- |", *rows, ""])


def _home_page() -> str:
    """The README, its links into docs/ made relative to the site (docs/learn/x.md -> learn/x.md)."""
    readme = (ROOT / "README.md").read_text()
    return re.sub(r"\]\(docs/", "](", readme)


def _source_page(relative: str, code: str) -> str:
    """The file's code with numbered lines, fenced by more backticks than the code holds in a row."""
    fence = "`" * max(3, max((len(run) for run in re.findall(r"`+", code)), default=0) + 1)
    return f'---\nhide: [navigation, toc]\n---\n\n# `{relative}`\n\n{fence}python linenums="1"\n{code}{fence}\n'


def _menu_modules(nav: list[Any]) -> list[str]:
    """The modules listed in the menu's "API reference" section (api/<module>.md)."""
    for item in nav:
        if isinstance(item, dict) and "API reference" in item:
            uris = item["API reference"]
            return [uri.removeprefix("api/").removesuffix(".md") for uri in uris if uri != "api/index.md"]
    raise PluginError('mkdocs.yml: the nav has no "API reference" section')


def on_config(config: Any) -> Any:
    API_MODULES[:] = _menu_modules(config.nav)
    # The executed notebooks' cache lives in the repository (ignored), whatever folder mkdocs runs from.
    jupyter = config.plugins.get("mkdocs-jupyter")
    if jupyter is not None:
        jupyter.config["cache_dir"] = str(ROOT / ".cache" / "mkdocs-jupyter")
        if _mathjax_folder() is not None:
            jupyter.config["custom_mathjax_url"] = MATHJAX_FROM_CHAPTER
    return config


def _mathjax_folder() -> Path | None:
    try:
        import jupyter_server_mathjax
    except ImportError:  # then the pages load MathJax from its public CDN
        return None
    return Path(jupyter_server_mathjax.__file__).parent / "static"


def on_files(files: Files, config: Any) -> Files:
    generated = {"index.md": _home_page(), "api/index.md": _api_index()}
    generated.update({_page_uri(name): _api_page(name) for name in API_MODULES})
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        generated[f"source/{relative}.md"] = _source_page(relative, path.read_text())
    for uri, content in generated.items():
        files.append(File.generated(config, uri, content=content))
    return files


# ----------------------------------------------------------------------------- chapters
def on_pre_build(config: Any) -> None:
    """Chapters are executed with the build's working folder: make it a temporary one."""
    _previous_folder.append(os.getcwd())
    os.chdir(tempfile.mkdtemp(prefix="tinygrad_edu-docs-"))


def _leave_temporary_folder() -> None:
    if _previous_folder:
        os.chdir(_previous_folder.pop())


def on_build_error(error: Exception) -> None:
    _leave_temporary_folder()


def on_page_content(html: str, page: Any, config: Any, files: Files) -> str:
    """Links into the package's source go to the site's page of that file, at the same lines."""
    folder = posixpath.dirname(page.file.src_uri)

    def to_source_page(match: re.Match[str]) -> str:
        repository_path = posixpath.normpath(posixpath.join("docs", folder, match["path"]))
        source = files.get_file_from_path(f"source/{repository_path}.md")
        if source is None:
            raise PluginError(f"{page.file.src_uri} links {match['path']}, which is not a source file of the package")
        return f'href="{get_relative_url(source.url, page.url)}{match["lines"] or ""}"'

    html = SOURCE_LINK.sub(to_source_page, html)
    mathjax = f'<script src="{MATHJAX_FROM_CHAPTER}">'
    return html.replace(mathjax, MATHJAX_FONTS + mathjax) if mathjax in html else html


# ----------------------------------------------------------------------------- the check
def on_post_build(config: Any) -> None:
    """Copy MathJax in; then check that every public name has its entry on its module's page."""
    _leave_temporary_folder()
    site = Path(config.site_dir)
    if _mathjax_folder() is not None:
        shutil.copytree(_mathjax_folder(), site / "assets" / "mathjax", dirs_exist_ok=True)
    missing = []
    for module_name in API_MODULES:
        page = site / "api" / module_name / "index.html"
        html = page.read_text() if page.is_file() else ""
        for name in public_names(module_name):
            target = f"{module_name}.{name}"
            if target not in API_MODULES and f'id="{target}"' not in html:
                missing.append(target)
    if missing:
        raise PluginError("the API reference lacks entries for: " + ", ".join(missing))

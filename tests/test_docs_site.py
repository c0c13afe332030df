"""The docs site's build steps (docs/hooks.py): generated pages, rewritten links, the coverage check.

`make docs` builds the whole site with --strict; these tests pin down what the hooks promise, each
on a small input, so a broken promise shows up with its cause.
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest

yaml = pytest.importorskip("yaml")
pytest.importorskip("mkdocs")
from mkdocs.exceptions import PluginError  # noqa: E402
from mkdocs.structure.files import File, Files  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "docs"))
import hooks  # noqa: E402 - docs/hooks.py


class _Loader(yaml.SafeLoader):  # mkdocs.yml may use !ENV and friends; the nav needs none of them
    pass


_Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
CONFIG = yaml.load((ROOT / "mkdocs.yml").read_text(), Loader=_Loader)
MODULES = hooks._menu_modules(CONFIG["nav"])


def _nav_section(title: str) -> list[str]:
    return next(item[title] for item in CONFIG["nav"] if isinstance(item, dict) and title in item)


def test_the_menu_lists_every_chapter_in_order() -> None:
    chapters = sorted(path.relative_to(ROOT / "docs").as_posix() for path in (ROOT / "docs/learn").glob("[0-9]*.md"))
    assert _nav_section("Learn") == ["learn/index.md", *chapters]


def test_the_reference_has_a_page_for_every_public_module() -> None:
    import tinygrad_edu as tg

    public_modules = {f"tinygrad_edu.{name}" for name in tg.__all__ if isinstance(getattr(tg, name), ModuleType)}
    assert public_modules <= set(MODULES)
    assert {"tinygrad_edu", "tinygrad_edu.nn", "tinygrad_edu.optim", "tinygrad_edu.data"} <= set(MODULES)


@pytest.mark.parametrize("module_name", MODULES)
def test_each_reference_page_has_an_entry_for_every_public_name(module_name: str) -> None:
    hooks.API_MODULES[:] = MODULES
    page = hooks._api_page(module_name)
    for name in hooks.public_names(module_name):
        if f"{module_name}.{name}" in MODULES:
            assert f"({module_name}.{name}.md)" in page  # a submodule with a page of its own: linked
        else:
            assert f"::: {module_name}.{name}\n" in page


def _site_with(tmp_path: Path, module_name: str, ids: list[str]) -> SimpleNamespace:
    for other in MODULES:
        page = tmp_path / "api" / other / "index.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        names = ids if other == module_name else [f"{other}.{name}" for name in hooks.public_names(other)]
        page.write_text("".join(f'<h2 id="{identifier}">x</h2>' for identifier in names))
    return SimpleNamespace(site_dir=str(tmp_path))


def test_the_build_fails_when_a_public_name_did_not_render(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hooks, "API_MODULES", MODULES)
    monkeypatch.setattr(hooks, "_mathjax_folder", lambda: None)
    every_id = [f"tinygrad_edu.optim.{name}" for name in hooks.public_names("tinygrad_edu.optim")]
    hooks.on_post_build(_site_with(tmp_path, "tinygrad_edu.optim", every_id))  # all there: passes
    without_adam = [identifier for identifier in every_id if identifier != "tinygrad_edu.optim.Adam"]
    with pytest.raises(PluginError, match=r"lacks entries for: tinygrad_edu\.optim\.Adam$"):
        hooks.on_post_build(_site_with(tmp_path, "tinygrad_edu.optim", without_adam))


def test_the_home_pages_code_fits_the_page() -> None:
    """The README's code blocks are at most 88 characters wide, as the chapters': none scrolls."""
    in_code, too_long = False, []
    for line in (ROOT / "README.md").read_text().splitlines():
        if line.startswith("```"):
            in_code = not in_code
        elif in_code and len(line) > 88:
            too_long.append(line)
    assert not too_long


def test_the_home_page_is_the_readme_with_its_links_into_docs_made_relative() -> None:
    home = hooks._home_page()
    assert home.startswith((ROOT / "README.md").read_text().split("\n")[0])
    assert "](docs/" not in home
    assert "](images/graph_scalar.svg)" in home


def test_a_chapters_source_link_goes_to_the_sites_page_of_that_file_at_the_same_lines() -> None:
    config = SimpleNamespace(site_dir="/tmp/site", use_directory_urls=True)
    source = File("source/tinygrad_edu/autograd.py.md", None, config.site_dir, config.use_directory_urls)
    page = SimpleNamespace(file=SimpleNamespace(src_uri="learn/02-x.md"), url="learn/02-x/")
    html = (
        '<a href="../../tinygrad_edu/autograd.py#L383-L411">loop</a> <a href="../../tinygrad_edu/autograd.py">file</a>'
    )
    rewritten = hooks.on_page_content(html, page, config, Files([source]))
    assert rewritten == (
        '<a href="../../source/tinygrad_edu/autograd.py/#L383-L411">loop</a> '
        '<a href="../../source/tinygrad_edu/autograd.py/">file</a>'
    )
    with pytest.raises(PluginError, match=r"tinygrad_edu/nope\.py, which is not a source file"):
        hooks.on_page_content('<a href="../../tinygrad_edu/nope.py">x</a>', page, config, Files([source]))


def test_a_source_page_numbers_every_line_and_survives_backticks_in_the_code() -> None:
    code = (ROOT / "tinygrad_edu" / "autograd.py").read_text()
    assert '```python linenums="1"\n' + code + "```\n" in hooks._source_page("tinygrad_edu/autograd.py", code)
    with_fences = 'doc = """\n```python\nx\n```\n"""\n'
    assert '````python linenums="1"\n' + with_fences + "````\n" in hooks._source_page("x.py", with_fences)

"""The course in docs/learn/ runs: every code cell of every chapter, in a real Jupyter kernel.

Each chapter is a Markdown notebook (jupytext). It is executed top to bottom exactly as the docs
site executes it, in a fresh kernel and a temporary folder; a cell that raises fails the chapter.
Chapters assert the numbers they state, so a chapter whose text and code drift apart fails here.
The GPU chapter runs once more on the CuPy stand-in (``tests/fake_cupy.py``) in the fake-CuPy pass.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from unittest import mock

import pytest

jupytext = pytest.importorskip("jupytext")
nbclient = pytest.importorskip("nbclient")
nbformat = pytest.importorskip("nbformat")

ROOT = Path(__file__).resolve().parents[1]
LEARN = ROOT / "docs" / "learn"
sys.path.insert(0, str(ROOT / "docs"))
import source_links  # noqa: E402 - from docs/, beside the chapters

CHAPTERS = sorted(LEARN.glob("[0-9][0-9]-*.md"))
GPU_CHAPTER = next((path for path in CHAPTERS if "gpu" in path.stem), None)
CELLS_RUN: dict[str, int] = {}  # chapter -> code cells executed (reported by conftest's summary)

# In the kernel: put tests/ on the path and install the CuPy stand-in before the chapter's first cell.
_FAKE_CUPY_CELL = f"import sys\nsys.path.insert(0, {str(ROOT / 'tests')!r})\nimport fake_cupy\nfake_cupy.install()"


def run_chapter(path: Path, folder: Path, first_cells: tuple[str, ...] = ()) -> nbformat.NotebookNode:
    """Execute the chapter at ``path`` in a fresh kernel whose working folder is ``folder``."""
    notebook = jupytext.read(path)
    notebook.cells[:0] = [nbformat.v4.new_code_cell(source) for source in first_cells]
    python_path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    client = nbclient.NotebookClient(
        notebook, timeout=600, kernel_name="python3", allow_errors=False, resources={"metadata": {"path": str(folder)}}
    )
    with mock.patch.dict(os.environ, {"PYTHONPATH": python_path}):  # the kernel inherits them
        client.execute()
    return notebook


@pytest.mark.parametrize("path", CHAPTERS, ids=[path.stem for path in CHAPTERS])
def test_chapter_links_point_at_the_definitions_they_name(path: Path) -> None:
    assert not source_links.problems(path), "run: python docs/source_links.py --fix docs/learn/*.md"


PAGE_WIDTH = 88  # characters of code a chapter's page shows without scrolling (docs/learn/ruff.toml)


@pytest.mark.parametrize("path", CHAPTERS, ids=[path.stem for path in CHAPTERS])
def test_chapter_code_fits_the_page(path: Path) -> None:
    """Every code line fits the page, so no reader has to scroll sideways to see it."""
    too_long = [
        line for cell in code_cells(jupytext.read(path)) for line in cell.source.splitlines() if len(line) > PAGE_WIDTH
    ]
    assert not too_long, f"{path.name}: code lines over {PAGE_WIDTH} characters: run ruff format, split the rest"


def test_a_stale_source_link_is_found_and_fixed(tmp_path: Path) -> None:
    chapter = tmp_path / "01-x.md"
    first, last = source_links.definition_span("tinygrad_edu/autograd.py", "backpropagate")
    chapter.write_text(f"the loop: [`backpropagate`](../../tinygrad_edu/autograd.py#L{first + 1}-L{last})")
    assert source_links.problems(chapter) == [
        f"01-x.md: [`backpropagate`] points at lines ({first + 1}, {last}), the definition is ({first}, {last})"
    ]
    assert source_links.fix(chapter) == 1
    assert source_links.problems(chapter) == []
    assert f"#L{first}-L{last})" in chapter.read_text()


def code_cells(notebook: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def test_the_course_has_its_thirteen_chapters() -> None:
    assert len(CHAPTERS) >= 13, [path.name for path in CHAPTERS]
    numbers = [int(path.name[:2]) for path in CHAPTERS]
    assert numbers == list(range(1, len(CHAPTERS) + 1)), "chapters are numbered 01, 02, ... without gaps"


@pytest.mark.slow
@pytest.mark.parametrize("path", CHAPTERS, ids=[path.stem for path in CHAPTERS])
def test_chapter_runs(path: Path, tmp_path: Path) -> None:
    notebook = run_chapter(path, tmp_path)
    cells = code_cells(notebook)
    assert cells, f"{path.name} has no code cells"
    not_run = [index for index, cell in enumerate(cells) if cell.get("execution_count") is None]
    assert not not_run, f"{path.name}: code cells {not_run} did not run"
    CELLS_RUN[path.stem] = len(cells)


@pytest.mark.slow
@pytest.mark.skipif(GPU_CHAPTER is None, reason="no GPU chapter")
@pytest.mark.skipif(os.environ.get("TINYGRAD_EDU_FAKE_CUPY") != "1", reason="runs in the fake-CuPy pass")
def test_gpu_chapter_on_cuda(tmp_path: Path) -> None:
    """With the stand-in installed, ``tg.cuda.is_available()`` is True and the chapter takes its GPU path."""
    notebook = run_chapter(GPU_CHAPTER, tmp_path, first_cells=(_FAKE_CUPY_CELL,))
    printed = "".join(out.get("text", "") for cell in code_cells(notebook) for out in cell.get("outputs", []))
    assert "cuda" in printed, "the GPU chapter did not print the device it ran on"
    CELLS_RUN[GPU_CHAPTER.stem + " (cuda)"] = len(code_cells(notebook)) - 1


if __name__ == "__main__":  # run one chapter by hand: python tests/test_chapters.py docs/learn/01-....md
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        run_chapter(Path(sys.argv[1]).resolve(), Path(folder))

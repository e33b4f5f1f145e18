"""The layers of the knowledge side, lowest first; the order below is the specification.

    knowledge (the corpus) <- search (the runtime, reads the index) <- index_builder (writes the index with
    search's record, index-file and tokeniser modules) <- evaluation (the harness) <- everything else
    (actions, policybot, eligibility, bot, bench, ...)

A package may import itself and the layers below it, nothing above: no other first-party package at all
(the rest of the project sits on top). Every import counts, at module level or inside a function.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import List, Optional, Set

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ["knowledge", "search", "index_builder", "evaluation"]


def first_party() -> Set[str]:
    """Top-level names that are ours: every folder of the repository holding Python, and top-level modules."""
    names = {p.name for p in ROOT.iterdir() if p.is_dir() and not p.name.startswith(".") and any(p.glob("*.py"))}
    return names | {p.stem for p in ROOT.glob("*.py")}


def imported(source: str, module: str, is_package: bool = False) -> List[str]:
    """Absolute names of every module `source` (the text of `module`) imports, relative imports resolved."""
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = module.split(".")
                base = parts if is_package else parts[:-1]
                base = base[: len(base) - (node.level - 1)]
                if node.module:
                    out.append(".".join(base + [node.module]))
                else:  # from . import records
                    out += [".".join(base + [a.name]) for a in node.names]
            elif node.module:
                out.append(node.module)
    return out


def violations(package: str, source: str, module: str, ours: Set[str], is_package: bool = False) -> List[str]:
    """'module imports name (layer)' for every import of `source` that runs above `package`'s layer."""
    allowed = set(LAYERS[: LAYERS.index(package) + 1])
    found = []
    for name in imported(source, module, is_package):
        top = name.split(".")[0]
        if top in ours and top not in allowed:
            where: Optional[int] = LAYERS.index(top) if top in LAYERS else None
            layer = f"layer {where}" if where is not None else "above every layer"
            found.append(f"{module} imports {name} ({layer})")
    return found


def test_no_package_imports_one_above_it() -> None:
    ours = first_party()
    assert set(LAYERS) <= ours
    found = []
    for package in LAYERS:
        files = sorted((ROOT / package).rglob("*.py"))
        assert len(files) > 1, f"{package}/ holds no modules"
        for path in files:
            rel = path.relative_to(ROOT).with_suffix("")
            is_package = rel.name == "__init__"
            module = ".".join(rel.parts[:-1] if is_package else rel.parts)
            found += violations(package, path.read_text(encoding="utf-8"), module, ours, is_package)
    assert found == []


def test_the_check_sees_an_import_running_up_wherever_it_is() -> None:
    ours = first_party()
    source = ("from search.fusion import weighted\n"
              "import index_builder.builder\n"
              "from . import lexical\n"
              "def later():\n"
              "    from evaluation.retrieval import main\n"
              "    import actions.replies\n")
    assert sorted(violations("search", source, "search.hybrid", ours)) == [
        "search.hybrid imports actions.replies (above every layer)",
        "search.hybrid imports evaluation.retrieval (layer 3)",
        "search.hybrid imports index_builder.builder (layer 2)",
    ]
    assert violations("knowledge", "from search.types import Hit\nimport yaml\n", "knowledge.corpus", ours) == [
        "knowledge.corpus imports search.types (layer 1)"]
    assert violations("evaluation", source, "evaluation.answers", ours) == [
        "evaluation.answers imports actions.replies (above every layer)"]
    assert imported("from .. import records\nfrom .fusion import top_rows\n", "search.sub.mod") == [
        "search.records", "search.sub.fusion"]
    assert imported("from .fusion import top_rows\n", "search.hybrid") == ["search.fusion"]
    assert imported("from . import records\n", "search", is_package=True) == ["search.records"]

"""Load and validate the knowledge corpus: one YAML document per file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

import yaml
from pydantic import ValidationError

from knowledge.schema import Document

DEFAULT_CORPUS = Path(__file__).resolve().parent / "corpus"


@dataclass(frozen=True)
class CorpusError:
    file: str
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field}: {self.reason}"


class InvalidCorpus(ValueError):
    def __init__(self, errors: List[CorpusError]):
        self.errors = errors
        super().__init__("invalid corpus:\n" + "\n".join(str(e) for e in errors))


def corpus_files(root: Path) -> List[Path]:
    return sorted(p for p in Path(root).rglob("*.yaml") if p.is_file())


def _parse(path: Path, root: Path) -> Tuple[Document | None, List[CorpusError]]:
    name = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        return None, [CorpusError(name, "-", f"not valid YAML: {exc}")]
    if not isinstance(raw, dict):
        return None, [CorpusError(name, "-", "a document must be a YAML mapping")]
    try:
        doc = Document.parse_obj(raw)
    except ValidationError as exc:
        return None, [
            CorpusError(name, ".".join(str(p) for p in err["loc"]), err["msg"]) for err in exc.errors()
        ]
    if path.stem != doc.id:
        return None, [CorpusError(name, "id", f"id {doc.id} does not match the file name")]
    return doc, []


def check_corpus(root: Path = DEFAULT_CORPUS) -> Tuple[Dict[str, Document], List[CorpusError]]:
    """Parse every document; return the valid ones by id and every error found."""
    root = Path(root)
    docs: Dict[str, Document] = {}
    errors: List[CorpusError] = []
    for path in corpus_files(root):
        doc, errs = _parse(path, root)
        errors.extend(errs)
        if doc is None:
            continue
        if doc.id in docs:
            errors.append(CorpusError(path.name, "id", f"duplicate id {doc.id}"))
        docs[doc.id] = doc
    for doc in docs.values():
        for ref in (*doc.members, *doc.bundles):
            if ref not in docs:
                errors.append(CorpusError(f"{doc.id}.yaml", "members/bundles", f"unknown id {ref}"))
        successor = doc.superseded_by.doc_id if doc.superseded_by is not None else None
        if successor is not None and successor not in docs:
            errors.append(CorpusError(f"{doc.id}.yaml", "superseded_by.doc_id", f"unknown id {successor}"))
    for doc in docs.values():
        for member in doc.members:
            if member in docs and doc.id not in docs[member].bundles:
                errors.append(CorpusError(f"{member}.yaml", "bundles", f"is a member of {doc.id} but does not list it"))
        for bundle in doc.bundles:
            if bundle in docs and doc.id not in docs[bundle].members:
                errors.append(CorpusError(f"{doc.id}.yaml", "bundles", f"lists {bundle}, which does not have it as a member"))
    if not docs and not errors:
        errors.append(CorpusError(str(root), "-", "no documents found"))
    return docs, errors


def load_corpus(root: Path = DEFAULT_CORPUS) -> Dict[str, Document]:
    """The valid corpus, or :class:`InvalidCorpus` listing every error."""
    docs, errors = check_corpus(root)
    if errors:
        raise InvalidCorpus(errors)
    return docs


def iter_documents(root: Path = DEFAULT_CORPUS) -> Iterator[Document]:
    yield from load_corpus(root).values()

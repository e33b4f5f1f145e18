"""Load and validate the knowledge corpus: one YAML document per file, its rules in a file of their own.

A document's text is ``corpus/<folder>/<ID>.yaml``; its machine rules (``conditions``, ``conditions_complete``)
are ``rules/<folder>/<ID>.yaml`` in the folder beside the corpus folder (:func:`rules_dir`). Both are read into
one :class:`~knowledge.schema.Document`; a document without a rule file has no conditions (a corpus without
a rules folder is an error).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Set, Tuple

import yaml
from pydantic import ValidationError

from knowledge.schema import Document, Rules

DEFAULT_CORPUS = Path(__file__).resolve().parent / "corpus"
RULE_KEYS = ("conditions_complete", "conditions")  # what a rule file holds besides its id, and a corpus file not


def rules_dir(corpus_dir: Path) -> Path:
    """Where the rules of the corpus in ``corpus_dir`` live: the folder ``rules`` beside it
    (knowledge/corpus -> knowledge/rules; a test's tmp/corpus -> tmp/rules)."""
    return Path(corpus_dir).parent / "rules"


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


def _name(path: Path, root: Path) -> str:
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)


def _rule_name(path: Path, corpus_dir: Path) -> str:
    """A rule file as errors name it: rules/enterprise/ENT-001.yaml (a corpus file is enterprise/ENT-001.yaml)."""
    return _name(path, rules_dir(corpus_dir).parent)


def _read_mapping(path: Path, name: str, what: str) -> Tuple[Optional[Dict[str, Any]], List[CorpusError]]:
    """The YAML mapping in ``path``, or the error saying why not (``what``: a document, a rule file)."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        return None, [CorpusError(name, "-", f"not valid YAML: {exc}")]
    if not isinstance(raw, dict):
        return None, [CorpusError(name, "-", f"{what} must be a YAML mapping")]
    return raw, []


def _field_errors(name: str, exc: ValidationError) -> List[CorpusError]:
    return [CorpusError(name, ".".join(str(p) for p in err["loc"]), err["msg"]) for err in exc.errors()]


def _read_rules(path: Path, corpus_dir: Path) -> Tuple[Optional[Dict[str, Any]], List[CorpusError]]:
    """The rule file's conditions_complete and conditions as written (validated), or its errors."""
    name = _rule_name(path, corpus_dir)
    raw, errors = _read_mapping(path, name, "a rule file")
    if raw is None:
        return None, errors
    try:
        rules = Rules.parse_obj(raw)
    except ValidationError as exc:
        return None, _field_errors(name, exc)
    if rules.id != path.stem:
        return None, [CorpusError(name, "id", f"id {rules.id} does not match the file name")]
    return {key: raw[key] for key in RULE_KEYS}, []


def _parse(path: Path, root: Path) -> Tuple[Document | None, List[CorpusError]]:
    """The document whose text is ``path`` (under ``root``), with the rules of its rule file if it has one."""
    name = _name(path, root)
    raw, errors = _read_mapping(path, name, "a document")
    if raw is None:
        return None, errors
    rules_path = rules_dir(root) / path.relative_to(root)
    misplaced = [key for key in RULE_KEYS if key in raw]
    if misplaced:
        where = _rule_name(rules_path, root)
        return None, [CorpusError(name, key, f"rules belong in {where}, not in the corpus file") for key in misplaced]
    rules, rule_errors = _read_rules(rules_path, root) if rules_path.is_file() else ({}, [])
    doc: Optional[Document] = None
    try:
        doc = Document.parse_obj({**raw, **(rules or {})})  # the text is checked even when its rules are not valid
        mismatch = path.stem != doc.id
        text_errors = [CorpusError(name, "id", f"id {doc.id} does not match the file name")] if mismatch else []
    except ValidationError as exc:
        text_errors = _field_errors(name, exc)
    errors = text_errors + rule_errors
    return (None if errors else doc), errors


def _rules_folder_errors(root: Path, texts: Set[Path]) -> List[CorpusError]:
    """A missing rules folder (every document would lose its conditions), and each rule file whose document's
    text is missing: a rule file sits at the path of its document, under rules/ instead of corpus/."""
    rules = rules_dir(root)
    if texts and not rules.is_dir():
        return [CorpusError(_rule_name(rules, root), "-", "no rules folder beside the corpus folder: "
                                                          "no document would have its conditions")]
    return [CorpusError(_rule_name(path, root), "-", f"no corpus document {root.name}/{path.relative_to(rules)} "
                                                      "for this rule file")
            for path in corpus_files(rules) if path.relative_to(rules) not in texts]


def check_corpus(root: Path = DEFAULT_CORPUS) -> Tuple[Dict[str, Document], List[CorpusError]]:
    """Parse every document with its rules; return the valid ones by id and every error found."""
    root = Path(root)
    docs: Dict[str, Document] = {}
    errors: List[CorpusError] = []
    texts = corpus_files(root)
    for path in texts:
        doc, errs = _parse(path, root)
        errors.extend(errs)
        if doc is None:
            continue
        if doc.id in docs:
            errors.append(CorpusError(path.name, "id", f"duplicate id {doc.id}"))
        docs[doc.id] = doc
    errors.extend(_rules_folder_errors(root, {path.relative_to(root) for path in texts}))
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

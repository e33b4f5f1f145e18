"""`policybot eval nlu --data FILE.jsonl|DIR|FILE.yml [--model M] [--json]`

Scores the trained Rasa model on held-out examples: a jsonl of {text, intent} or Rasa NLU YAML (with
entity annotations, then entity F1 too). Split intents are mapped through nlu_data/intent_groups.yml.
Writes a confusion matrix image next to the report; the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Set, Tuple

import yaml

from policybot import metrics, paths

Example = Tuple[str, str, Set[metrics.Span]]


def intent_groups() -> Dict[str, str]:
    return yaml.safe_load((paths.NLU_DATA / "intent_groups.yml").read_text(encoding="utf-8"))


def group(intent: str, groups: Dict[str, str]) -> str:
    base = intent.split("/")[0]
    return groups.get(intent, groups.get(base, base))


def load_examples(path: Path) -> List[Example]:
    if path.suffix == ".jsonl":
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        return [(r["text"], r["intent"], set()) for r in rows]
    from rasa.shared.nlu.training_data.loading import load_data

    files = sorted(path.glob("*.yml")) if path.is_dir() else [path]
    out: List[Example] = []
    for file in files:
        for msg in load_data(str(file)).intent_examples:
            spans = {(e["entity"], e["start"], e["end"]) for e in msg.get("entities") or []}
            out.append((msg.get("text"), msg.get("intent"), spans))
    return out


def latest_model() -> Path:
    models = sorted(paths.RASA_MODELS.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        raise SystemExit("no trained model in var/models/rasa: run `make train` first")
    return models[-1]


# Components that can be switched off at inference for an ablation (their output is not an input of any
# trained component): name -> "module:Class".
ABLATABLE = {
    "linear_intent": "bot.components.linear_intent:LinearIntentClassifier",
    "quantities": "bot.components.quantity_extractor:QuantityExtractor",
    "dedup": "bot.components.entity_dedup:EntityDeduplicator",
    "repair": "bot.components.entity_repair:EntityRepair",
    "regex_entities": "rasa.nlu.extractors.regex_entity_extractor:RegexEntityExtractor",
    "synonyms": "rasa.nlu.extractors.entity_synonyms:EntitySynonymMapper",
    "fallback": "rasa.nlu.classifiers.fallback_classifier:FallbackClassifier",
}


def disable(names: List[str]) -> None:
    """Make the named components pass messages through unchanged (for ablation figures)."""
    import importlib

    for name in names:
        module, cls = ABLATABLE[name].split(":")
        component = getattr(importlib.import_module(module), cls)
        component.process = lambda self, messages, *a, **k: messages  # type: ignore[method-assign]


async def _parse_all(model: Path, texts: List[str]) -> Tuple[List[dict], List[float]]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    results, times = [], []
    for text in texts:
        start = time.perf_counter()
        results.append(await agent.parse_message(text))
        times.append(time.perf_counter() - start)
    return results, times


def evaluate(model: Path, examples: List[Example], image: Optional[Path] = None,
             entity_types: Optional[Set[str]] = None) -> Dict[str, Any]:
    """``entity_types``: score only these entity types (a set annotated for some types only)."""
    groups = intent_groups()
    parsed, times = asyncio.run(_parse_all(model, [t for t, _, _ in examples]))
    gold = [group(i, groups) for _, i, _ in examples]
    pred = [group((p.get("intent") or {}).get("name") or "nlu_fallback", groups) for p in parsed]
    report = metrics.classification_report(gold, pred)
    gold_spans = [{s for s in spans if entity_types is None or s[0] in entity_types} for _, _, spans in examples]
    if any(gold_spans):
        pred_spans = [{(e["entity"], e["start"], e["end"]) for e in p.get("entities") or []
                       if entity_types is None or e["entity"] in entity_types} for p in parsed]
        report["entities"] = metrics.entity_f1(gold_spans, pred_spans)
        report["entities"]["annotated_examples"] = sum(1 for spans in gold_spans if spans)
    numeric = [e for p in parsed for e in p.get("entities") or [] if e["entity"] in ("revenue", "rd_spend", "employees")]
    report["numeric_entities"] = len(numeric)
    report["numeric_entities_comparable"] = (sum(isinstance(e.get("value"), (int, float)) for e in numeric) / len(numeric)
                                             if numeric else 0.0)
    times.sort()
    report["parse_ms_p50"] = 1000 * times[len(times) // 2] if times else 0.0
    if image is not None:
        labels, matrix = metrics.confusion(gold, pred)
        metrics.plot_confusion(labels, matrix, str(image))
        report["confusion_image"] = str(image)
    report["fallbacks"] = pred.count("nlu_fallback")  # unsure: the bot asks "您是想…" (counted as errors)
    report["errors"] = [{"text": t, "gold": g, "pred": p} for (t, _, _), g, p in zip(examples, gold, pred) if g != p][:50]
    return report


def print_report(report: Dict[str, Any]) -> None:
    print(f"examples {report['n']}  accuracy {report['accuracy']:.4f}  macro-F1 {report['macro_f1']:.4f}")
    for label, v in sorted(report["per_label"].items()):
        print(f"  {label:<20} P {v['precision']:.3f}  R {v['recall']:.3f}  F1 {v['f1']:.3f}  n {v['support']}")
    if "entities" in report:
        e = report["entities"]
        print(f"entities: P {e['precision']:.4f}  R {e['recall']:.4f}  F1 {e['f1']:.4f}  (gold {e['gold']})")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="policybot eval nlu")
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=paths.VAR / "eval")
    parser.add_argument("--json", action="store_true", help="end with one JSON line of all figures")
    parser.add_argument("--disable", action="append", default=[], choices=sorted(ABLATABLE),
                        help="switch a component off at inference (ablation); may be repeated")
    parser.add_argument("--traditional", action="store_true",
                        help="score every example written in traditional characters (OpenCC s2t) instead")
    parser.add_argument("--entity-types", default="",
                        help="comma-separated: score only these entity types (eval/nlu_real/entities.yml: company,district)")
    args = parser.parse_args(argv)
    disable(args.disable)
    examples = load_examples(args.data)
    if args.traditional:
        from evaluation.data import traditional

        examples = [(traditional(text), intent, spans) for text, intent, spans in examples]
    if not examples:
        print(f"no examples in {args.data}")
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    types = {t.strip() for t in args.entity_types.split(",") if t.strip()} or None
    report = evaluate(args.model or latest_model(), examples, image=args.out / "nlu_confusion.png", entity_types=types)
    print_report(report)
    (args.out / "nlu_report.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    if args.json:
        summary = {k: v for k, v in report.items() if k not in ("per_label", "errors")}
        summary["disabled"] = args.disable
        summary["traditional"] = args.traditional
        summary["entity_types"] = sorted(types) if types else "all"
        summary["per_intent_f1"] = {k: round(v["f1"], 4) for k, v in report["per_label"].items()}
        print(json.dumps(summary, ensure_ascii=False))
    return 0

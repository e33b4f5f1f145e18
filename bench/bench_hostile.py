"""Hostile input (issue 13): the search's cost by query length, before and after, and other users' latency
while a 20,000-character message is being answered.

1. The search (``KnowledgeBase.ask``, in-process, the built index in var/index) for a question pasted
   without punctuation (the worst case: one long word for the embedder's WordPiece), 200 / 2,000 / 4,000 /
   8,000 / 20,000 characters:
   - *before*: the old code path (the tokenizer's own WordPiece on the whole word, no length cap), each
     length in a child process killed after ``--before-limit`` seconds (default 60: 20,000 characters took
     more than 7 minutes in the issue);
   - *after*: the shipped code (linear matching of long words, the question read up to 1,000 characters),
     and the linear matcher alone without the cap (``uncapped``), to show the cost is now linear.
2. Concurrency over HTTP, in-process servers on loopback with the real actions: one user sends a long
   message to ``action_answer_policy`` while another asks ten ordinary questions; their latency is reported
   against the same questions on an idle server. *before*: rasa_sdk's own server (actions on its event loop)
   with the old search path and a 4,000-character message (20,000 would take minutes); *after*:
   ``actions.server`` (actions in worker threads) with the 20,000-character message.
3. ``--nlu``: Rasa's NLU on the same texts (loads the trained model in var/models/rasa: about 30 s).

Prints the figures and a final JSON line.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

LENGTHS = (200, 2000, 4000, 8000, 20000)
UNIT = "高新技术企业认定有什么奖励"  # repeated without punctuation: one word for the embedder's tokenizer
QUESTIONS = ["高新技术企业认定有什么奖励？", "居住证第一次怎么申请", "公积金租房提取需要什么条件", "生育津贴怎么领",
             "专精特新梯度培育资助的条件是什么", "创业担保贷款能贷多少", "灵活就业怎么交社保", "高龄老人津贴有多少钱",
             "总部企业认定的条件是什么", "一次性扩岗补助怎么申请"]
ROOT = Path(__file__).resolve().parent.parent


def text_of(length: int) -> str:
    return (UNIT * (length // len(UNIT) + 1))[:length]


def old_code_path() -> None:
    """The search as it was before issue 13: the tokenizer's WordPiece on every word, no length cap."""
    import search.base
    from search.embedder import StaticEncoder

    StaticEncoder._has_long_word = lambda self, text: False  # type: ignore[method-assign]
    search.base.MAX_QUESTION_CHARS = 10**9


def uncapped_path() -> None:
    import search.base

    search.base.MAX_QUESTION_CHARS = 10**9


def _time_one(index: str, length: int, mode: str, out: Any) -> None:
    from search.base import load_knowledge_base

    if mode == "before":
        old_code_path()
    elif mode == "uncapped":
        uncapped_path()
    kb = load_knowledge_base(Path(index))
    kb.ask("高新技术企业认定有什么奖励？")  # warm
    start = time.perf_counter()
    kb.ask(text_of(length))
    out.put(time.perf_counter() - start)


def search_time(index: str, length: int, mode: str, limit: float) -> Optional[float]:
    """Seconds for one search in a fresh process; None when it ran past `limit` (then killed)."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    child = ctx.Process(target=_time_one, args=(index, length, mode, queue))
    child.start()
    child.join(limit + 30)  # + loading the index
    if child.is_alive():
        child.kill()
        child.join()
        return None
    return float(queue.get()) if not queue.empty() else None


# ---- concurrency --------------------------------------------------------------------------------------

def action_call(text: str, sender: str) -> Dict[str, Any]:
    return {"next_action": "action_answer_policy", "sender_id": sender, "version": "3.6.21", "domain": {},
            "tracker": {"sender_id": sender, "slots": {}, "latest_message": {"text": text, "entities": [],
                                                                             "intent": {"name": "ask_policy"}},
                        "events": [{"event": "user", "text": text}], "paused": False, "followup_action": None,
                        "active_loop": {}, "latest_action_name": "action_listen"}}


def latencies(url: str, n: int = 10, timeout: float = 120) -> List[float]:
    import httpx

    out = []
    for i in range(n):
        start = time.perf_counter()
        r = httpx.post(f"{url}/webhook", json=action_call(QUESTIONS[i % len(QUESTIONS)], "bench-other"), timeout=timeout)
        r.raise_for_status()
        out.append(time.perf_counter() - start)
    return out


def concurrency(url: str, long_length: int) -> Dict[str, Any]:
    import httpx

    idle = latencies(url)
    done: Dict[str, float] = {}

    def long_user() -> None:
        start = time.perf_counter()
        httpx.post(f"{url}/webhook", json=action_call(text_of(long_length), "bench-long"), timeout=900)
        done["long_s"] = time.perf_counter() - start

    thread = threading.Thread(target=long_user)
    thread.start()
    time.sleep(0.2)  # the long message is being processed
    busy = latencies(url, timeout=900)
    thread.join()
    return {"long_message_chars": long_length, "long_message_s": round(done.get("long_s", -1), 3),
            "idle_p50_ms": round(statistics.median(idle) * 1000, 1), "idle_max_ms": round(max(idle) * 1000, 1),
            "during_p50_ms": round(statistics.median(busy) * 1000, 1), "during_max_ms": round(max(busy) * 1000, 1)}


def serve(app: Any) -> Iterator[str]:
    from tests.ports import free_port, serving

    port = free_port()
    with serving(app, port, "the action server"):
        yield f"http://127.0.0.1:{port}"


def with_server(make: Callable[[], Any], run: Callable[[str], Dict[str, Any]]) -> Dict[str, Any]:
    gen = serve(make())
    url = next(gen)
    try:
        return run(url)
    finally:
        gen.close()


def concurrency_figures(index: Path, before: bool) -> Dict[str, Any]:
    import os

    from sanic import Sanic

    Sanic.test_mode = True  # two apps in one process
    os.environ["POLICYBOT_INDEX_DIR"] = str(index)
    os.environ["POLICYBOT_ELIGIBILITY_URL"] = "http://127.0.0.1:9"  # the question log fails fast (logged)
    import logging

    logging.getLogger("actions.eligibility").setLevel(logging.ERROR)
    from actions import server
    from actions.clients.knowledge import knowledge_base

    knowledge_base()
    out: Dict[str, Any] = {"after": with_server(lambda: server.build(None), lambda url: concurrency(url, 20000))}
    if before:
        from rasa_sdk.endpoint import create_app

        old_code_path()
        out["before"] = with_server(lambda: create_app("actions", cors_origins=None), lambda url: concurrency(url, 4000))
    return out


def nlu_figures() -> Dict[str, float]:
    import asyncio
    import glob
    import os

    from rasa.core.agent import Agent

    model = sorted(glob.glob(str(ROOT / "var" / "models" / "rasa" / "*.tar.gz")), key=os.path.getmtime)[-1]
    agent = Agent.load(model)

    async def run() -> Dict[str, float]:
        await agent.parse_message("你好")
        figures = {}
        for length in LENGTHS:
            start = time.perf_counter()
            await agent.parse_message(text_of(length))
            figures[str(length)] = round(time.perf_counter() - start, 3)
        return figures

    return asyncio.run(run())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", default=str(ROOT / "var" / "index"))
    parser.add_argument("--before-limit", type=float, default=60.0, help="seconds before an old-path search is killed")
    parser.add_argument("--no-before", action="store_true", help="skip the old code path (minutes)")
    parser.add_argument("--nlu", action="store_true", help="also time Rasa's NLU (loads the model)")
    args = parser.parse_args()
    result: Dict[str, Any] = {"bench": "hostile", "text": f"'{UNIT}' repeated without punctuation"}
    search: Dict[str, Dict[str, Optional[float]]] = {}
    modes = ("after", "uncapped") if args.no_before else ("before", "after", "uncapped")
    for mode in modes:
        search[mode] = {}
        for length in LENGTHS:
            if mode == "before" and length > 8000 and search["before"].get("8000") is None:
                search[mode][str(length)] = None  # the shorter one already ran past the limit
                continue
            seconds = search_time(args.index, length, mode, args.before_limit if mode == "before" else 120)
            search[mode][str(length)] = round(seconds, 4) if seconds is not None else None
            shown = f"{seconds:.3f} s" if seconds is not None else f"> {args.before_limit:.0f} s (killed)"
            print(f"search {mode:8s} {length:6d} chars: {shown}", flush=True)
    result["search_s"] = search
    result["before_limit_s"] = args.before_limit
    conc = concurrency_figures(Path(args.index), before=not args.no_before)
    for name, fig in conc.items():
        print(f"concurrency {name}: {json.dumps(fig)}", flush=True)
    result["concurrency"] = conc
    if args.nlu:
        result["rasa_nlu_s"] = nlu_figures()
        print(f"rasa nlu: {json.dumps(result['rasa_nlu_s'])}", flush=True)
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The load client: N users, each one conversation at a time over Rasa's REST channel (asyncio + httpx).

Each user picks a journey (journeys.yml, by weight, seeded), sends its turns one after another, pauses
between turns when the run has pauses (uniform in [min, max] seconds, after each answer, also between
conversations), and starts a new conversation (a new sender id) when the journey ends or fails. Users
start spread over the first ``ramp_s`` seconds. No new turn starts after the deadline; turns in flight
finish and count.

One-time codes: the bot queues the code in the service's outbox; the client reads the latest code for the
subject with a staff token (``GET /outbox?purpose=otp&subject_id=…``), untimed, as the phone would receive
it. Several users bind the same demo subjects, so the request of a code and the reading of it are done
under one lock per subject (otherwise a user could read another conversation's code); the wait for that
lock is not part of any turn's time.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

import httpx

from bench.load.journeys import Journey, Step, failure, fill, pick, shows_matches, texts
from bench.load.stats import Turn
from privacy.masking import mask_text

CODE = re.compile(r"验证码为(\d{6})")


@dataclass
class Settings:
    webhook: str  # POST {"sender", "message"}
    service: str  # the eligibility service (staff login, outbox)
    users: int
    duration_s: float
    pause: Optional[Tuple[float, float]]  # None: no pause (saturation)
    timeout_s: float = 30.0
    seed: int = 2026
    ramp_s: float = 3.0
    prefix: str = "load"
    staff_user: str = "operator"
    staff_password: str = "Staff@2026"


class Load:
    def __init__(self, settings: Settings, journeys: Sequence[Journey]) -> None:
        self.s = settings
        self.journeys = list(journeys)
        self.turns: List[Turn] = []
        self.conversations = 0
        self.finished = 0  # conversations that reached their last step without an error
        self.lock_wait_s = 0.0
        self._locks: Dict[str, asyncio.Lock] = {}
        self._staff: Optional[str] = None
        self._staff_lock = asyncio.Lock()
        self.t0 = 0.0
        self.deadline = 0.0
        self.on_turn: Optional[Callable[[Turn], None]] = None

    # ---- the service: staff token and one-time codes ------------------------------------------------

    async def _staff_token(self, client: httpx.AsyncClient, fresh: bool = False) -> str:
        async with self._staff_lock:
            if self._staff is None or fresh:
                resp = await client.post(f"{self.s.service}/auth/staff/login", timeout=60,
                                         json={"username": self.s.staff_user, "password": self.s.staff_password})
                resp.raise_for_status()
                self._staff = str(resp.json()["access_token"])
            return self._staff

    async def read_code(self, client: httpx.AsyncClient, subject: str) -> Optional[str]:
        for attempt in range(2):
            token = await self._staff_token(client, fresh=attempt > 0)
            resp = await client.get(f"{self.s.service}/outbox", params={"purpose": "otp", "subject_id": subject,
                                                                         "limit": 1},
                                    headers={"Authorization": f"Bearer {token}"}, timeout=self.s.timeout_s)
            if resp.status_code == 401:
                continue
            resp.raise_for_status()
            messages = resp.json().get("messages") or []
            found = CODE.search(messages[0]["body"]) if messages else None
            return found.group(1) if found else None
        return None

    # ---- one turn --------------------------------------------------------------------------------------

    def _now(self) -> float:
        return time.monotonic() - self.t0

    async def send(self, client: httpx.AsyncClient, sender: str, message: str, step: Step, journey: str,
                   expect: str) -> Tuple[Turn, List[Dict[str, Any]]]:
        started = self._now()
        begin = time.perf_counter()
        replies: List[Dict[str, Any]] = []
        error: Optional[str] = None
        detail = ""
        try:
            resp = await asyncio.wait_for(client.post(self.s.webhook, json={"sender": sender, "message": message}),
                                          self.s.timeout_s)
            if resp.status_code != 200:
                error, detail = "http", f"{resp.status_code} {resp.text[:120]}"
            else:
                try:
                    body = resp.json()
                except json.JSONDecodeError:
                    body = None
                replies = body if isinstance(body, list) else []
                error = failure(body, expect)
                if error:
                    detail = f"{message} -> {texts(replies)[:140] or json.dumps(body, ensure_ascii=False)[:140]}"
        except asyncio.TimeoutError:
            error, detail = "timeout", f"{message}: no answer in {self.s.timeout_s:.0f} s"
        except httpx.HTTPError as exc:
            error, detail = "connection", f"{message}: {type(exc).__name__} {exc}"[:160]
        ms = (time.perf_counter() - begin) * 1000
        turn = Turn(step.type, journey, started, ms, error, mask_text(detail), sender)
        return turn, replies

    def _record(self, turn: Turn) -> None:
        self.turns.append(turn)
        if self.on_turn:
            self.on_turn(turn)

    # ---- a user ---------------------------------------------------------------------------------------

    async def _pause(self, rng: random.Random) -> None:
        if self.s.pause:
            wait = rng.uniform(*self.s.pause)
            await asyncio.sleep(max(0.0, min(wait, self.deadline - time.monotonic())))

    async def conversation(self, client: httpx.AsyncClient, user: int, rng: random.Random,
                           journey: Journey, variant: Mapping[str, str], first: bool,
                           choice: Optional[int] = None) -> bool:
        """One journey; False when it stopped (an error, or the deadline). Pauses before every turn but the
        user's very first. ``choice``: take each step's message number ``choice`` (cycling) instead of a
        random one."""
        self.conversations += 1
        sender = f"{self.s.prefix}-u{user:03d}-c{self.conversations:05d}"
        messages = [step.messages[choice % len(step.messages)] if choice is not None else rng.choice(step.messages)
                    for step in journey.steps]
        replies: List[Dict[str, Any]] = []
        code: Optional[str] = None
        subject = variant.get("subject")
        for step, template in zip(journey.steps, messages):
            for k in range(step.max):
                if step.until == "matches" and shows_matches(replies):
                    break
                if not first:
                    await self._pause(rng)
                first = False
                if time.monotonic() >= self.deadline:
                    return False
                message = fill(template, variant, replies, code, rng)
                if message is None:
                    self._record(Turn(step.type, journey.name, self._now(), None, "no_button",
                                      mask_text(f"{template}: not offered after {texts(replies)[:120]}"), sender))
                    return False
                expect = "matches" if step.until == "matches" and k == step.max - 1 else step.expect
                if step.type == "bind_id" and subject:
                    lock = self._locks.setdefault(subject, asyncio.Lock())
                    waited = time.perf_counter()
                    async with lock:
                        self.lock_wait_s += time.perf_counter() - waited
                        turn, replies = await self.send(client, sender, message, step, journey.name, expect)
                        if not turn.error:
                            code = await self.read_code(client, subject)
                else:
                    turn, replies = await self.send(client, sender, message, step, journey.name, expect)
                self._record(turn)
                if turn.error:
                    return False
        self.finished += 1
        return True

    async def user(self, client: httpx.AsyncClient, user: int) -> None:
        rng = random.Random(f"{self.s.seed}-{user}")
        await asyncio.sleep(rng.uniform(0, self.s.ramp_s) if self.s.ramp_s > 0 else 0)
        first = True
        while time.monotonic() < self.deadline:
            journey, variant = pick(self.journeys, rng)
            await self.conversation(client, user, rng, journey, variant, first)
            first = False

    async def run(self) -> float:
        """Run every user until the deadline; return the measured window in seconds (start to last answer)."""
        limits = httpx.Limits(max_connections=self.s.users + 8, max_keepalive_connections=self.s.users + 8)
        async with httpx.AsyncClient(limits=limits, timeout=httpx.Timeout(self.s.timeout_s + 5)) as client:
            await self._staff_token(client)
            self.t0 = time.monotonic()
            self.deadline = self.t0 + self.s.duration_s
            await asyncio.gather(*(self.user(client, u) for u in range(self.s.users)))
        return time.monotonic() - self.t0


async def warm_up(settings: Settings, journeys: Sequence[Journey]) -> List[Turn]:
    """Every journey, every variant and every message of its steps at least once, one user, no pauses, not
    measured: loads what each path loads lazily, and shows at once when a journey no longer works."""
    load = Load(Settings(**{**settings.__dict__, "users": 1, "pause": None, "ramp_s": 0.0,
                            "prefix": f"{settings.prefix}-warm", "duration_s": 3600.0}), journeys)
    limits = httpx.Limits(max_connections=4)
    async with httpx.AsyncClient(limits=limits, timeout=httpx.Timeout(settings.timeout_s + 5)) as client:
        await load._staff_token(client)
        load.t0 = time.monotonic()
        load.deadline = load.t0 + 3600
        rng = random.Random(settings.seed)
        for journey in journeys:
            rounds = max(len(journey.variants), *(len(step.messages) for step in journey.steps))
            for i in range(rounds):
                await load.conversation(client, 0, rng, journey, journey.variants[i % len(journey.variants)], True, i)
    return load.turns

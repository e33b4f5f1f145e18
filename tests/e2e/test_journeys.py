"""Every user journey, end to end through the REST channel against the running action server and
eligibility service (demo data account: eligibility/README.md lists the personas)."""

import json
import urllib.error
import urllib.request
import uuid
from collections import Counter

import pytest

from eligibility.auth.tokens import service_token
from tests.e2e.conftest import Chat, api, cited, sms_code, staff_token, text_of

pytestmark = pytest.mark.e2e

HUAXIN = "91440309MA5H2KQ3XC"    # 龙华区国家高新技术企业: meets a 秒批 policy on verified data
PENGCHENG = "91440307MA5G8TLW2D"  # 龙岗区专精特新: a 免申即享 grant after `grants run`
CHEN = "440309194803150023"      # 陈桂兰: a person whose data account has a mobile (one-time code)


def customs(replies: list) -> list:
    return [r["custom"] for r in replies if r.get("custom")]


def test_question_then_follow_up_keeps_the_document(chat: Chat) -> None:
    first = chat("高新技术企业认定有什么奖励？")
    assert "ENT-056" in cited(first)
    follow = chat("那需要什么材料？")
    assert cited(follow) == ["ENT-056"], follow
    assert "材料" in text_of(follow) or "i龙岗" in text_of(follow)


def test_question_in_traditional_characters_gets_the_same_answer(chat: Chat) -> None:
    """A Hong Kong or Taiwan resident types 繁體字: same intent, same cited document, a simplified reply."""
    first = chat("高新技術企業認定有什麼獎勵？")
    assert "ENT-056" in cited(first), first
    assert "10万元" in text_of(first)
    follow = chat("那需要準備什麼材料？")
    assert cited(follow) == ["ENT-056"], follow


def test_enterprise_matched_applied_and_approved_in_six_turns(chat: Chat, stack) -> None:  # type: ignore[no-untyped-def]
    turns = 0

    def say(message: str) -> list:
        nonlocal turns
        turns += 1
        return chat(message)

    say("我们公司能申请哪些补贴？")
    sent = say(f"统一社会信用代码 {HUAXIN}")
    assert "验证码" in text_of(sent) and "华芯" not in text_of(sent), sent  # nothing said before binding
    matches = say(sms_code(stack, HUAXIN))
    shown = [c for c in customs(matches) if c.get("type") == "matches"]
    assert shown and shown[0]["eligible"], matches
    instant = [pid for pid, handling in shown[0]["handling"].items() if handling == "秒批"]
    assert "可秒批" in text_of(matches)
    apply_button = next(b for r in matches for b in r.get("buttons") or []
                        if b["payload"].startswith("/apply") and instant[0] in b["payload"])
    prepared = say(apply_button["payload"])
    assert "一键申报" in json.dumps(prepared, ensure_ascii=False)
    assert "已从数据账户自动填写" in text_of(prepared)
    result = say("/affirm")
    app = next(c for c in customs(result) if c.get("type") == "application")
    assert app["status"] == "approved", result
    assert "秒批" in text_of(result) and "请留意短信通知" in text_of(result)
    sms = api(stack, "GET", f"/outbox?purpose=application&subject_id={HUAXIN}", staff_token(stack, "operator"))
    assert any(app["id"] in m["body"] for m in sms["messages"]), sms  # the promised SMS is really queued
    assert turns <= 6


def test_applying_twice_for_the_same_policy_makes_one_application(chat: Chat, stack) -> None:  # type: ignore[no-untyped-def]
    """Whether this conversation or an earlier one applied first, there is one application, and the
    second confirmation names it."""
    chat("我们公司能申请哪些补贴？")
    chat(f"统一社会信用代码 {HUAXIN}")
    matches = chat(sms_code(stack, HUAXIN))
    apply_payload = next(b["payload"] for r in matches for b in r.get("buttons") or [] if b["payload"].startswith("/apply"))
    ids = []
    for _ in range(2):
        chat(apply_payload)
        ids += [c["id"] for c in customs(chat("/affirm")) if c.get("type") == "application"]
    assert len(ids) == 2 and ids[0] == ids[1]


def test_mian_shen_ji_xiang_notice(chat: Chat, stack) -> None:  # type: ignore[no-untyped-def]
    """Once bound, the pending question is answered with the subject's own grants: each named with its
    amount, as the data account holds them (not the "nothing found" reply, which also says 无需申请)."""
    sent = chat(f"我们公司有没有免申即享的补贴？信用代码 {PENGCHENG}")
    assert "验证码" in text_of(sent) and "无需申请" not in text_of(sent), sent
    replies = chat(sms_code(stack, PENGCHENG))  # the question resumes once the conversation is bound
    notes = api(stack, "GET", f"/profiles/{PENGCHENG}/notifications", staff_token(stack, "operator"))["notifications"]
    grants = [n["grant"] for n in notes if n.get("grant")]
    assert grants, notes  # the demo data account gives 鹏程 免申即享 grants (`grants run` at start)
    text = text_of(replies)
    assert f"您已符合以下 {len(grants)} 项免申即享政策" in text, text
    for grant in grants[:5]:
        assert grant["policy_title"] in text, (grant, text)
        assert f"{grant['status_label']}，最高 {grant['amount_wan']:g} 万元" in text, (grant, text)
    shown = next(c for c in customs(replies) if c.get("type") == "grants")
    assert [n["grant"]["id"] for n in shown["items"]] == [g["id"] for g in grants[:5]]


def calendar_lines(answer: dict, *keys: str) -> list:
    """The windows of a GET /calendar answer as the assistant lists them: title, then its own dates."""
    seen, lines = set(), []
    for key in keys:
        for item in answer[key]:
            if item["policy_id"] in seen:
                continue
            seen.add(item["policy_id"])
            window = item["window"]
            dates = f"{window['start']} 至 {window['end']}" if window.get("start") and window.get("end") \
                else window.get("text") or "常年受理"
            lines.append(f"· {item['title']}：{dates}")
    return lines[:8]


def test_calendar(chat: Chat, stack) -> None:  # type: ignore[no-untyped-def]
    """"What is open now" and "what opens in <month>" list the service's windows, each with its own dates."""
    text = text_of(chat("现在有哪些政策正在受理申报？"))
    open_now = api(stack, "GET", "/calendar?open_now=true")
    assert open_now["open"], "the corpus has windows open today"  # else the reply is the "nothing open" one
    assert text.startswith("目前正在受理的申报："), text
    for line in calendar_lines(open_now, "open"):
        assert line in text, (line, text)
    # a month named in the question: the month a window open now started in
    start = next(i["window"]["start"] for i in open_now["open"] if i["window"].get("start"))
    year, month = int(start[:4]), int(start[5:7])
    text = text_of(chat(f"{year}年{month}月有哪些政策可以申报？"))
    in_month = api(stack, "GET", f"/calendar?month={year:04d}-{month:02d}")
    assert text.startswith(f"{year:04d}-{month:02d} 可申报的事项："), text
    lines = calendar_lines(in_month, "opening", "open_during")
    assert any(start in line for line in lines), lines
    for line in lines:
        assert line in text, (line, text)


def test_bundle_checklist(chat: Chat) -> None:
    replies = chat("开公司要办哪些手续")
    bundle = next(c for c in customs(replies) if c.get("type") == "bundle")
    assert bundle["id"] == "BUN-001" and len(bundle["members"]) >= 2
    assert "1." in text_of(replies)


def test_good_rating_is_stored_and_thanked(stack) -> None:  # type: ignore[no-untyped-def]
    """A bound person rates 满意: thanked, no callback ticket, and the rating is theirs in the service
    (read back as the conversation reads its own data, GET /me/data)."""
    sender = f"e2e-{uuid.uuid4().hex[:10]}"

    def say(message: str) -> list:
        body = json.dumps({"sender": sender, "message": message}).encode()
        req = urllib.request.Request(f"{stack.url('rasa')}/webhooks/rest/webhook", data=body,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as resp:
            return list(json.loads(resp.read()))

    def my_ratings() -> Counter:
        req = urllib.request.Request(f"{stack.url('eligibility')}/me/data", headers={
            "Authorization": f"Bearer {service_token(stack.service_key)}", "X-Conversation-Id": sender})
        with urllib.request.urlopen(req, timeout=30) as resp:
            return Counter(r["level"] for r in json.loads(resp.read())["ratings"])

    say(f"身份证{CHEN}")
    assert "验证成功" in text_of(say(sms_code(stack, CHEN))), "the conversation is bound"
    before = my_ratings()
    operator = staff_token(stack, "operator")
    callbacks = api(stack, "GET", "/tickets?kind=callback&limit=1", operator)["total"]
    rated = text_of(say('/rate_service{"rating": "满意"}'))
    assert "感谢您的评价" in rated and "工单" not in rated, rated
    assert my_ratings() - before == Counter({"满意": 1})  # stored once, as given, as this person's
    assert api(stack, "GET", "/tickets?kind=callback&limit=1", operator)["total"] == callbacks


def test_bad_rating_opens_a_ticket_with_the_reason(chat: Chat, stack) -> None:  # type: ignore[no-untyped-def]
    chat("高新技术企业认定有什么奖励？")
    rated = text_of(chat('/rate_service{"rating": "非常不满意"}'))
    assert "工单号" in rated
    ticket_id = rated.split("工单号")[1].split("，")[0].strip()
    chat("回答得太慢了，还答非所问")
    ticket = api(stack, "GET", f"/tickets/{ticket_id}", staff_token(stack, "operator"))
    assert "答非所问" in json.dumps(ticket, ensure_ascii=False)
    assert ticket["due_date"]


def test_handoff_carries_the_transcript(chat: Chat, stack) -> None:  # type: ignore[no-untyped-def]
    chat("居住证第一次怎么申请")
    replies = chat("我要转人工")
    handoff = next(c for c in customs(replies) if c.get("type") == "handoff")
    ticket = api(stack, "GET", f"/tickets/{handoff['ticket_id']}", staff_token(stack, "operator"))
    assert "居住证第一次怎么申请" in json.dumps(ticket, ensure_ascii=False)


def test_tickets_need_a_staff_login(stack) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(urllib.error.HTTPError) as refused:
        api(stack, "GET", "/tickets")
    assert refused.value.code == 401

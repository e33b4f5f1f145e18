"""一件事一次办 and 免申即享, end to end through REST: a bound citizen starts 新生儿出生一件事, answers what
the data account does not settle one question at a time, leaves, resumes, confirms one pre-filled form,
and sees the status per item and for the whole; 鹏程 (a company) declines, then confirms its 对公账户 for
ENT-059 and follows the grant until it is paid. Every step is in the audit log."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Chat, api, sms_code, staff_token, text_of

pytestmark = pytest.mark.e2e

LI = "430102200206110032"        # 李思涵: bound citizen for 新生儿出生一件事 (BUN-002)
PENGCHENG = "91440307MA5G8TLW2D"  # 深圳市鹏程精密智造有限公司: 免申即享 ENT-059 waiting for its account


def customs(replies: list) -> list:
    return [r["custom"] for r in replies if r.get("custom")]


def _answer(chat: Chat, replies: list) -> list:
    """Tap 是, or the first example offered, or type a small number: what a user would do."""
    buttons = [b for r in replies for b in (r.get("buttons") or [])]
    if any(b["payload"] == "/affirm" for b in buttons):
        return chat("/affirm")
    example = next((b["payload"] for b in buttons if b["payload"].startswith("/inform{")), None)
    return chat(example or "2个月")


def test_newborn_bundle_as_one_guided_submission(chat: Chat, stack) -> None:  # type: ignore[no-untyped-def]
    chat(f"身份证号{LI}")
    assert "验证成功" in text_of(chat(sms_code(stack, LI)))
    shown = chat("新生儿出生要办哪些事")
    assert "新生儿" in text_of(shown) and "一次提交" in text_of(shown), shown
    assert any(b["payload"] == "/apply" for r in shown for b in (r.get("buttons") or [])), shown
    reply = chat("好的，开始办理")
    said = text_of(reply)
    assert "办理清单" in said and "一次问一项" in said and "电子证照" in said, reply
    turns, left_once = 1, False
    while "确认后将一次提交" not in text_of(reply):
        assert turns < 16 and "不太确定" not in text_of(reply), reply
        if turns == 3 and not left_once:  # leave halfway; the answers stay in the data account
            left = text_of(chat("先不办"))
            assert "先不办" in left and "接着办" in left, left
            assert "新生儿" in text_of(chat("继续办理新生儿出生"))
            reply = chat("开始办理")
            assert "还需要您补充" in text_of(reply), reply
            left_once = True
        reply = _answer(chat, reply)
        turns += 1
    form = next(c for c in customs(reply) if c.get("type") == "bundle_form")
    assert form["form"]["prefilled"] >= 1 and "已预填" in text_of(reply)
    done = chat("确认提交")
    sub = next(c for c in customs(done) if c.get("type") == "bundle_submission")
    assert "项中 0 项已办结" in text_of(done) and len(sub["items"]) >= 3, done
    assert "不太确定" not in text_of(done) and LI not in text_of(done)
    # a reviewer decides three items: the whole is reported when the user asks again
    reviewer = staff_token(stack, "reviewer")
    for item in sub["items"][:3]:
        api(stack, "PATCH", f"/applications/{item['application_id']}", reviewer, {"status": "approved"})
    again = text_of(chat("开始办理"))
    assert f"{len(sub['items'])} 项中 3 项已办结" in again, again
    status = api(stack, "GET", f"/bundles/submissions/{sub['id']}", staff_token(stack, "operator"))
    assert status["done"] == 3 and status["total"] == len(sub["items"])
    entries = api(stack, "GET", "/audit?action=bundle.submit", staff_token(stack, "admin"))["entries"]
    assert any(e["target_id"] == sub["id"] for e in entries), entries


def test_pengcheng_declines_then_confirms_ent_059_until_paid(chat: Chat, stack) -> None:  # type: ignore[no-untyped-def]
    operator = staff_token(stack, "operator")

    def ent_059() -> dict:
        notes = api(stack, "GET", f"/profiles/{PENGCHENG}/notifications", operator)["notifications"]
        return next(n["grant"] for n in notes if n.get("grant") and n["grant"]["policy_id"] == "ENT-059")

    assert ent_059()["status"] == "notified"
    chat(f"我们公司信用代码{PENGCHENG}")
    assert "验证成功" in text_of(chat(sms_code(stack, PENGCHENG)))
    notice = text_of(chat("有没有免申即享的待遇"))
    assert "专精特新" in notice and "对公账户" in notice, notice
    declined = text_of(chat("不用了，先不领"))
    assert "暂不确认收款账户" in declined and "已发放" not in declined, declined
    assert ent_059()["status"] == "notified"  # nothing confirmed, nothing paid
    for _ in range(4):  # one grant per confirmation; ENT-059 may not be the first waiting
        if ent_059()["status"] == "paid":
            break
        assert "对公账户" in text_of(chat("有没有免申即享的待遇"))
        paid = text_of(chat("招商银行 7559 1234 5678 901"))
        assert "已发放" in paid and "****8901" in paid and "755912345678901" not in paid, paid
    grant = ent_059()
    assert grant["status"] == "paid"
    later = text_of(chat("免申即享办到哪了"))
    assert "已发放" in later, later
    admin = staff_token(stack, "admin")
    for action in ("grant.confirm", "grant.paid"):
        entries = api(stack, "GET", f"/audit?action={action}", admin)["entries"]
        assert any(e["target_id"] == str(grant["id"]) for e in entries), (action, entries)
        assert "755912345678901" not in str(entries)

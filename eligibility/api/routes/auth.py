"""Identity and trust: binding a conversation (统一身份认证 login link, or a one-time code to the data
account's mobile), logging out, staff login, a person's own data (export and deletion), the outbox and
the audit log."""

from __future__ import annotations

import html
from typing import Any, Dict, Optional

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from eligibility.api.routes.deps import context, principal, service_caller, staff_with
from eligibility.api.schemas import (
    Binding,
    BoundWithToken,
    CodeSent,
    Deletion,
    LoginLink,
    LoginStart,
    OtpSend,
    OtpVerify,
    OutboxList,
    StaffLogin,
    StaffToken,
)
from eligibility.auth.access import not_bound
from eligibility.auth.principal import Principal
from eligibility.context import Context
from eligibility.errors import AppError
from eligibility.services import audit, bindings, outbox, personal_data, staff
from eligibility.services.profiles import checked_id

router = APIRouter()


@router.post("/auth/otp", tags=["auth"], response_model=CodeSent, status_code=202,
             summary="发送短信验证码到数据账户登记的手机（对话服务调用；是否登记都返回同样的答复）")
def send_code(body: OtpSend, ctx: Context = Depends(context), p: Principal = Depends(service_caller)) -> Dict[str, Any]:
    assert p.conversation_id is not None
    return bindings.send_code(ctx, p.conversation_id, body.subject_id)


@router.post("/auth/otp/verify", tags=["auth"], response_model=BoundWithToken,
             summary="核对验证码：正确则本会话绑定该主体（5分钟内有效，最多5次）")
def verify_code(body: OtpVerify, ctx: Context = Depends(context),
                p: Principal = Depends(service_caller)) -> Dict[str, Any]:
    assert p.conversation_id is not None
    return bindings.verify_code(ctx, p.conversation_id, body.code.strip(), body.channel)


@router.get("/auth/binding", tags=["auth"], response_model=Binding, summary="本会话当前绑定的主体")
def get_binding(ctx: Context = Depends(context), p: Principal = Depends(service_caller)) -> Dict[str, Any]:
    assert p.conversation_id is not None
    return bindings.current(ctx, p.conversation_id)


@router.delete("/auth/binding", tags=["auth"], response_model=Binding, summary="退出登录：解除本会话的绑定")
def delete_binding(ctx: Context = Depends(context), p: Principal = Depends(principal)) -> Dict[str, Any]:
    if not p.conversation_id:
        raise AppError(400, "no_conversation", "没有需要退出的会话。", "the token names no conversation")
    return bindings.unbind(ctx, p.conversation_id, p)


@router.delete("/auth/conversation", tags=["personal data"],
               summary="删除本会话在未登录时留下的信息（订阅、工单对话记录、评价备注、验证码），例如用户取消关注时")
def forget_conversation(ctx: Context = Depends(context), p: Principal = Depends(service_caller)) -> Dict[str, Any]:
    assert p.conversation_id is not None
    return {"deleted": personal_data.forget_conversation(ctx, p.conversation_id, p)}


@router.post("/auth/login", tags=["auth"], response_model=LoginLink,
             summary="统一身份认证登录链接（对话服务为本会话申请，用户在浏览器中完成登录后本会话即绑定）")
def start_login(body: LoginStart, ctx: Context = Depends(context),
                p: Principal = Depends(service_caller)) -> Dict[str, Any]:
    return bindings.start_login(ctx, p.conversation_id, body.channel)


@router.post("/auth/login/web", tags=["auth"], response_model=LoginLink,
             summary="网页登录：不绑定会话，登录完成后返回本人的访问令牌")
def start_web_login(ctx: Context = Depends(context)) -> Dict[str, Any]:
    return bindings.start_login(ctx, None, "web")


@router.get("/auth/login/{state}", tags=["auth"], summary="登录链接：转到统一身份认证")
def login_redirect(state: str = Path(..., min_length=8, max_length=64), ctx: Context = Depends(context)) -> RedirectResponse:
    return RedirectResponse(bindings.login_redirect(ctx, state), status_code=302)


PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>政策通</title>
<style>body{{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;line-height:1.6}}
h1{{font-size:1.3rem}}</style></head><body><h1>{title}</h1><p>{text}</p></body></html>"""


@router.get("/auth/oidc/callback", tags=["auth"], summary="统一身份认证回调（授权码模式）")
def oidc_callback(request: Request, state: str = Query(..., max_length=64), code: Optional[str] = Query(None, max_length=512),
                  error: Optional[str] = Query(None, max_length=100),
                  ctx: Context = Depends(context)) -> Any:
    wants_json = "application/json" in request.headers.get("accept", "")
    if error or not code:
        raise AppError(401, "oidc_denied", "登录未完成，请回到对话重新获取登录链接。", f"provider answered {error or 'no code'}")
    done = bindings.finish_login(ctx, state, code)
    if wants_json:
        return done
    who = html.escape((done.get("subject") or {}).get("name") or "")
    if "confirmation_code" in done:
        minutes = int(done["expires_in"]) // 60
        return HTMLResponse(PAGE.format(
            title="身份验证成功", text=f"{who}您好，已完成统一身份认证。请回到对话，发送确认码 "
                                   f"<b id=\"code\">{done['confirmation_code']}</b> 完成绑定（{minutes}分钟内有效）。"
                                   "如果不是您本人发起的登录，请不要发送。"))
    return HTMLResponse(PAGE.format(title="身份验证成功", text=f"{who}您好，已完成统一身份认证。"))


@router.post("/auth/staff/login", tags=["auth"], response_model=StaffToken, summary="工作人员登录（argon2 口令）")
def staff_login(body: StaffLogin, ctx: Context = Depends(context)) -> Dict[str, Any]:
    return staff.login(ctx, body.username, body.password)


def _subject(p: Principal) -> str:
    if p.is_staff or p.subject_id is None:
        raise not_bound()
    return p.subject_id


@router.get("/me/data", tags=["personal data"], summary="本人的全部个人信息（个人信息保护法：查阅、复制）")
def my_data(ctx: Context = Depends(context), p: Principal = Depends(principal)) -> Dict[str, Any]:
    subject = _subject(p)
    out = personal_data.export(ctx, subject)
    with ctx.db.write() as conn:
        audit.record(conn, ctx, p, "personal_data.export", "subject", out["subject"]["id"], subject_id=subject)
    return out


@router.delete("/me/data", tags=["personal data"], response_model=Deletion,
               summary="删除本人的个人信息（依法需保存的办理档案除外，并说明）")
def delete_my_data(ctx: Context = Depends(context), p: Principal = Depends(principal)) -> Dict[str, Any]:
    return personal_data.delete(ctx, _subject(p), p)


@router.get("/outbox", tags=["admin"], response_model=OutboxList,
            summary="通知发件箱（短信等）：默认模式下消息停留在此，可供查看（须 operator 角色）")
def list_outbox(purpose: Optional[str] = Query(None, regex="^(otp|application|grant|ticket|reminder)$"),
                status: Optional[str] = Query(None, regex="^(queued|sent|failed)$"),
                subject_id: Optional[str] = Query(None, max_length=40, description="只看发给该主体的消息"),
                limit: int = Query(50, ge=1, le=500),
                ctx: Context = Depends(context), p: Principal = Depends(staff_with("operator"))) -> Dict[str, Any]:
    subject = checked_id(subject_id) if subject_id else None
    items = outbox.messages(ctx, subject_id=subject, purpose=purpose, status=status, limit=limit)
    return {"count": len(items), "messages": items}


@router.get("/audit", tags=["admin"], summary="审计日志（只增不改；须 admin 角色）")
def list_audit(action: Optional[str] = Query(None, max_length=40), limit: int = Query(100, ge=1, le=1000),
               offset: int = Query(0, ge=0, le=10**6),
               ctx: Context = Depends(context), p: Principal = Depends(staff_with("admin"))) -> Dict[str, Any]:
    items = audit.entries(ctx, action=action, limit=limit, offset=offset)
    return {"count": len(items), "entries": items}

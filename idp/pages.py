"""The provider's HTML: the login page and the error page. Small, mobile-first, every value escaped."""

from __future__ import annotations

from html import escape
from typing import Optional

from starlette.responses import HTMLResponse

TITLE = "深圳市统一身份认证（开发环境）"
DEV_NOTE = "这是本地开发环境的模拟认证服务，仅供开发和测试使用，请勿输入真实的证件号码和密码。演示账号见 idp/accounts.yaml。"
WRONG_CREDENTIALS = "证件号码或密码不正确，请核对后重试。"
LOCKED = "登录失败次数较多，为保护您的账号安全，请15分钟后再试。"
MISSING_FIELDS = "请填写证件号码和密码。"

HEADERS = {
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # No form-action: browsers apply it to the redirect after the form, which goes to the client.
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
}

STYLE = """
*{box-sizing:border-box}
body{margin:0;font-family:-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;background:#f3f5f8;color:#1f2933}
main{max-width:420px;margin:0 auto;padding:24px 16px}
h1{font-size:20px;margin:8px 0 16px;text-align:center}
.dev{background:#fff7e0;border:1px solid #f0c36d;border-radius:8px;padding:10px 12px;font-size:13px;line-height:1.5}
.card{background:#fff;border-radius:12px;padding:20px 16px;margin-top:16px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
.who{font-size:15px;margin:0 0 16px;line-height:1.5}
label{display:block;font-size:15px;margin:14px 0 6px}
.hint{font-size:12px;color:#616e7c;margin:4px 0 0}
input[type=text],input[type=password]{width:100%;font-size:17px;padding:11px 12px;border:1px solid #cbd2d9;border-radius:8px}
.error{background:#fdecea;color:#a61b1b;border-radius:8px;padding:10px 12px;font-size:14px;margin:0 0 8px}
.actions{display:flex;gap:12px;margin-top:22px}
button{flex:1;font-size:17px;padding:12px;border-radius:8px;border:0}
.primary{background:#c4161c;color:#fff}
.secondary{background:#e4e7eb;color:#1f2933}
p.text{font-size:15px;line-height:1.6}
"""


def _page(body: str, status: int = 200) -> HTMLResponse:
    html = (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(TITLE)}</title><style>{STYLE}</style></head><body><main>"
        f"<h1>{escape(TITLE)}</h1>"
        f'<div class="dev" role="note">{escape(DEV_NOTE)}</div>'
        f"{body}</main></body></html>"
    )
    return HTMLResponse(html, status_code=status, headers=HEADERS)


def login_page(action: str, pending_id: str, client_name: str, error: Optional[str] = None,
               identifier: str = "", status: int = 200) -> HTMLResponse:
    error_html = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    body = f"""
<div class="card">
<p class="who">「{escape(client_name)}」请求通过统一身份认证确认您的身份，请登录。</p>
{error_html}
<form method="post" action="{escape(action)}" autocomplete="on">
<input type="hidden" name="pending" value="{escape(pending_id)}">
<label for="identifier">证件号码</label>
<input type="text" id="identifier" name="identifier" value="{escape(identifier)}" autocomplete="username"
 autocapitalize="characters" spellcheck="false" maxlength="32" required>
<p class="hint">个人请填写居民身份证号码，企业（法人）请填写统一社会信用代码。</p>
<label for="password">密码</label>
<input type="password" id="password" name="password" autocomplete="current-password" maxlength="128" required>
<div class="actions">
<button type="submit" name="action" value="login" class="primary">登录</button>
<button type="submit" name="action" value="cancel" class="secondary" formnovalidate>取消</button>
</div>
</form>
</div>"""
    return _page(body, status)


def error_page(title: str, text: str, status: int = 400) -> HTMLResponse:
    body = f'<div class="card"><p class="who"><strong>{escape(title)}</strong></p><p class="text">{escape(text)}</p></div>'
    return _page(body, status)

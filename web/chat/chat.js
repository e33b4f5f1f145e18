/* 政策通 web chat: socket.io to Rasa's web chat channel (bot/webchat.py), cards drawn from each message's
   `custom` JSON. No framework, no build step; every value from the server is set as text, never as HTML. */
(function () {
  "use strict";

  var KEY_SESSION = "zct.session";   // sessionStorage: survives a reload, not closing the tab (shared devices)
  var KEY_LOG = "zct.log";
  var KEY_LARGE = "zct.large";       // localStorage: the reader's preference
  var MAX_ENTRIES = 200;
  var LEVELS = ["非常不满意", "不满意", "基本满意", "满意", "非常满意"];  // 1 to 5 stars (GB/T 39735)
  var HANDLING = { "秒批": ["秒批", "instant"], "免申即享": ["免申即享", "free"], "常规申报": ["常规申报", "normal"] };
  var STATUS = { eligible: "符合条件", needs_information: "还需补充信息", not_eligible: "暂不符合" };
  var STATE = { met: ["✓", "已满足"], not_met: ["✗", "不满足"], unknown: ["？", "待确认"] };
  var WEEK = ["一", "二", "三", "四", "五", "六", "日"];
  var BANK_HINT = "请发送开户银行和卡号，例如：工商银行 6222 0212 3456 7890 123";

  var log = document.getElementById("log");
  var input = document.getElementById("input");
  var form = document.getElementById("composer");
  var conn = document.getElementById("conn");
  var hint = document.getElementById("hint");
  var typingTemplate = document.getElementById("typing-template");
  var calendarPanel = document.getElementById("calendar-panel");

  var entries = [];
  var socket = null;
  var sessionId = null;
  var ready = false;
  var queue = [];
  var typingTimer = null;
  var lastFocus = null;

  // ---------------------------------------------------------------- storage
  function load() {
    try {
      sessionId = sessionStorage.getItem(KEY_SESSION);
      entries = JSON.parse(sessionStorage.getItem(KEY_LOG) || "[]");
      if (!Array.isArray(entries)) entries = [];
    } catch (e) {
      entries = [];
    }
  }

  function save() {
    try {
      if (entries.length > MAX_ENTRIES) entries = entries.slice(entries.length - MAX_ENTRIES);
      sessionStorage.setItem(KEY_LOG, JSON.stringify(entries));
      if (sessionId) sessionStorage.setItem(KEY_SESSION, sessionId);
    } catch (e) { /* storage full or disabled: the conversation still works, it just will not survive a reload */ }
  }

  // ID numbers, bank cards and phones are shown (and kept in this tab) with their last four digits only.
  function maskDigits(text) {
    return String(text).replace(/\d(?:[ -]?\d){10,}(?:[ -]?[Xx])?/g, function (run) {
      var digits = run.replace(/[^0-9Xx]/g, "");
      return "****" + digits.slice(-4);
    });
  }

  // ---------------------------------------------------------------- DOM helpers
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      var value = attrs[key];
      if (value === null || value === undefined || value === false) return;
      if (key === "text") node.textContent = value;
      else if (key === "className") node.className = value;
      else if (key.slice(0, 2) === "on") node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    });
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  // Text with its web addresses as links (each opens in a new window).
  function richText(text, onLink) {
    var frag = document.createDocumentFragment();
    var re = /https?:\/\/[^\s，。；）)"'<>]+/g;
    var at = 0, found;
    while ((found = re.exec(text)) !== null) {
      frag.appendChild(document.createTextNode(text.slice(at, found.index)));
      var url = found[0];
      var link = el("a", { href: url, target: "_blank", rel: "noopener noreferrer", text: url });
      if (onLink) link.addEventListener("click", function (u) { return function (ev) { onLink(ev, u); }; }(url));
      frag.appendChild(link);
      at = found.index + url.length;
    }
    frag.appendChild(document.createTextNode(text.slice(at)));
    return frag;
  }

  function webUrl(url) {
    return typeof url === "string" && /^https?:\/\//i.test(url) ? url : null;
  }

  function scrollDown() {
    log.scrollTop = log.scrollHeight;
  }

  function showHint(text) {
    hint.textContent = text || "";
    hint.hidden = !text;
  }

  // ---------------------------------------------------------------- messages
  function addEntry(entry) {
    entry.id = entry.id || "m" + Date.now().toString(36) + Math.random().toString(36).slice(2, 7);
    entry.ts = entry.ts || Date.now();
    entry.state = entry.state || {};
    var previous = entries[entries.length - 1];
    entries.push(entry);
    save();
    render(entry, previous);
    scrollDown();
    return entry;
  }

  function timeNote(entry, previous) {
    if (previous && entry.ts - previous.ts < 5 * 60 * 1000) return null;
    var d = new Date(entry.ts);
    var hh = String(d.getHours()).padStart(2, "0"), mm = String(d.getMinutes()).padStart(2, "0");
    return el("p", { className: "day-note", text: (d.getMonth() + 1) + "月" + d.getDate() + "日 " + hh + ":" + mm });
  }

  function render(entry, previous) {
    var note = timeNote(entry, previous);
    var typing = document.getElementById("typing");
    var node = entry.who === "user" ? renderUser(entry) : entry.who === "bot" ? renderBot(entry) : renderSystem(entry);
    if (note) log.insertBefore(note, typing);
    log.insertBefore(node, typing);
  }

  function renderSystem(entry) {
    return el("p", { className: "sys-note", text: entry.text });
  }

  function renderUser(entry) {
    return el("div", { className: "msg user", "data-entry": entry.id }, [
      el("span", { className: "avatar user-avatar", "aria-hidden": "true", text: "我" }),
      el("div", { className: "body" }, [
        el("div", { className: "bubble" }, [el("span", { className: "sr-only", text: "我：" }), entry.text])
      ])
    ]);
  }

  function renderBot(entry) {
    var msg = entry.msg || {};
    var custom = msg.custom && typeof msg.custom === "object" ? msg.custom : {};
    var buttons = Array.isArray(msg.buttons) ? msg.buttons : [];
    var body = el("div", { className: "body" }, [el("span", { className: "sr-only", text: "政策通：" })]);
    var kind = custom.type || (Array.isArray(custom.citations) && custom.citations.length ? "answer" : null);
    var rating = buttons.length && buttons.every(function (b) { return /^\/rate_service/.test(b.payload || ""); });
    var drawn;
    if (rating) drawn = null;  // the stars below say it
    else if (kind === "answer" || (kind === "bundle" && custom.citations)) drawn = answerCard(msg, custom);
    else if (kind === "matches") drawn = matchesCard(msg, custom);
    else if (kind === "checklist") drawn = checklistCard(msg, custom);
    else if (kind === "login") drawn = loginCard(msg, custom);
    else if (kind === "grants") drawn = grantsCard(msg, custom);
    else if (kind === "grant") drawn = grantCard(msg, custom);
    else if (kind === "application") drawn = applicationCard(msg, custom);
    else if (kind === "handoff") drawn = handoffCard(msg, custom);
    else if (kind === "calendar") drawn = calendarCard(msg, custom);
    else if (msg.text) drawn = el("div", { className: "bubble" }, [richText(msg.text)]);
    if (drawn) body.appendChild(drawn);
    if (webUrl(msg.image)) body.appendChild(el("img", { src: msg.image, alt: "图片", style: "max-width:100%" }));

    if (rating) {
      body.appendChild(stars(entry));
    } else {
      // the cards carry their own 一键申报 buttons: the message's /apply buttons would say the same again
      var shown = buttons.filter(function (b) {
        return !((kind === "matches" || kind === "checklist") && /^\/apply/.test(b.payload || ""));
      });
      if (shown.length) body.appendChild(chips(entry, shown));
      if (kind === "answer") body.appendChild(stars(entry, "这个回答对您有帮助吗？"));
    }
    return el("div", { className: "msg bot", "data-entry": entry.id, "data-kind": kind || "text" }, [
      el("span", { className: "avatar bot-avatar", "aria-hidden": "true", text: "政" }),
      body
    ]);
  }

  function card(className, head, children, label) {
    return el("div", { className: "card " + (className || ""), role: "group", "aria-label": label || head || null },
      [head ? el("div", { className: "card-head", text: head }) : null].concat(children));
  }

  function withoutLines(text, drop) {
    return String(text || "").split("\n").filter(function (line) { return !drop(line); }).join("\n").trim();
  }

  var passageCount = 0;

  // The concise answer; when it is part of a longer passage (custom.passage), “查看原文” unfolds the whole
  // passage in place. The citation and the source-page line of the text are drawn as the card's foot.
  function answerCard(msg, custom) {
    var cite = custom.citations[0] || {};
    var body = withoutLines(msg.text, function (line) { return /^(依据|原文)：/.test(line); });
    var title = "《" + (cite.title || "") + "》" + (cite.article || "");
    var foot;
    if (webUrl(cite.source_url)) {
      foot = el("div", { className: "card-foot" }, [
        "依据：",
        el("a", { href: cite.source_url, target: "_blank", rel: "noopener noreferrer", className: "citation",
                  "aria-label": "官方原文：" + title + "（在新窗口打开）", text: title }),
        el("br"), (cite.issuer || "") + (cite.source_date ? "，信息日期 " + cite.source_date : "")
      ]);
    } else {
      foot = el("div", { className: "card-foot" }, ["依据：" + title + "（" + (cite.issuer || "") +
        "；未找到官方原文，以主管部门最新通知为准）"]);
    }
    var parts = [el("div", { className: "card-body" }, [richText(body)])];
    if (typeof custom.passage === "string" && custom.passage) parts.push(passageToggle(custom.passage, title));
    parts.push(foot);
    return card("answer", null, parts, "政策解答");
  }

  function passageToggle(passage, title) {
    var id = "passage-" + (++passageCount);
    var text = el("div", { className: "passage", id: id, hidden: true, role: "region",
                           "aria-label": "原文段落：" + title }, [richText(passage)]);
    var button = el("button", {
      type: "button", className: "passage-toggle", "aria-expanded": "false", "aria-controls": id, text: "查看原文",
      onclick: function () {
        var open = button.getAttribute("aria-expanded") !== "true";
        button.setAttribute("aria-expanded", open ? "true" : "false");
        button.textContent = open ? "收起原文" : "查看原文";
        text.hidden = !open;
      }
    });
    return el("div", { className: "passage-box" }, [button, text]);
  }

  function policyBlock(item, open) {
    var handling = HANDLING[item.handling] || [item.handling || "", "normal"];
    var counts = { met: 0, not_met: 0, unknown: 0 };
    var conds = el("ul", { className: "conds", "aria-label": "条件逐条对照" });
    (item.conditions || []).forEach(function (c) {
      var s = STATE[c.state] || STATE.unknown;
      counts[c.state in counts ? c.state : "unknown"] += 1;
      conds.appendChild(el("li", { className: c.state, "data-state": c.state }, [
        el("span", { className: "mark", "aria-hidden": "true", text: s[0] }),
        el("span", { className: "sr-only", text: s[1] + "：" }),
        el("span", { text: (c.text || "") + (c.note ? "（" + c.note + "）" : "") })
      ]));
    });
    var summary = "条件对照：✓ " + counts.met + "　✗ " + counts.not_met + "　？ " + counts.unknown;
    var details = el("details", open ? { open: true } : {}, [el("summary", { text: summary }), conds]);
    var actions = el("div", { className: "actions" });
    if (item.status === "eligible" && item.handling !== "免申即享") {
      actions.appendChild(el("button", {
        type: "button", className: "btn apply", "data-policy": item.policy_id,
        "aria-label": "一键申报：" + item.title, text: "一键申报",
        onclick: function () { send('/apply{"policy": "' + item.policy_id + '"}', "一键申报：" + item.title); }
      }));
    } else if (item.status === "eligible") {
      actions.appendChild(el("span", { className: "policy-meta", text: "无需申请，符合条件即主动发放" }));
    } else if (item.status === "needs_information") {
      actions.appendChild(el("button", {
        type: "button", className: "btn secondary", "aria-label": "补充信息，判断能否申请：" + item.title,
        text: "补充信息",
        onclick: function () { send('/check_eligibility{"policy": "' + item.policy_id + '"}', "我能申请" + item.title + "吗"); }
      }));
    }
    return el("div", { className: "policy", "data-policy": item.policy_id, "data-handling": item.handling || "",
                       "data-status": item.status || "" }, [
      el("p", { className: "policy-title", text: item.title || item.policy_id }),
      el("div", { className: "policy-meta" }, [
        el("span", { className: "badge " + handling[1], text: handling[0] }),
        el("span", { text: STATUS[item.status] || "" }),
        el("span", { text: item.benefit || "" })
      ]),
      details,
      actions.childNodes.length ? actions : null
    ]);
  }

  function matchesCard(msg, custom) {
    var items = Array.isArray(custom.items) ? custom.items : [];
    var list = el("div", { className: "policies" }, items.map(function (item, i) { return policyBlock(item, i === 0); }));
    // the numbered list of the summary is drawn below as policies, with their conditions
    var summary = items.length ? withoutLines(msg.text, function (line) { return /^\d+\. /.test(line); }) : msg.text;
    return card("matches", "政策匹配结果", [
      el("div", { className: "card-body", text: summary || "" }),
      items.length ? el("p", { className: "legend", text: "✓ 已满足　✗ 不满足　？ 待确认" }) : null,
      list
    ]);
  }

  function checklistCard(msg, custom) {
    var item = custom.item || {};
    return card("matches", "条件逐条对照", [
      el("p", { className: "legend", text: "✓ 已满足　✗ 不满足　？ 待确认" }),
      el("div", { className: "policies" }, [policyBlock(item, true)]),
      el("div", { className: "card-foot", text: withoutLines(msg.text, function (l) {
        return /^[✓✗？]/.test(l) || /的条件，逐条对照/.test(l);
      }) })
    ]);
  }

  function loginCard(msg, custom) {
    var url = custom.url;
    var text = withoutLines(msg.text, function (line) { return line.trim() === url; });
    return card("notice", "统一身份认证", [
      el("div", { className: "card-body", text: text }),
      !webUrl(url) ? null : el("div", { className: "card-foot" }, [el("button", {
        type: "button", className: "btn login", text: "打开统一身份认证登录",
        "aria-label": "打开统一身份认证登录页（新窗口）",
        onclick: function () { openLogin(url); }
      })])
    ]);
  }

  function grantsCard(msg, custom) {
    var waiting = (custom.items || []).some(function (n) { return n.grant && n.grant.status === "notified"; });
    var foot = waiting ? el("div", { className: "card-foot" }, [el("button", {
      type: "button", className: "btn confirm-account", text: "确认收款账户",
      onclick: function () {
        input.placeholder = "开户银行 + 卡号";
        showHint(BANK_HINT);
        input.focus();
      }
    })]) : null;
    return card("notice", "免申即享 · 无需申请", [el("div", { className: "card-body", text: msg.text || "" }), foot]);
  }

  function grantCard(msg, custom) {
    var paid = custom.status === "paid";
    return card("ok", "免申即享 · 资金发放", [
      el("div", { className: "card-body" }, [
        el("div", { className: "big-status", text: paid ? "✓ 已发放" : "处理中" }),
        msg.text || ""
      ])
    ]);
  }

  function applicationCard(msg, custom) {
    var approved = custom.status === "approved";
    var head = approved && custom.handling === "秒批" ? "秒批 · 申报结果" : "申报结果";
    var status = approved ? "✓ 已批准" : custom.status === "rejected" ? "未通过" : "审核中";
    return card("ok", head, [
      el("div", { className: "card-body" }, [
        el("div", { className: "big-status" + (approved ? "" : " review"), text: status }),
        custom.policy_title ? el("div", { className: "policy-title", text: custom.policy_title }) : null,
        el("div", { text: "申请编号 " + (custom.id || "") }),
        msg.text || ""
      ])
    ]);
  }

  function handoffCard(msg, custom) {
    return card("notice", "人工服务", [
      el("div", { className: "card-body", text: msg.text || "" }),
      el("div", { className: "card-foot" }, ["工单号 " + (custom.ticket_id || "") + "　",
        el("a", { href: "tel:12345", "aria-label": "拨打12345热线", text: "拨打12345" })])
    ]);
  }

  function calendarCard(msg, custom) {
    var holder = el("div", {});
    renderMonth(holder, custom.month || thisMonth());
    var lines = String(msg.text || "").split("\n");
    var list = lines.slice(1).join("\n");
    return card("calendar", "政策月历", [
      el("div", { className: "card-body" }, [lines[0],
        list ? el("details", {}, [el("summary", { text: "展开文字列表" }), el("div", { text: list })]) : null]),
      holder
    ]);
  }

  function chips(entry, buttons) {
    var closed = !!entry.state.closed;
    var box = el("div", { className: "chips", role: "group", "aria-label": "可选回复" });
    buttons.forEach(function (b) {
      box.appendChild(el("button", {
        type: "button", className: "chip", disabled: closed, "data-payload": b.payload, text: b.title,
        onclick: function () { send(b.payload, b.title); }
      }));
    });
    return box;
  }

  // 好差评: five stars; the bot's own rating buttons (after an application) are drawn the same way.
  function stars(entry, label) {
    var row = el("div", { className: "rating", role: "group", "aria-label": "服务评价" });
    var rated = entry.state.rated;
    if (rated) {
      row.appendChild(el("span", { className: "done", text: "已评价：" + rated }));
      return row;
    }
    row.appendChild(el("span", { className: "ask", text: label || (entry.msg && entry.msg.text) || "请您评价：" }));
    for (var n = 1; n <= 5; n++) {
      (function (n) {
        var level = LEVELS[n - 1];
        row.appendChild(el("button", {
          type: "button", className: "star", "data-stars": String(n), "aria-label": n + "星，" + level, text: "☆",
          onmouseenter: function () { fill(row, n); }, onmouseleave: function () { fill(row, 0); },
          onfocus: function () { fill(row, n); }, onblur: function () { fill(row, 0); },
          onclick: function () {
            entry.state.rated = level;
            save();
            var done = stars(entry);
            row.replaceWith(done);
            send('/rate_service{"rating": "' + level + '"}', "★★★★★".slice(0, n) + "☆☆☆☆☆".slice(n) + " " + level);
          }
        }));
      })(n);
    }
    return row;
  }

  function fill(row, n) {
    row.querySelectorAll(".star").forEach(function (star) {
      star.textContent = Number(star.getAttribute("data-stars")) <= n ? "★" : "☆";
    });
  }

  // Quick replies answer the latest message only: once the user says something else they are closed.
  function closeOldControls() {
    entries.forEach(function (entry) { if (entry.who === "bot") entry.state.closed = true; });
    log.querySelectorAll(".chip").forEach(function (chip) { chip.disabled = true; });
  }

  // ---------------------------------------------------------------- 统一身份认证 login
  // The link opens in a new window. Its last page (the service's callback, this page's origin) shows the
  // confirmation code; the page reads it from there, puts it in the input and asks the person to send it.
  function openLogin(url) {
    var win = window.open(url, "zct-login", "popup,width=420,height=720");
    if (!win) {
      showHint("浏览器拦截了登录窗口。请点消息里的链接打开，登录后把页面上的6位确认码发给我。");
      return;
    }
    showHint("请在新窗口中完成登录。");
    var started = Date.now();
    var timer = setInterval(function () {
      if (win.closed || Date.now() - started > 10 * 60 * 1000) { clearInterval(timer); return; }
      var code = null;
      try {
        var node = win.document && win.document.getElementById("code");
        code = node ? node.textContent.trim() : null;
      } catch (e) { /* still on the provider's origin: nothing to read yet */ }
      if (code && /^\d{6}$/.test(code)) {
        clearInterval(timer);
        input.value = code;
        autosize();
        showHint("已获取确认码 " + code + "，请点“发送”完成身份绑定。");
        window.focus();
        input.focus();
      }
    }, 500);
  }

  // ---------------------------------------------------------------- policy calendar (month view)
  function thisMonth() {
    var d = new Date();
    return d.getFullYear() + "-" + String(d.getMonth() + 1).padStart(2, "0");
  }

  function shiftMonth(month, by) {
    var parts = month.split("-").map(Number);
    var d = new Date(parts[0], parts[1] - 1 + by, 1);
    return d.getFullYear() + "-" + String(d.getMonth() + 1).padStart(2, "0");
  }

  function renderMonth(holder, month) {
    holder.textContent = "";
    var box = el("div", { className: "month", "data-month": month });
    holder.appendChild(box);
    box.appendChild(el("p", { className: "month-legend", text: "正在读取 " + month + " 的申报安排…" }));
    fetch("../calendar?month=" + encodeURIComponent(month), { headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
      .then(function (data) { drawMonth(holder, box, month, data); })
      .catch(function () {
        box.textContent = "";
        box.appendChild(el("p", { className: "month-legend", text: "暂时读取不到月历，请稍后再试。" }));
      });
  }

  function drawMonth(holder, box, month, data) {
    var parts = month.split("-").map(Number);
    var year = parts[0], mon = parts[1];
    var starts = {}, ends = {};
    var opening = data.opening || [], during = data.open_during || [];
    opening.concat(during).forEach(function (item) {
      var w = item.window || {};
      if (w.start && w.start.slice(0, 7) === month) (starts[Number(w.start.slice(8))] = starts[Number(w.start.slice(8))] || []).push(item);
      if (w.end && w.end.slice(0, 7) === month) (ends[Number(w.end.slice(8))] = ends[Number(w.end.slice(8))] || []).push(item);
    });
    box.textContent = "";
    var label = year + "年" + mon + "月";
    box.setAttribute("aria-label", label + "政策月历");
    box.appendChild(el("div", { className: "month-head" }, [
      el("button", { type: "button", className: "tool", "aria-label": "上个月", text: "‹",
                     onclick: function () { renderMonth(holder, shiftMonth(month, -1)); } }),
      el("strong", { text: label }),
      el("button", { type: "button", className: "tool", "aria-label": "下个月", text: "›",
                     onclick: function () { renderMonth(holder, shiftMonth(month, 1)); } })
    ]));
    var table = el("table", {}, [el("caption", { className: "sr-only", text: label + "：每天开始受理和截止的申报" })]);
    table.appendChild(el("thead", {}, [el("tr", {}, WEEK.map(function (w) {
      return el("th", { scope: "col", abbr: "星期" + w, text: w });
    }))]));
    var tbody = el("tbody");
    var first = (new Date(year, mon - 1, 1).getDay() + 6) % 7;  // Monday first
    var days = new Date(year, mon, 0).getDate();
    var today = new Date();
    var row = el("tr");
    for (var i = 0; i < first; i++) row.appendChild(el("td"));
    for (var day = 1; day <= days; day++) {
      var s = (starts[day] || []).length, e = (ends[day] || []).length;
      var words = mon + "月" + day + "日" + (s ? "，" + s + "项开始受理" : "") + (e ? "，" + e + "项截止" : "");
      var isToday = today.getFullYear() === year && today.getMonth() + 1 === mon && today.getDate() === day;
      row.appendChild(el("td", { className: isToday ? "today" : null, "aria-label": words + (isToday ? "（今天）" : "") }, [
        el("span", { className: "n", "aria-hidden": "true", text: String(day) }),
        el("span", { className: "marks", "aria-hidden": "true" }, [
          s ? el("span", { className: "m-open", text: "●" }) : null,
          e ? el("span", { className: "m-close", text: "●" }) : null
        ])
      ]));
      if ((first + day) % 7 === 0) { tbody.appendChild(row); row = el("tr"); }
    }
    if (row.childNodes.length) tbody.appendChild(row);
    table.appendChild(tbody);
    box.appendChild(table);
    box.appendChild(el("p", { className: "month-legend" }, [
      el("span", { className: "m-open", "aria-hidden": "true", text: "● " }), "开始受理　",
      el("span", { className: "m-close", "aria-hidden": "true", text: "● " }), "截止"
    ]));
    var dated = during.filter(function (i) { return !(i.window || {}).always_open; });
    var always = during.filter(function (i) { return (i.window || {}).always_open; });
    var list = el("ul", { className: "month-list" });
    opening.forEach(function (item) { list.appendChild(monthItem(item, "开始受理")); });
    dated.forEach(function (item) { list.appendChild(monthItem(item, "受理中")); });
    if (!opening.length && !dated.length) list.appendChild(el("li", { text: "本月没有公布开始或截止的申报窗口。" }));
    box.appendChild(list);
    if (always.length) {
      box.appendChild(el("details", {}, [
        el("summary", { text: "常年受理 " + always.length + " 项" }),
        el("ul", { className: "month-list" }, always.map(function (item) { return monthItem(item, "常年受理"); }))
      ]));
    }
  }

  function monthItem(item, what) {
    var w = item.window || {};
    var span = w.start && w.end ? w.start + " 至 " + w.end : (w.text || "");
    var left = item.days_left !== null && item.days_left !== undefined ? "，还剩 " + item.days_left + " 天" : "";
    var handling = HANDLING[item.handling] || null;
    return el("li", {}, [
      handling ? el("span", { className: "badge " + handling[1], text: handling[0] }) : null, " ",
      el("strong", { text: item.title || item.policy_id }),
      el("div", { text: what + "：" + span + left }),
      el("button", { type: "button", className: "chip", text: "问问怎么申请",
                     "aria-label": "问问怎么申请：" + (item.title || ""),
                     onclick: function () { closeCalendar(); send((item.title || "") + "怎么申请"); } })
    ]);
  }

  function openCalendar() {
    lastFocus = document.activeElement;
    calendarPanel.hidden = false;
    renderMonth(document.getElementById("calendar-panel-month"), thisMonth());
    document.getElementById("calendar-close").focus();
  }

  function closeCalendar() {
    if (calendarPanel.hidden) return;
    calendarPanel.hidden = true;
    if (lastFocus && lastFocus.focus) lastFocus.focus();
  }

  // ---------------------------------------------------------------- typing indicator
  function showTyping() {
    var typing = document.getElementById("typing");
    if (!typing) {
      log.appendChild(typingTemplate.content.cloneNode(true));
    } else {
      log.appendChild(typing);  // keep it last
    }
    scrollDown();
    clearTimeout(typingTimer);
    typingTimer = setTimeout(function () {
      hideTyping();
      showHint("回复有点慢，请稍候；如果一直没有回复，可以再发一次。");
    }, 45000);
  }

  function hideTyping() {
    clearTimeout(typingTimer);
    var typing = document.getElementById("typing");
    if (typing) typing.remove();
  }

  // ---------------------------------------------------------------- sending
  function send(payload, shown) {
    payload = String(payload || "").trim();
    if (!payload) return;
    closeOldControls();
    showHint("");
    input.placeholder = "请输入您的问题";
    addEntry({ who: "user", text: maskDigits(shown || payload) });
    showTyping();
    queue.push(payload);
    flush();
  }

  function flush() {
    if (!ready || !socket) return;
    while (queue.length) socket.emit("user_uttered", { message: queue.shift(), session_id: sessionId });
  }

  function autosize() {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight + 2, 240) + "px";
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var text = input.value;
    input.value = "";
    autosize();
    send(text);
  });
  input.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing && ev.keyCode !== 229) {
      ev.preventDefault();
      form.requestSubmit();
    }
  });
  input.addEventListener("input", autosize);
  document.querySelectorAll(".shortcut").forEach(function (b) {
    b.addEventListener("click", function () { send(b.getAttribute("data-say")); });
  });

  // ---------------------------------------------------------------- 适老化: large text
  var largeButton = document.getElementById("btn-large");
  function applyLarge(on) {
    document.documentElement.classList.toggle("large", on);
    largeButton.setAttribute("aria-pressed", on ? "true" : "false");
    scrollDown();
  }
  largeButton.addEventListener("click", function () {
    var on = !document.documentElement.classList.contains("large");
    try { localStorage.setItem(KEY_LARGE, on ? "1" : "0"); } catch (e) { /* not kept */ }
    applyLarge(on);
  });
  try { applyLarge(localStorage.getItem(KEY_LARGE) === "1"); } catch (e) { applyLarge(false); }

  document.getElementById("btn-calendar").addEventListener("click", openCalendar);
  document.getElementById("calendar-close").addEventListener("click", closeCalendar);
  calendarPanel.addEventListener("click", function (ev) { if (ev.target === calendarPanel) closeCalendar(); });
  document.addEventListener("keydown", function (ev) { if (ev.key === "Escape") closeCalendar(); });

  // A new conversation: log out of the old one first (a shared device), then forget it.
  document.getElementById("btn-new").addEventListener("click", function () {
    var restart = function () {
      entries = [];
      sessionId = null;
      try { sessionStorage.removeItem(KEY_LOG); sessionStorage.removeItem(KEY_SESSION); } catch (e) { /* none */ }
      log.textContent = "";
      hideTyping();
      welcome();
      if (socket) { socket.disconnect(); ready = false; socket.connect(); }
    };
    if (socket && ready) {
      var done = false;
      var finish = function () { if (!done) { done = true; socket.off("bot_turn_end", finish); restart(); } };
      socket.on("bot_turn_end", finish);
      socket.emit("user_uttered", { message: "退出登录", session_id: sessionId });
      setTimeout(finish, 3000);
    } else {
      restart();
    }
  });

  // ---------------------------------------------------------------- connection
  function welcome() {
    addEntry({ who: "bot", msg: { text: "您好！我是政策通，可以为您解答政策问题、查找能申请的补贴、一键申报，" +
      "还能查询免申即享待遇和申报进度。请问有什么可以帮您？",
      buttons: [{ title: "高新技术企业认定有什么奖励", payload: "高新技术企业认定有什么奖励？" },
                { title: "我们公司能申请哪些补贴", payload: "我们公司能申请哪些补贴" },
                { title: "老人有什么补贴", payload: "老年人有什么补贴" }] } });
  }

  function setConn(text) { conn.textContent = text || ""; }

  function connect(config) {
    var url = config.socket_url || window.location.origin;
    socket = io(url, { path: config.socket_path || "/socket.io", transports: ["websocket", "polling"] });
    socket.on("connect", function () {
      ready = false;
      socket.emit("session_request", { session_id: sessionId });
    });
    socket.on("session_confirm", function (id) {
      if (sessionId && id !== sessionId) {
        addEntry({ who: "system", text: "之前的对话已结束，已为您开始新的对话。" });
      }
      sessionId = id;
      save();
      ready = true;
      setConn("");
      document.body.setAttribute("data-session", "ready");
      flush();
    });
    socket.on("bot_uttered", function (msg) {
      if (!msg || typeof msg !== "object") return;
      addEntry({ who: "bot", msg: { text: msg.text, buttons: msg.buttons || msg.quick_replies, custom: msg.custom,
                                    image: msg.image } });
      if (document.getElementById("typing")) showTyping();
    });
    socket.on("bot_turn_end", function () { hideTyping(); });
    socket.on("disconnect", function () {
      ready = false;
      document.body.removeAttribute("data-session");
      setConn("连接已断开，正在重新连接…");
    });
    socket.on("connect_error", function () { setConn("暂时连不上服务，正在重试…"); });
  }

  load();
  if (!entries.length) {
    welcome();
  } else {
    entries.forEach(function (entry, i) { render(entry, entries[i - 1]); });
    scrollDown();
  }
  fetch("config.json", { headers: { Accept: "application/json" } })
    .then(function (r) { return r.json(); })
    .then(connect)
    .catch(function () { setConn("暂时连不上服务，请稍后刷新页面。"); });
})();

/* 政策通 12345 热线工作台：转人工队列与会话、通话助手、工单、申请审核、知识缺口。
   Plain DOM, no framework. Every text from the service is set with textContent (never parsed as HTML).
   Every unsafe request carries X-Console: 1 (the CSRF check of the cookie session); a 401 goes to the login. */
(function () {
  "use strict";

  var POLL_MS = 2000;
  var LOGIN = "/console/login";
  var state = {
    me: null,
    tab: null,
    scope: "waiting",
    handoff: null,       // the open conversation's id
    handoffView: null,   // its last detail
    transcriptKey: "",
    ticket: null,
    woSource: null,      // {ticket_id} or {conversation_id} the work order is drawn from
    timers: {}
  };

  // ---- helpers -------------------------------------------------------------------------------------

  function $(id) { return document.getElementById(id); }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      var value = attrs[key];
      if (value === null || value === undefined || value === false) { return; }
      if (key === "text") { node.textContent = value; }
      else if (key === "className") { node.className = value; }
      else if (key.slice(0, 2) === "on") { node.addEventListener(key.slice(2), value); }
      else { node.setAttribute(key, value === true ? "" : value); }
    });
    (children || []).forEach(function (child) {
      if (child !== null && child !== undefined) {
        node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
      }
    });
    return node;
  }

  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }

  var toastTimer = null;
  function toast(text, kind) {
    var box = $("toast");
    box.textContent = text;
    box.className = "toast " + (kind || "info");
    box.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { box.hidden = true; }, kind === "error" ? 8000 : 3000);
  }

  function ApiError(status, code, message) {
    this.status = status;
    this.code = code;
    this.message = message;
  }

  /* JSON in and out; X-Console on unsafe methods; 401 → the login page; errors carry the Chinese message. */
  function api(method, path, body) {
    var headers = { Accept: "application/json" };
    if (method !== "GET") { headers["X-Console"] = "1"; }
    if (body !== undefined) { headers["Content-Type"] = "application/json"; }
    return fetch(path, {
      method: method, credentials: "same-origin", headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (r) {
      if (r.status === 401) {
        stopPolling();
        location.replace(LOGIN);
        throw new ApiError(401, "console_login_required", "登录已过期，请重新登录。");
      }
      if (r.status === 204) { return null; }
      return r.json().catch(function () { return null; }).then(function (data) {
        if (!r.ok) {
          var err = (data && data.error) || {};
          throw new ApiError(r.status, err.code || "http_" + r.status, err.message || "操作没有成功，请稍后重试。");
        }
        return data;
      });
    }, function () {
      throw new ApiError(0, "network", "无法连接服务，请检查网络后重试。");
    });
  }

  function fail(e) {
    if (e && e.status === 401) { return; }
    toast((e && e.message) || "操作没有成功，请稍后重试。", "error");
  }

  function utc(iso) {
    if (!iso) { return null; }
    var d = new Date(/[zZ]|[+-]\d\d:\d\d$/.test(iso) ? iso : iso + "Z");
    return isNaN(d.getTime()) ? null : d;
  }

  function when(iso) {
    var d = utc(iso);
    if (!d) { return ""; }
    return d.toLocaleString("zh-CN", { timeZone: "Asia/Shanghai", month: "numeric", day: "numeric",
                                       hour: "2-digit", minute: "2-digit", hour12: false });
  }

  function hasRole(role) {
    var roles = (state.me && state.me.roles) || [];
    return roles.indexOf("admin") >= 0 || roles.indexOf(role) >= 0;
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var area = el("textarea", { className: "offscreen", "aria-hidden": "true" });
      area.value = text;
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      document.body.removeChild(area);
      if (ok) { resolve(); } else { reject(new Error("copy")); }
    });
  }

  var ACTOR_PREFIX = { "staff:": "", "service:": "智能助手", "subject:": "申请人 " };
  function actorName(actor) {
    if (!actor) { return ""; }
    if (actor === "system") { return "系统"; }
    if (actor.indexOf("system:") === 0) { return "系统（" + actor.slice(7) + "）"; }
    for (var prefix in ACTOR_PREFIX) {
      if (actor.indexOf(prefix) === 0) {
        return prefix === "service:" ? ACTOR_PREFIX[prefix] : ACTOR_PREFIX[prefix] + actor.slice(prefix.length);
      }
    }
    return actor;
  }

  // ---- polling -------------------------------------------------------------------------------------

  function every(name, fn) {
    stop(name);
    var tick = function () {
      Promise.resolve().then(fn).catch(function () { /* shown by fn */ }).then(function () {
        if (state.timers[name] !== undefined) { state.timers[name] = setTimeout(tick, POLL_MS); }
      });
    };
    state.timers[name] = setTimeout(tick, 0);
  }

  function stop(name) {
    if (state.timers[name] !== undefined) { clearTimeout(state.timers[name]); }
    delete state.timers[name];
  }

  function stopPolling() { Object.keys(state.timers).forEach(stop); }

  // ---- tabs ----------------------------------------------------------------------------------------

  var TAB_OPEN = {
    handoffs: function () { every("queue", loadQueue); if (state.handoff) { every("conv", loadConversation); } },
    assist: function () { $("assist-question").focus(); },
    tickets: function () { loadTickets(); },
    reviews: function () { loadReviews(); },
    gaps: function () { loadGaps(); }
  };

  function showTab(name) {
    state.tab = name;
    document.querySelectorAll("[role=tab]").forEach(function (tab) {
      var on = tab.getAttribute("data-tab") === name;
      tab.setAttribute("aria-selected", on ? "true" : "false");
      tab.tabIndex = on ? 0 : -1;
      $("panel-" + tab.getAttribute("data-tab")).hidden = !on;
    });
    stop("conv");
    if (name !== "handoffs" && hasRole("operator")) { every("queue", loadQueue); }  // the waiting count stays fresh
    TAB_OPEN[name]();
  }

  function setUpTabs() {
    var first = null;
    document.querySelectorAll("[role=tab]").forEach(function (tab) {
      var allowed = tab.getAttribute("data-roles").split(" ").some(hasRole);
      tab.hidden = !allowed;
      if (allowed && !first) { first = tab.getAttribute("data-tab"); }
      tab.addEventListener("click", function () { showTab(tab.getAttribute("data-tab")); });
      tab.addEventListener("keydown", function (event) {
        if (event.key !== "ArrowRight" && event.key !== "ArrowLeft") { return; }
        var tabs = Array.prototype.filter.call(document.querySelectorAll("[role=tab]"), function (t) { return !t.hidden; });
        var i = tabs.indexOf(tab) + (event.key === "ArrowRight" ? 1 : -1);
        var next = tabs[(i + tabs.length) % tabs.length];
        next.focus();
        showTab(next.getAttribute("data-tab"));
      });
    });
    if (first) { showTab(first); }
  }

  // ---- 转人工队列 -----------------------------------------------------------------------------------

  var STATUS_CLASS = { "待处理": "waiting", "处理中": "active", "已办结": "done", "待回访": "waiting", "整改中": "active" };
  var CHANNEL = { socketio: "网页", web: "网页", rest: "接口", wechat: "微信", console: "工作台" };

  function loadQueue() {
    return api("GET", "/api/console/handoffs?scope=" + state.scope + "&limit=50&offset=0").then(renderQueue, function (e) {
      if (e.status === 404) { $("queue-note").textContent = "转人工队列暂未开放。"; return; }
      fail(e);
      throw e;
    });
  }

  function renderQueue(data) {
    var count = $("waiting-count");
    count.textContent = String(data.waiting);
    count.hidden = !data.waiting;
    if (state.tab !== "handoffs") { return; }
    $("queue-note").textContent = data.total ? "共 " + data.total + " 个会话" : "";
    var list = $("queue-list");
    clear(list);
    if (!data.items.length) {
      list.appendChild(el("li", { className: "empty", text: {
        waiting: "暂无等待接入的会话。", mine: "您当前没有接待中的会话。", open: "没有未结束的会话。", closed: "暂无已结束的会话。"
      }[state.scope] }));
      return;
    }
    data.items.forEach(function (item) {
      var meta = [item.live ? "实时" : "留言", CHANNEL[item.channel] || null,
                  item.status === "待处理" ? "已等待 " + item.waited_minutes + " 分钟" : null,
                  item.assignee_name ? "接待：" + item.assignee_name : null,
                  item.subject ? "主体 " + item.subject : null].filter(Boolean).join(" · ");
      var button = el("button", { type: "button", className: "item" + (item.id === state.handoff ? " current" : ""),
                                  "aria-current": item.id === state.handoff ? "true" : null,
                                  onclick: function () { openConversation(item.id); } }, [
        el("span", { className: "item-top" }, [
          el("span", { className: "status " + (STATUS_CLASS[item.status] || ""), text: item.status }),
          item.live ? el("span", { className: "live", text: "实时" }) : null,
          el("span", { className: "muted small", text: when(item.created_at) })
        ]),
        el("span", { className: "item-summary", text: item.summary }),
        el("span", { className: "muted small", text: meta })
      ]);
      list.appendChild(el("li", { "data-id": item.id }, [button]));
    });
  }

  function openConversation(id) {
    state.handoff = id;
    state.transcriptKey = "";
    $("release-form").hidden = true;
    every("conv", loadConversation);
    loadQueue().catch(function () {});
  }

  function loadConversation() {
    var id = state.handoff;
    if (!id) { return Promise.resolve(); }
    return api("GET", "/api/console/handoffs/" + encodeURIComponent(id)).then(function (view) {
      if (state.handoff === id) { renderConversation(view); }
    }, function (e) { fail(e); throw e; });
  }

  function renderConversation(view) {
    state.handoffView = view;
    $("conv-empty").hidden = true;
    $("conv").hidden = false;
    $("conv-title").textContent = view.summary;
    $("conv-meta").textContent = [view.id, view.status, view.live ? "实时会话" : "留言",
      CHANNEL[view.channel] ? "渠道：" + CHANNEL[view.channel] : null,
      view.subject ? "主体：" + view.subject : "未登录的市民",
      view.assignee_name ? "接待：" + view.assignee_name : null,
      view.due_date ? "须于 " + view.due_date + " 前处理" : null].filter(Boolean).join(" · ");
    var mine = view.status === "处理中" && state.me && view.assignee === state.me.username;
    $("conv-claim").hidden = view.status !== "待处理";
    $("conv-release").hidden = !mine;
    $("reply-form").hidden = !mine;
    if (!mine) { $("release-form").hidden = true; }
    var key = JSON.stringify(view.transcript);
    if (key === state.transcriptKey) { return; }
    state.transcriptKey = key;
    var log = $("conv-log");
    var atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
    clear(log);
    view.transcript.forEach(function (line) {
      var who = line.role === "user" ? "用户" : line.role === "operator" ? "坐席" + (line.operator ? "（" + line.operator + "）" : "") : "智能助手";
      log.appendChild(el("div", { className: "line " + line.role }, [
        el("span", { className: "who", text: who + (line.at ? " · " + when(line.at) : "") }),
        el("span", { className: "text", text: line.text })
      ]));
    });
    if (atBottom || !log.dataset.seen) { log.scrollTop = log.scrollHeight; }
    log.dataset.seen = "1";
  }

  function claim() {
    var id = state.handoff;
    $("conv-claim").disabled = true;
    api("POST", "/api/console/handoffs/" + encodeURIComponent(id) + "/claim").then(function (view) {
      renderConversation(view);
      toast("已接入，请回复用户。");
      $("reply-input").focus();
      loadQueue().catch(function () {});
    }, fail).then(function () { $("conv-claim").disabled = false; });
  }

  function sendReply(event) {
    event.preventDefault();
    var input = $("reply-input");
    var text = input.value.trim();
    if (!text) { input.focus(); return; }
    $("reply-send").disabled = true;
    api("POST", "/api/console/handoffs/" + encodeURIComponent(state.handoff) + "/messages", { text: text })
      .then(function () {
        input.value = "";
        return loadConversation();
      }, fail)
      .then(function () { $("reply-send").disabled = false; input.focus(); });
  }

  function release(event) {
    event.preventDefault();
    var note = $("release-note").value.trim();
    if (!note) { toast("结束会话前请简要填写处理情况。", "error"); $("release-note").focus(); return; }
    $("release-confirm").disabled = true;
    api("POST", "/api/console/handoffs/" + encodeURIComponent(state.handoff) + "/release", { note: note })
      .then(function (view) {
        $("release-form").hidden = true;
        $("release-note").value = "";
        renderConversation(view);
        toast("会话已结束，已交还智能助手。");
        loadQueue().catch(function () {});
      }, fail)
      .then(function () { $("release-confirm").disabled = false; });
  }

  // ---- 工单登记 -------------------------------------------------------------------------------------

  function openWorkOrder(draft, source) {
    state.woSource = source || {};
    $("wo-from").textContent = source && source.ticket_id ? "由 " + source.ticket_id + " 的对话生成，请核对后提交。" : "";
    $("wo-caller").value = (draft && draft.caller) || "";
    $("wo-question").value = (draft && draft.question) || "";
    $("wo-policy").value = (draft && draft.policy_id) || "";
    $("wo-policy-title").textContent = draft && draft.policy_title ?
      (draft.policy_source === "suggested" ? "按问题检索推荐：" : "对话中引用：") + draft.policy_title : "";
    $("wo-outcome").value = (draft && draft.outcome) || "";
    $("wo-next").value = (draft && draft.next_step) || "";
    $("wo-contact").value = "";
    $("wo-contact").placeholder = source && source.ticket_id ? "留空则沿用原工单的联系方式" : "";
    $("wo-error").hidden = true;
    $("wo-dialog").hidden = false;
    ($("wo-outcome").value ? $("wo-caller") : (draft && draft.question ? $("wo-outcome") : $("wo-caller"))).focus();
  }

  function closeWorkOrder() { $("wo-dialog").hidden = true; }

  function workOrderFromHandoff() {
    var id = state.handoff;
    api("GET", "/api/console/work-orders/draft?ticket_id=" + encodeURIComponent(id)).then(function (draft) {
      openWorkOrder(draft, { ticket_id: id });
    }, fail);
  }

  function submitWorkOrder(event) {
    event.preventDefault();
    var body = {
      caller: $("wo-caller").value.trim(), question: $("wo-question").value.trim(),
      outcome: $("wo-outcome").value.trim(), next_step: $("wo-next").value.trim()
    };
    var missing = [["来电人", body.caller], ["诉求", body.question], ["处理结果", body.outcome], ["下一步", body.next_step]]
      .filter(function (pair) { return !pair[1]; }).map(function (pair) { return pair[0]; });
    if (missing.length) {
      $("wo-error").textContent = "请填写：" + missing.join("、") + "。";
      $("wo-error").hidden = false;
      return;
    }
    var policy = $("wo-policy").value.trim().toUpperCase();
    var contact = $("wo-contact").value.trim();
    if (policy) { body.policy_id = policy; }
    if (contact) { body.contact = contact; }
    if (state.woSource.ticket_id) { body.ticket_id = state.woSource.ticket_id; }
    $("wo-submit").disabled = true;
    api("POST", "/api/console/work-orders", body).then(function (ticket) {
      closeWorkOrder();
      toast("工单 " + ticket.id + " 已登记，须于 " + ticket.due_date + " 前办结。");
    }, function (e) {
      $("wo-error").textContent = e.message;
      $("wo-error").hidden = false;
    }).then(function () { $("wo-submit").disabled = false; });
  }

  // ---- 通话助手 -------------------------------------------------------------------------------------

  function ask(event) {
    event.preventDefault();
    var question = $("assist-question").value.trim();
    var out = $("assist-results");
    if (!question) { $("assist-question").focus(); return; }
    clear(out);
    out.appendChild(el("p", { className: "muted", text: "正在查找…" }));
    api("POST", "/api/console/assist", { question: question }).then(function (data) {
      clear(out);
      if (!data.answers.length) {
        out.appendChild(el("p", { className: "empty", text: "没有找到相关内容，请换个说法再试，或登记工单转相关部门。" }));
        return;
      }
      data.answers.forEach(function (answer) { out.appendChild(answerCard(answer)); });
    }, function (e) { clear(out); fail(e); });
  }

  function answerCard(a) {
    var copy = el("button", { type: "button", className: "button small copy", text: "复制",
                              "aria-label": "复制第" + a.rank + "条答案和出处" });
    copy.addEventListener("click", function () {
      copyText(a.copy_text).then(function () {
        copy.textContent = "已复制";
        setTimeout(function () { copy.textContent = "复制"; }, 2000);
      }, function () { toast("浏览器不允许复制，请手动选择文字复制。", "error"); });
    });
    var cite = a.citation;
    var source = cite.url ? el("a", { href: cite.url, target: "_blank", rel: "noopener noreferrer", text: "查看原文" })
                          : el("span", { className: "muted", text: "未找到官方原文，以主管部门最新通知为准" });
    var card = el("article", { className: "answer", "data-doc": a.doc_id }, [
      el("header", { className: "answer-head" }, [
        el("span", { className: "rank", text: String(a.rank) }),
        el("h3", { text: a.title }),
        a.kind === "faq" ? el("span", { className: "tag", text: "常见问题" }) : null,
        copy
      ]),
      a.matched_question ? el("p", { className: "muted small", text: "相关问题：" + a.matched_question }) : null,
      el("p", { className: "answer-text", text: a.text }),
      a.notice ? el("p", { className: "notice small", text: a.notice }) : null,
      el("p", { className: "cite small" }, [
        (cite.article ? cite.article + " · " : "") + cite.issuer + (cite.date ? " · 信息日期 " + cite.date : "") + " · ",
        source
      ])
    ]);
    if (a.policy) {
      var conds = el("ul", { className: "conds" }, a.policy.conditions.map(function (c) { return el("li", { text: c }); }));
      card.appendChild(el("details", { className: "policy-box" }, [
        el("summary", { text: "申请条件（" + a.policy.policy_id + " · " + a.policy.handling + "）" }),
        conds,
        a.policy.conditions_complete ? null : el("p", { className: "muted small", text: "条件可能未完整列出，以主管部门通知为准。" }),
        el("p", { className: "small", text: "支持内容：" + a.policy.benefit })
      ]));
    }
    return card;
  }

  function quickCheck(event) {
    event.preventDefault();
    var out = $("qc-results");
    var id = $("qc-id").value.trim();
    var reason = $("qc-reason").value.trim();
    if (!id) { toast("请输入统一社会信用代码或身份证号。", "error"); $("qc-id").focus(); return; }
    if (reason.length < 2) { toast("请填写查询事由（至少2个字），查询会记入审计日志。", "error"); $("qc-reason").focus(); return; }
    clear(out);
    api("POST", "/api/console/quick-check", { subject_id: id, reason: reason }).then(function (data) {
      $("qc-id").value = "";  // the number is not left on the screen
      var s = data.subject;
      out.appendChild(el("p", { className: "subject", text: s.kind_label + "：" + (s.name || "") + "（" + s.id + "）" }));
      [["eligible", "符合条件", "ok"], ["needs_information", "需补充信息", "maybe"], ["not_eligible", "不符合条件", "no"]]
        .forEach(function (group) {
          var items = data[group[0]];
          var list = el("ul", { className: "checked" }, items.map(function (p) {
            return el("li", {}, [
              el("strong", { text: p.title }), " ", el("span", { className: "muted small", text: p.policy_id + " · " + p.handling + " · " + p.window }),
              el("div", { className: "small", text: p.benefit }),
              p.reasons.length ? el("div", { className: "small muted", text: (group[0] === "not_eligible" ? "不符合：" : "待确认：") + p.reasons.join("；") }) : null
            ]);
          }));
          out.appendChild(el("details", { className: "group " + group[2], open: group[0] === "eligible" ? true : null }, [
            el("summary", { text: group[1] + "（" + items.length + " 项）" }), list
          ]));
        });
    }, fail);
  }

  // ---- 工单 ----------------------------------------------------------------------------------------

  function ticketQuery() {
    var q = ["limit=100"];
    if ($("tk-kind").value) { q.push("kind=" + encodeURIComponent($("tk-kind").value)); }
    if ($("tk-status").value) { q.push("status=" + encodeURIComponent($("tk-status").value)); }
    if ($("tk-overdue").checked) { q.push("overdue=true"); }
    return q.join("&");
  }

  function loadTickets() {
    return api("GET", "/api/console/tickets?" + ticketQuery()).then(function (data) {
      $("tk-note").textContent = "共 " + data.total + " 张" + (data.total > data.tickets.length ? "，显示最新 " + data.tickets.length + " 张" : "");
      var list = $("tk-list");
      clear(list);
      if (!data.tickets.length) { list.appendChild(el("li", { className: "empty", text: "没有符合条件的工单。" })); }
      data.tickets.forEach(function (tk) {
        list.appendChild(el("li", { "data-id": tk.id }, [el("button", {
          type: "button", className: "item" + (tk.overdue ? " overdue" : "") + (tk.id === state.ticket ? " current" : ""),
          onclick: function () { openTicket(tk.id); }
        }, [
          el("span", { className: "item-top" }, [
            el("span", { className: "status " + (STATUS_CLASS[tk.status] || ""), text: tk.status }),
            el("span", { className: "tag", text: tk.kind_label }),
            el("span", { className: "due small" + (tk.overdue ? " late" : ""),
                         text: tk.due_date ? (tk.overdue ? "已超期 · 应于 " : "到期 ") + tk.due_date : "" })
          ]),
          el("span", { className: "item-summary", text: tk.summary }),
          el("span", { className: "muted small", text: tk.id + (tk.assignee ? " · 经办 " + tk.assignee : "") })
        ])]));
      });
    }, fail);
  }

  function openTicket(id) {
    state.ticket = id;
    api("GET", "/api/console/tickets/" + encodeURIComponent(id)).then(renderTicket, fail);
  }

  function renderTicket(tk) {
    $("tk-empty").hidden = true;
    $("tk-detail").hidden = false;
    $("tk-title").textContent = tk.kind_label + " " + tk.id;
    $("tk-meta").textContent = [tk.status, tk.due_date ? (tk.overdue ? "已超期（应于 " + tk.due_date + " 前办结）" : "须于 " + tk.due_date + " 前办结") : null,
      tk.profile_id ? "主体：" + tk.profile_id : null, tk.contact ? "联系方式：" + tk.contact : null,
      tk.assignee ? "经办人：" + tk.assignee : null, "创建于 " + when(tk.created_at)].filter(Boolean).join(" · ");
    $("tk-meta").classList.toggle("late", tk.overdue);
    $("tk-summary").textContent = tk.summary;
    var history = $("tk-history");
    clear(history);
    tk.history.forEach(function (e) {
      history.appendChild(el("li", {}, [
        el("span", { className: "muted small", text: when(e.at) + " · " + actorName(e.actor) + " · " }),
        el("strong", { text: e.status }), e.note ? "：" + e.note : ""
      ]));
    });
    var next = $("tk-next");
    clear(next);
    next.appendChild(el("option", { value: "", text: "不变更（仅添加备注或指派）" }));
    tk.next_statuses.forEach(function (s) { next.appendChild(el("option", { value: s, text: s })); });
    $("tk-form").hidden = tk.status === "已办结";
    $("tk-note-input").value = "";
    $("tk-assignee").value = tk.assignee || "";
    var log = $("tk-transcript");
    clear(log);
    if (!tk.transcript.length) { log.appendChild(el("p", { className: "muted small", text: "无对话记录。" })); }
    tk.transcript.forEach(function (line) {
      log.appendChild(el("div", { className: "line " + line.role }, [
        el("span", { className: "who", text: line.role === "user" ? "用户" : line.role === "operator" || line.role === "agent" ? "坐席" : "智能助手" }),
        el("span", { className: "text", text: line.text })
      ]));
    });
  }

  function updateTicket(event) {
    event.preventDefault();
    var body = {};
    var status = $("tk-next").value;
    var note = $("tk-note-input").value.trim();
    var assignee = $("tk-assignee").value.trim();
    if (status) { body.status = status; }
    if (note) { body.note = note; }
    if (assignee) { body.assignee = assignee; }
    if (status === "已办结" && !note) { toast("办结工单时请填写办理情况说明。", "error"); $("tk-note-input").focus(); return; }
    api("PATCH", "/api/console/tickets/" + encodeURIComponent(state.ticket), body).then(function (tk) {
      renderTicket(tk);
      toast("工单已更新。");
      loadTickets();
    }, fail);
  }

  // ---- 申请审核 ------------------------------------------------------------------------------------

  function loadReviews() {
    return api("GET", "/api/console/reviews?limit=100").then(function (data) {
      $("rv-note").textContent = data.total ? "共 " + data.total + " 笔待审核，先到先审。" : "";
      var list = $("rv-list");
      clear(list);
      if (!data.items.length) { list.appendChild(el("li", { className: "empty", text: "暂无待审核的申请。" })); }
      data.items.forEach(function (item) { list.appendChild(reviewCard(item)); });
    }, fail);
  }

  function reviewCard(item) {
    var reason = el("textarea", { rows: "2", maxlength: "1000", "aria-label": "审核意见", placeholder: "审核意见（不予通过时必填，申请人可见）" });
    var approve = el("button", { type: "button", className: "button primary approve", text: "通过" });
    var reject = el("button", { type: "button", className: "button danger reject", text: "不予通过（须填理由）" });
    function decide(decision) {
      var text = reason.value.trim();
      if (decision === "rejected" && !text) { toast("不予通过时请填写理由，申请人会看到。", "error"); reason.focus(); return; }
      approve.disabled = reject.disabled = true;
      var body = { decision: decision };
      if (text) { body.reason = text; }
      api("POST", "/api/console/reviews/" + encodeURIComponent(item.id), body).then(function (done) {
        toast("申请 " + done.id + " " + done.status_label + "。");
        loadReviews();
      }, function (e) { fail(e); approve.disabled = reject.disabled = false; });
    }
    approve.addEventListener("click", function () { decide("approved"); });
    reject.addEventListener("click", function () { decide("rejected"); });
    return el("li", { className: "review", "data-id": item.id }, [
      el("h3", { text: item.policy_title || item.policy_id }),
      el("p", { className: "muted small", text: [item.id, item.handling, "提交于 " + when(item.created_at)].join(" · ") }),
      el("p", { text: "申请人：" + (item.applicant_name || "") + "（" + item.applicant + "）" }),
      item.system_opinion ? el("p", { className: "small", text: "系统意见：" + item.system_opinion }) : null,
      item.benefit ? el("p", { className: "small", text: "支持内容：" + item.benefit +
        (item.estimate_wan !== null && item.estimate_wan !== undefined ? "（预计 " + item.estimate_wan + " 万元）" : "") }) : null,
      reason,
      el("div", { className: "row" }, [approve, reject])
    ]);
  }

  // ---- 知识缺口 ------------------------------------------------------------------------------------

  var OUTCOME = { low_confidence: "答得没把握", not_found: "没找到答案", not_understood: "没听懂", handoff: "转人工",
                  handed_off: "转人工", bad_rating: "差评", rated_bad: "差评" };

  function tally(map, names) {
    return Object.keys(map || {}).filter(function (k) { return map[k]; })
      .map(function (k) { return (names[k] || k) + " " + map[k]; }).join("，");
  }

  function loadGaps() {
    var out = $("gaps-list");
    return api("GET", "/api/console/gaps?days=30").then(function (data) {
      clear(out);
      $("gaps-csv").hidden = false;
      if (!data.groups || !data.groups.length) { out.appendChild(el("p", { className: "empty", text: "近30天没有需要补充的知识。" })); return; }
      var rows = data.groups.map(function (g) {
        return el("tr", {}, [
          el("td", {}, [el("strong", { text: g.question }),
            g.examples && g.examples.length ? el("div", { className: "muted small", text: "例：" + g.examples.slice(0, 3).join(" / ") }) : null]),
          el("td", { className: "num", text: String(g.count) }),
          el("td", { className: "small", text: tally(g.outcomes, OUTCOME) }),
          el("td", { className: "small", text: tally(g.ratings, {}) }),
          el("td", { className: "small", text: when(g.last_seen) || g.last_seen || "" })
        ]);
      });
      out.appendChild(el("table", { className: "table" }, [
        el("thead", {}, [el("tr", {}, ["问题", "次数", "情况", "评价", "最近一次"].map(function (h) { return el("th", { scope: "col", text: h }); }))]),
        el("tbody", {}, rows)
      ]));
    }, function (e) {
      clear(out);
      if (e.status === 404) {
        $("gaps-csv").hidden = true;
        out.appendChild(el("p", { className: "empty", text: "知识缺口统计暂未开放。" }));
        return;
      }
      if (e.status === 403) { out.appendChild(el("p", { className: "empty", text: "您没有查看知识缺口的权限。" })); return; }
      fail(e);
    });
  }

  // ---- start ---------------------------------------------------------------------------------------

  function wire() {
    $("logout").addEventListener("click", function () {
      stopPolling();
      api("DELETE", "/api/console/session").catch(function () {}).then(function () { location.replace(LOGIN); });
    });
    document.querySelectorAll(".seg").forEach(function (seg) {
      seg.addEventListener("click", function () {
        state.scope = seg.getAttribute("data-scope");
        document.querySelectorAll(".seg").forEach(function (s) { s.setAttribute("aria-pressed", s === seg ? "true" : "false"); });
        loadQueue().catch(function () {});
      });
    });
    $("conv-claim").addEventListener("click", claim);
    $("conv-release").addEventListener("click", function () { $("release-form").hidden = false; $("release-note").focus(); });
    $("release-cancel").addEventListener("click", function () { $("release-form").hidden = true; });
    $("release-form").addEventListener("submit", release);
    $("reply-form").addEventListener("submit", sendReply);
    $("reply-input").addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {  // Enter sends; not while choosing 拼音
        event.preventDefault();
        $("reply-form").requestSubmit();
      }
    });
    $("conv-workorder").addEventListener("click", workOrderFromHandoff);
    $("assist-workorder").addEventListener("click", function () {
      openWorkOrder({ caller: "市民", question: $("assist-question").value.trim() }, null);
    });
    $("wo-form").addEventListener("submit", submitWorkOrder);
    $("wo-cancel").addEventListener("click", closeWorkOrder);
    $("wo-dialog").addEventListener("keydown", function (event) { if (event.key === "Escape") { closeWorkOrder(); } });
    $("assist-form").addEventListener("submit", ask);
    $("qc-form").addEventListener("submit", quickCheck);
    ["tk-kind", "tk-status", "tk-overdue"].forEach(function (id) { $(id).addEventListener("change", loadTickets); });
    $("tk-form").addEventListener("submit", updateTicket);
  }

  wire();
  api("GET", "/api/console/session").then(function (me) {
    state.me = me;
    $("whoami").textContent = me.display_name + "（" + me.username + "）";
    setUpTabs();
    document.body.setAttribute("data-ready", "1");
  }, fail);
})();

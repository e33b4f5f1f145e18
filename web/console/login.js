/* 政策通 12345 工作台：登录页。账号密码换取会话 Cookie（HttpOnly），成功后进入工作台。 */
(function () {
  "use strict";
  var form = document.getElementById("login-form");
  var error = document.getElementById("login-error");
  var submit = document.getElementById("login-submit");

  function showError(text) {
    error.textContent = text;
    error.hidden = !text;
  }

  // already signed in: straight to the console
  fetch("/api/console/session", { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (r) { if (r.ok) { location.replace("/console/"); } })
    .catch(function () { /* offline: the form still works once the service is back */ });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var username = form.username.value.trim();
    var password = form.password.value;
    if (!username || !password) {
      showError("请输入账号和密码。");
      (username ? form.password : form.username).focus();
      return;
    }
    showError("");
    submit.disabled = true;
    submit.textContent = "正在登录…";
    fetch("/api/console/session", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-Console": "1" },
      body: JSON.stringify({ username: username, password: password })
    }).then(function (r) {
      if (r.ok) {
        location.replace("/console/");
        return null;
      }
      return r.json().then(function (body) {
        throw new Error((body && body.error && body.error.message) || "登录失败，请稍后重试。");
      }, function () { throw new Error("登录失败，请稍后重试。"); });
    }).catch(function (e) {
      showError(e.message && /[\u4e00-\u9fff]/.test(e.message) ? e.message : "无法连接服务，请检查网络后重试。");
      submit.disabled = false;
      submit.textContent = "登录";
      form.password.select();
    });
  });
})();

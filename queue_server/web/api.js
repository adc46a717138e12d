// Shared by the staff and visitor pages: calls to our REST API with the page's
// token, and refusals turned into one readable message.
"use strict";

const Api = (() => {
  const params = new URLSearchParams(location.search);
  const token = params.get("token") || "";
  // Refusals that mean "nobody is signed in" (not a wrong password at /login).
  const NO_CREDENTIAL = new Set(["no_token", "bad_token", "bad_session"]);

  /** The path prefix the server runs under (pages get it in <body data-base>). */
  function root() {
    return document.body.dataset.base || "";
  }

  /**
   * fetch() our API. Resolves to {ok, status, data}; a refusal carries
   * data.error and data.message (the server's words) instead of throwing, so
   * a page can show it. Network failures resolve with status 0.
   */
  async function call(method, path, body, headers = {}) {
    const init = {
      method,
      // The pages speak Chinese whatever the browser's language: ask the
      // server for its refusals in Chinese too (it gives English on request).
      headers: { Authorization: `Bearer ${token}`, "Accept-Language": "zh-CN", ...headers },
      cache: "no-store",
    };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(root() + path, init);
    } catch (error) {
      return { ok: false, status: 0, data: { error: "network", message: "网络连接失败，请稍后重试" } };
    }
    // A proxy's error page is not JSON: report its status, not a network failure.
    const text = await response.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch (error) {
      data = { error: "http_error", message: `服务器返回错误（${response.status}）` };
    }
    if (!token && data && NO_CREDENTIAL.has(data.error)) {
      // A page opened without ?token= works on a staff session (/login): the
      // server's words about a missing token would mislead whoever reads this.
      data = { ...data, message: "尚未登录或登录已失效：请重新登录" };
    }
    return { ok: response.ok, status: response.status, data };
  }

  /** A unique key for Idempotency-Key headers: a retry reuses the same one. */
  function newKey() {
    const bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  return { token, call, newKey, root };
})();

/*
 * What both booking pages (book.js, book-manage.js) do alike: the one message
 * line (#message), a server refusal in the server's words (with how long to
 * wait when over a limit), and a guard so a double tap sends one request.
 */
"use strict";

const BookUi = (() => {
  /** Show `message` in #message (scrolled into view), or hide it when empty. */
  function say(message) {
    const line = document.getElementById("message");
    line.textContent = message;
    line.hidden = !message;
    if (message) line.scrollIntoView({ block: "nearest" });
  }

  function refusal(reply) {
    const wait = reply.data && reply.data.details && reply.data.details.retry_after_s;
    return wait ? `${reply.data.message}（${wait} 秒后可再试）` : reply.data.message;
  }

  let busy = false;
  /** `work` as a handler that runs once at a time (a second tap meanwhile is dropped). */
  function once(work) {
    return async () => {
      if (busy) return;
      busy = true;
      try {
        await work();
      } finally {
        busy = false;
      }
    };
  }

  return { say, refusal, once };
})();

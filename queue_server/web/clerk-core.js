/*
 * The clerk console's rules, pure: which actions fit the window's state, the
 * keys that trigger them, and when a recall is still allowed. clerk.js draws
 * the buttons from this table and sends what they say.
 */
const ClerkCore = (() => {
  "use strict";

  /*
   * Every action of the console. `keys` are KeyboardEvent.key values (lower
   * case for letters); `hint` is what the button shows. Keys are unique across
   * the whole table except where the same key means "the natural next step" in
   * states that never coexist (P pauses an open window and resumes a paused one).
   * `dialog` names the picker an action needs before it can be sent.
   */
  const ACTIONS = {
    open: { label: "开窗", keys: ["o"], hint: "O" },
    "call-next": { label: "叫号", keys: [" ", "F1"], hint: "空格 / F1" },
    call: { label: "指定叫号", keys: ["c"], hint: "C", dialog: "number" },
    "resume-ticket": { label: "恢复挂起", keys: ["h"], hint: "H", dialog: "suspended" },
    pause: { label: "暂停", keys: ["p"], hint: "P" },
    resume: { label: "恢复服务", keys: ["p"], hint: "P" },
    close: { label: "关窗", keys: ["x"], hint: "X" },
    recall: { label: "重呼", keys: ["r"], hint: "R" },
    start: { label: "开始办理", keys: ["s"], hint: "S" },
    "no-show": { label: "过号", keys: ["n"], hint: "N" },
    transfer: { label: "转办", keys: ["t"], hint: "T", dialog: "transfer" },
    finish: { label: "办结", keys: ["f"], hint: "F" },
    suspend: { label: "挂起", keys: ["g"], hint: "G" },
  };

  // The window's lifecycle (README "The ticket's life"): what a clerk may do in each state.
  const BY_STATE = {
    closed: ["open"],
    open: ["call-next", "call", "resume-ticket", "pause", "close"],
    calling: ["recall", "start", "no-show", "transfer"],
    serving: ["finish", "suspend", "transfer"],
    paused: ["resume", "close"],
  };

  /** The actions that fit `windowState`, in the order the console shows them. */
  function actionsFor(windowState) {
    return BY_STATE[windowState] || [];
  }

  /**
   * Whether `action` can be pressed now: it fits the state, and a recall is
   * refused by the server past the hall's max_recalls, so it is greyed out
   * there (the clerk marks a no-show instead). `context` = {recalls, maxRecalls,
   * suspended: how many suspended tickets there are}.
   */
  function enabled(action, windowState, context = {}) {
    if (!actionsFor(windowState).includes(action)) return false;
    if (action === "recall") return !recallExhausted(context.recalls, context.maxRecalls);
    if (action === "resume-ticket") return (context.suspended || 0) > 0;
    return true;
  }

  function recallExhausted(recalls, maxRecalls) {
    return typeof maxRecalls === "number" && (recalls || 0) >= maxRecalls;
  }

  /** "重呼 1/2": the recalls made so far and the hall's maximum. */
  function recallLabel(recalls, maxRecalls) {
    const max = typeof maxRecalls === "number" ? maxRecalls : "?";
    return `已重呼 ${recalls || 0}/${max} 次`;
  }

  /**
   * The action a key press means in `windowState`, or null. `key` is
   * KeyboardEvent.key; modifier presses (Ctrl+R reloads the page) are never ours.
   */
  function actionForKey(event, windowState) {
    if (event.ctrlKey || event.altKey || event.metaKey) return null;
    const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    return actionsFor(windowState).find((a) => ACTIONS[a].keys.includes(key)) || null;
  }

  /**
   * Why this number was called, for the clerk: 「绿色通道优先」, 「等候最久」,
   * 「指定叫号」…; "" for none or a reason this page does not know.
   */
  function reasonTag(reason) {
    const P = window.YiChuangProtocol;
    const words = P.CALL_REASON_ZH[reason];
    if (!words) return "";
    const plain = [P.CALL_REASONS.LONGEST_WAIT, P.CALL_REASONS.BY_NUMBER].includes(reason);
    return plain ? words : `${words}优先`;
  }

  return Object.freeze({
    ACTIONS,
    BY_STATE,
    actionsFor,
    enabled,
    recallExhausted,
    recallLabel,
    actionForKey,
    reasonTag,
  });
})();

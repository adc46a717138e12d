/*
 * Spoken Mandarin from the browser's own speechSynthesis: offline, no cloud
 * (Chromium speaks with espeak-ng on the hall's machines). Shared by the lobby
 * screens (display.js: each call said twice, calls never over each other, a
 * stale backlog dropped) and the ticket machine (kiosk.js: the step's prompt,
 * the newest replacing the rest).
 *
 *   const voice = Speech.create({ backlog })  voice.supported, voice.enabled
 *   voice.say(text, times = 1)   queued after what is being said
 *   voice.instead(text)          what was queued or being said is dropped for this
 *
 * Browsers start speech only after a user gesture on the page: the caller
 * enables a voice from a tap.
 */
const Speech = (() => {
  "use strict";

  const GAP_MS = 700;
  const GUARD_MS = 15000; // Chrome sometimes never fires `end`

  function supported() {
    return "speechSynthesis" in window && typeof window.SpeechSynthesisUtterance === "function";
  }

  function chineseVoice() {
    return window.speechSynthesis
      .getVoices()
      .find((v) => v.lang.replace("_", "-").toLowerCase().startsWith("zh-cn"));
  }

  function create({ backlog = 6, rate = 0.9 } = {}) {
    const queue = [];
    let speaking = false;
    let turn = 0; // a line from an older turn, ended by `instead`, starts nothing
    const voice = { supported: supported(), enabled: false, say, instead };

    function say(text, times = 1) {
      if (!voice.enabled || !voice.supported || !text) return;
      for (let i = 0; i < times; i += 1) queue.push(text);
      while (queue.length > backlog) queue.shift();
      pump();
    }

    function instead(text) {
      if (!voice.supported) return;
      queue.length = 0;
      turn += 1;
      speaking = false;
      window.speechSynthesis.cancel();
      say(text);
    }

    function pump() {
      if (speaking || !queue.length) return;
      speaking = true;
      const mine = turn;
      const utterance = new window.SpeechSynthesisUtterance(queue.shift());
      utterance.lang = "zh-CN";
      utterance.rate = rate;
      const chinese = chineseVoice();
      if (chinese) utterance.voice = chinese;
      let finished = false;
      const finish = () => {
        if (finished) return;
        finished = true;
        clearTimeout(guard);
        if (mine !== turn) return;
        speaking = false;
        setTimeout(pump, GAP_MS);
      };
      const guard = setTimeout(finish, GUARD_MS);
      utterance.onend = finish;
      utterance.onerror = finish;
      try {
        window.speechSynthesis.speak(utterance);
      } catch (err) {
        finish();
      }
    }

    return voice;
  }

  return Object.freeze({ create, supported });
})();

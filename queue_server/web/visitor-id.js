/*
 * Resident ID numbers (居民身份证号码, GB 11643-1999), checked in the browser.
 *
 * Pure: no DOM, no clock (today comes in as "YYYY-MM-DD" in the hall's time
 * zone). The same rules as queue_server/identity.py, so the ticket machine can
 * explain a typo on the spot, in Chinese, before anything is sent; the server
 * checks again and has the last word.
 */
(function (root) {
  "use strict";

  const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const CHECK_CHARS = "10X98765432"; // ISO 7064 MOD 11-2, indexed by sum % 11
  const LENGTH = 18;
  const ELDERLY_AGE = 60;
  const MINOR_AGE = 16;

  /** Upper-case, without spaces; full-width digits (０-９, Ｘ) read as ASCII. */
  function normalise(raw) {
    return String(raw || "")
      .replace(/\s+/g, "")
      .replace(/[０-９]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
      .replace(/[ｘＸx]/g, "X");
  }

  function checkChar(first17) {
    let total = 0;
    for (let i = 0; i < 17; i += 1) total += Number(first17[i]) * WEIGHTS[i];
    return CHECK_CHARS[total % 11];
  }

  function parseDay(text) {
    const match = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(text);
    if (!match) return null;
    const [year, month, day] = match.slice(1).map(Number);
    // Date rolls 1949-02-30 over to March: a real date survives the round trip.
    const probe = new Date(Date.UTC(year, month - 1, day));
    if (probe.getUTCFullYear() !== year || probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day) {
      return null;
    }
    return { year, month, day };
  }

  function before(a, b) {
    return a.year !== b.year ? a.year < b.year : a.month !== b.month ? a.month < b.month : a.day < b.day;
  }

  function ageOn(birth, today) {
    const hadBirthday = today.month > birth.month || (today.month === birth.month && today.day >= birth.day);
    return today.year - birth.year - (hadBirthday ? 0 : 1);
  }

  /**
   * Check a number typed so far. Returns {ok: true, number, birth, age, greenByAge}
   * or {ok: false, reason, message}: `reason` is stable for code and tests
   * (length | characters | x_position | birth_date | check_digit), `message`
   * says in Chinese what to do about it.
   */
  function check(raw, todayIso) {
    const number = normalise(raw);
    if (number.length !== LENGTH) {
      return fail("length", `身份证号码应为 18 位，您输入了 ${number.length} 位，请核对`);
    }
    if (!/^\d{17}[\dX]$/.test(number)) {
      return /^[\dX]+$/.test(number)
        ? fail("x_position", "字母 X 只能出现在最后一位，请核对")
        : fail("characters", "身份证号码只能包含数字和最后一位的 X");
    }
    const birth = parseDay(number.slice(6, 14));
    const today = parseDay(todayIso);
    if (!birth || birth.year < 1900 || (today && before(today, birth))) {
      const shown = `${number.slice(6, 10)}年${number.slice(10, 12)}月${number.slice(12, 14)}日`;
      return fail("birth_date", `第 7 至 14 位的出生日期（${shown}）不存在，请核对`);
    }
    if (checkChar(number.slice(0, 17)) !== number[17]) {
      return fail("check_digit", "身份证号码校验位不符，可能有数字输错，请核对后重新输入");
    }
    const age = today ? ageOn(birth, today) : null;
    const greenByAge = age !== null && (age >= ELDERLY_AGE || age < MINOR_AGE);
    return { ok: true, number, birth, age, greenByAge };
  }

  function fail(reason, message) {
    return { ok: false, reason, message };
  }

  /** Grouped for reading back (address 6, birth date 8, sequence and check 4). */
  function grouped(raw) {
    const n = normalise(raw);
    return [n.slice(0, 6), n.slice(6, 14), n.slice(14, 18)].filter(Boolean).join(" ");
  }

  const api = { check, normalise, grouped, checkChar, LENGTH };
  root.YiChuangId = Object.freeze(api);
  if (typeof module === "object" && module.exports) module.exports = api;
})(typeof window !== "undefined" ? window : globalThis);

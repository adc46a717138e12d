/*
 * The booking page's checks, pure (no DOM, no clock: today comes in as
 * "YYYY-MM-DD" in the hall's zone): a document number by its type, a mobile
 * number, and the item's pre-fill form. The same rules as the server
 * (queue_server/identity.py, otp.py, forms.py), so a typo is explained on the
 * spot; the server checks again and has the last word.
 *
 * Each check gives {ok: true, value} or {ok: false, message, en}.
 */
(function (root) {
  "use strict";

  const DOCUMENTS = {
    resident_id: { zh: "居民身份证", en: "Resident ID card" },
    passport: { zh: "护照", en: "Passport" },
    hk_macao_permit: { zh: "港澳居民来往内地通行证", en: "Mainland Travel Permit for HK/Macao Residents" },
    taiwan_permit: { zh: "台湾居民来往大陆通行证", en: "Mainland Travel Permit for Taiwan Residents" },
    foreign_pr: { zh: "外国人永久居留身份证", en: "Foreign Permanent Resident ID Card" },
  };

  // identity._FORMATS: the number as printed, normalised (upper case, no spaces).
  const FORMATS = {
    passport: [
      /^(?=.*\d)[A-Z0-9]{5,12}$/,
      "护照号码应为5至12位字母或数字，请核对后重新输入",
      "a passport number has 5 to 12 letters or digits",
    ],
    hk_macao_permit: [
      /^[HM](\d{8}|\d{10})$/,
      "港澳居民来往内地通行证号码应为H或M加8位数字，请核对后重新输入",
      "a Hong Kong/Macao permit number is H or M followed by 8 digits",
    ],
    taiwan_permit: [
      /^\d{8}$/,
      "台湾居民来往大陆通行证号码应为8位数字，请核对后重新输入",
      "a Taiwan residents' permit number has 8 digits",
    ],
    foreign_pr: [
      /^([A-Z]{3}\d{12}|9\d{16}[0-9X])$/,
      "外国人永久居留身份证号码应为3位字母加12位数字，或以9开头的18位号码，请核对后重新输入",
      "a foreign permanent residence card number is 3 letters and 12 digits, or 18 characters starting with 9",
    ],
  };

  // English beside the catalogue's Chinese labels, for the 出入境 items' forms.
  const FIELD_EN = {
    nationality: "Nationality",
    visa_type: "Current visa type",
    visa_expiry: "Current visa valid until",
    employer: "Employer",
    work_permit_no: "Work permit number",
    purpose: "Purpose of travel",
    destination: "Destination",
    endorsement: "Endorsement type",
    times: "Number of entries",
    issuing_country: "Country or region that issued the licence",
    license_class: "Licence class applied for",
  };

  const ok = (value) => ({ ok: true, value });
  const fail = (message, en) => ({ ok: false, message, en: en || "" });

  function idNumber(Id, type, raw, todayIso) {
    const number = Id.normalise(raw);
    if (!number) return fail("请填写证件号码", "enter the document number");
    if (type === "resident_id") {
      const checked = Id.check(number, todayIso);
      return checked.ok ? ok(number) : fail(checked.message, "check the ID number");
    }
    const format = FORMATS[type];
    if (!format) return fail("请选择证件类型", "choose a document type");
    const [pattern, zh, en] = format;
    if (!pattern.test(number)) return fail(zh, en);
    if (number.length === 18) {
      // The 2023 permanent residence card is numbered like a resident ID.
      const checked = Id.check(number, todayIso);
      if (!checked.ok) return fail(checked.message, "check the card number");
    }
    return ok(number);
  }

  function phone(raw) {
    let number = String(raw || "").replace(/[\s-]/g, "");
    if (number.startsWith("+86")) number = number.slice(3);
    if (/^1[3-9]\d{9}$/.test(number) || /^\+[1-9]\d{7,14}$/.test(number)) return ok(number);
    return fail(
      "请填写能接收短信的手机号码（境外号码请以+和国家或地区代码开头）",
      "a mobile number that can receive a text (abroad: + and the country code)",
    );
  }

  function name(raw) {
    const text = String(raw || "").trim();
    if (!text) return fail("请填写姓名（与证件一致）", "enter your name as on the document");
    if (text.length > 60) return fail("姓名最多60个字", "the name holds at most 60 characters");
    return ok(text);
  }

  function isDay(text) {
    const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
    if (!match) return false;
    const [y, m, d] = match.slice(1).map(Number);
    const probe = new Date(Date.UTC(y, m - 1, d));
    return probe.getUTCFullYear() === y && probe.getUTCMonth() === m - 1 && probe.getUTCDate() === d;
  }

  /** One field of the pre-fill form (forms.FormField.read); an empty optional one is ok(""). */
  function field(spec, raw) {
    const value = String(raw === undefined || raw === null ? "" : raw).trim();
    const say = (zh, en) => fail(`「${spec.label}」${zh}`, `${spec.name} ${en}`);
    if (!value) return spec.required ? say("为必填项", "is required") : ok("");
    if (value.length > spec.max_length) {
      return say(`最多${spec.max_length}个字`, `must be at most ${spec.max_length} characters`);
    }
    if (spec.type === "number" && !/^\d+$/.test(value)) return say("应填写整数", "must be a whole number");
    if (spec.type === "date" && !isDay(value)) return say("应为日期，如2026-12-01", "must be a date");
    if (spec.type === "choice" && !(spec.options || []).includes(value)) {
      return say(`应为以下之一：${(spec.options || []).join("、")}`, "must be one of the options");
    }
    return ok(value);
  }

  /** The whole form: {ok, value: {name: value}} or the first field refused, with its name. */
  function form(fields, values) {
    const filled = {};
    for (const spec of fields || []) {
      const checked = field(spec, values[spec.name]);
      if (!checked.ok) return { ...checked, field: spec.name };
      if (checked.value) filled[spec.name] = checked.value;
    }
    return ok(filled);
  }

  const api = Object.freeze({ DOCUMENTS, FIELD_EN, idNumber, phone, name, field, form });
  root.BookCheck = api;
  if (typeof module === "object" && module.exports) module.exports = api;
})(typeof window !== "undefined" ? window : globalThis);

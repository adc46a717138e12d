/*
 * Small DOM helpers for the visitor's pages (kiosk.js, status.js).
 *
 * Text only: service names, materials and server messages are set with
 * textContent, never parsed as HTML.
 */
"use strict";

const Dom = (() => {
  const byId = (id) => document.getElementById(id);

  /** <tag class=…> with text, or with child nodes (null children are skipped). */
  function el(tag, className, content) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (Array.isArray(content)) node.append(...content.filter(Boolean));
    else if (content !== undefined && content !== null) node.textContent = String(content);
    return node;
  }

  function setText(id, text) {
    byId(id).textContent = text;
  }

  function show(id, visible) {
    byId(id).hidden = !visible;
  }

  /** The materials checklist (收件清单) as <li> items of an <ol>. */
  function fillMaterials(list, materials) {
    const items = (materials || []).map((text) => el("li", "material", text));
    if (!items.length) items.push(el("li", "material none", "无需额外材料"));
    list.replaceChildren(...items);
  }

  return { byId, el, setText, show, fillMaterials };
})();

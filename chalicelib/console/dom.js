// dom.js: building and showing elements. Text always goes in as textContent, never as HTML,
// so a template or a customer's name can never become markup or script.

/** The element with this id (the page's fixed skeleton). */
export const byId = (id) => document.getElementById(id);

/** A new element: attributes set one by one, children appended as nodes or text. */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    node.setAttribute(name, value === true ? "" : String(value));
  }
  node.append(...children.map((child) => (child instanceof Node ? child : String(child))));
  return node;
}

/** Replace what ``node`` holds with ``children``. */
export function fill(node, ...children) {
  node.replaceChildren(...children.map((child) => (child instanceof Node ? child : String(child))));
}

/** One message for a person, read out by screen readers (the status region). */
export function say(message) {
  byId("status").textContent = message;
}

/** Show one of the main views and hide the others. */
export function showView(id) {
  for (const view of document.querySelectorAll("main > section")) view.hidden = view.id !== id;
}

/** A <select>'s options from [value, label] pairs, keeping the choice if it is still there. */
export function options(select, pairs) {
  const kept = select.value;
  fill(select, ...pairs.map(([value, label]) => el("option", { value }, label ?? value)));
  if (pairs.some(([value]) => value === kept)) select.value = kept;
}

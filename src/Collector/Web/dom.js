// Building the page without innerHTML: every text from the collector (messages, names) goes in as textContent, so
// nothing stored in an event can become markup or script.

const SvgNs = 'http://www.w3.org/2000/svg';

/** An HTML element: el('div', { class: 'card' }, child, 'text', ...). */
export function el(tag, attributes = {}, ...children) {
  return fill(document.createElement(tag), attributes, children);
}

/** An SVG element, same shape as el(). */
export function svg(tag, attributes = {}, ...children) {
  return fill(document.createElementNS(SvgNs, tag), attributes, children);
}

function fill(node, attributes, children) {
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== null && value !== undefined && value !== false) {
      node.setAttribute(name, String(value));
    }
  }
  for (const child of children) {
    if (child !== null && child !== undefined) {
      node.append(child);
    }
  }
  return node;
}

/** A figure: big number, label; its text and data-value are set by format.show(). */
export function figure(label, path) {
  const value = el('span', { class: 'figure-value', 'data-path': path });
  return { node: el('div', { class: 'figure' }, value, el('span', { class: 'figure-label' }, label)), value };
}

export const card = (title, ...children) => el('section', { class: 'card' }, el('h2', {}, title), ...children);

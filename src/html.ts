// Writing values into the few HTML pages the gateway and its fake serve themselves (GraphiQL's
// page, the fake SendZen iframe): one escape for text and attributes, one for JSON in a <script>.

export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/** JSON inside <script>: a "</script>" in a value must not end the element. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

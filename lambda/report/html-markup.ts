/**
 * Escaped HTML for the pages the link endpoint serves: every value interpolated into an `html`
 * template goes through `escape-html` unless it is itself an `html` result, so data (a day, a
 * stage name, a signed link) can never become markup. The email's HTML part uses it too.
 */
import escapeHtml from "escape-html";

/** Markup that is already escaped; anything else interpolated into `html` is escaped. */
export class SafeHtml {
  constructor(readonly markup: string) {}
}
export type HtmlValue = SafeHtml | string | number | null | undefined | readonly HtmlValue[];

function toMarkup(value: HtmlValue): string {
  if (value instanceof SafeHtml) return value.markup;
  if (Array.isArray(value)) return value.map(toMarkup).join("");
  if (value === null || value === undefined) return "";
  return escapeHtml(String(value));
}

/** Tagged template that escapes every interpolation unless it is itself an `html` result. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let markup = strings[0] ?? "";
  values.forEach((value, index) => {
    markup += toMarkup(value) + (strings[index + 1] ?? "");
  });
  return new SafeHtml(markup);
}

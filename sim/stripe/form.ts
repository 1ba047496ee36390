// Stripe's v1 API takes form bodies (and GET/DELETE query strings) where nesting is spelled with
// brackets: `line_items[0][price]=price_1&expand[0]=subscription`. stripe-node writes indexed
// arrays; curl users write `expand[]=`; both decode to the same shape here.

export type FormValue = string | FormValue[] | FormObject;
export interface FormObject {
  [key: string]: FormValue;
}

export function decodeForm(text: string): FormObject {
  const root: FormObject = {};
  for (const [key, value] of new URLSearchParams(text)) {
    const path = splitKey(key);
    if (path) assign(root, path, value);
  }
  return normalize(root, "") as FormObject;
}

/** `a[b][0]` → ["a", "b", "0"]; `a[]` → ["a", ""]; malformed keys are ignored like Stripe's parser does. */
function splitKey(key: string): string[] | null {
  const open = key.indexOf("[");
  if (open === -1) return key ? [key] : null;
  const parts = [key.slice(0, open)];
  const rest = key.slice(open);
  const segment = /\[([^\[\]]*)\]/y;
  let consumed = 0;
  for (let match = segment.exec(rest); match; match = segment.exec(rest)) {
    parts.push(match[1]);
    consumed = segment.lastIndex;
  }
  return consumed === rest.length && parts[0] ? parts : null;
}

function assign(root: FormObject, path: string[], value: string) {
  let node: FormObject = root;
  path.forEach((segment, i) => {
    const key = segment === "" ? String(Object.keys(node).length) : segment;
    if (i === path.length - 1) {
      node[key] = value;
      return;
    }
    const child = node[key];
    if (typeof child !== "object" || Array.isArray(child)) node[key] = {};
    node = node[key] as FormObject;
  });
}

/** Objects whose keys are all indexes become arrays; metadata stays a hash even with numeric keys. */
function normalize(value: FormValue, key: string): FormValue {
  if (typeof value !== "object" || Array.isArray(value)) return value;
  const entries = Object.entries(value).map(([k, v]) => [k, normalize(v, k)] as const);
  const indexed = entries.length > 0 && entries.every(([k]) => /^\d+$/.test(k));
  if (indexed && key !== "metadata") {
    return entries.sort(([a], [b]) => Number(a) - Number(b)).map(([, v]) => v);
  }
  return Object.fromEntries(entries);
}

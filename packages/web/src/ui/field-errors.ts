import { ApiRequestError } from "../api/errors.js";

/** An API failure split for a form: messages per field (`resources.cpus`) and the rest. */
export interface FormErrors {
  fields: Record<string, string>;
  /** What belongs to no field shown on the form (or the whole message when nothing does). */
  form: string | undefined;
}

export const NO_ERRORS: FormErrors = { fields: {}, form: undefined };

/**
 * Maps `{details: [{path: "body.resources.cpus", message}]}` onto the form's fields. A 409 whose
 * message starts with `name:` (duplicate names) goes to the name field.
 */
export function formErrors(err: unknown, known: readonly string[]): FormErrors {
  if (!(err instanceof ApiRequestError)) return { fields: {}, form: (err as Error)?.message ?? String(err) };
  const fields: Record<string, string> = {};
  const rest: string[] = [];
  for (const issue of err.fields) {
    const key = issue.path.replace(/^body\./, "");
    const field = known.find((k) => key === k || key.startsWith(`${k}.`));
    if (field && !fields[field]) fields[field] = issue.message;
    else if (!field) rest.push(`${key}: ${issue.message}`);
  }
  if (err.fields.length === 0) {
    const m = /^(\w+):\s*(.*)$/.exec(err.message);
    if (m && known.includes(m[1] as string)) fields[m[1] as string] = m[2] as string;
    else rest.push(err.message);
  }
  return { fields, form: rest.length ? rest.join("; ") : undefined };
}

import { slugify } from "../teams/slug.js";

/** "Add a login page!" → "add-a-login-page": a-z, 0-9 and dashes, at most 40 characters. */
export const taskSlug = (title: string): string => slugify(title, "task");

/** Where a task's spec documents live on its branch: specs/<number>-<slug>. */
export const specPathOf = (number: number, slug: string): string => `specs/${number}-${slug}`;

/** The task's own branch: the project's prefix, then <number>-<slug>. */
export const branchOf = (prefix: string, number: number, slug: string): string => `${prefix}${number}-${slug}`;

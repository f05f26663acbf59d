import { z } from "zod";

/** A sandboxed agent: it may move only its own branch, forward. */
export interface SessionPushPolicy {
  kind: "session";
  /** Short name, e.g. `strand/fix-login`. */
  branch: string;
  protectedBranches: string[];
}

/** A person: viewers may not push; members may push any branch that is not protected. */
export interface UserPushPolicy {
  kind: "user";
  canPush: boolean;
  /** Short names; `*` matches any run of characters (`release/*`). Pushes to these must fast-forward. */
  protectedBranches: string[];
  /** Reserved: force-pushing a protected branch is never allowed today. */
  allowForceProtected?: false;
}

export type PushPolicy = SessionPushPolicy | UserPushPolicy;

/** One line of what git tells pre-receive: the ref and its old and new object (all zeros = none). */
export interface RefUpdate {
  ref: string;
  oldSha: string;
  newSha: string;
}

export interface PushRefusal {
  ref: string;
  reason: string;
}

export type IsAncestor = (ancestor: string, descendant: string) => Promise<boolean>;

const pushPolicySchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("session"), branch: z.string().min(1), protectedBranches: z.array(z.string()) }),
  z.object({
    kind: z.literal("user"),
    canPush: z.boolean(),
    protectedBranches: z.array(z.string()),
    allowForceProtected: z.literal(false).optional(),
  }),
]);

/** Reads a policy from its JSON (STRAND_PUSH_POLICY); throws with what was wrong. */
export function parsePushPolicy(json: string): PushPolicy {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    throw new Error(`push policy is not JSON: ${(err as Error).message}`);
  }
  const parsed = pushPolicySchema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "policy"}: ${i.message}`).join("; ");
    throw new Error(`push policy is invalid: ${issues}`);
  }
  return parsed.data;
}

const HEADS = "refs/heads/";
const TAGS = "refs/tags/";

const isZero = (sha: string) => /^0+$/.test(sha);
const short = (sha: string) => sha.slice(0, 12);

export function isProtectedBranch(branch: string, patterns: readonly string[]): boolean {
  return patterns.some((pattern) => {
    if (!pattern.includes("*")) return pattern === branch;
    const source = pattern
      .split("*")
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*");
    return new RegExp(`^${source}$`).test(branch);
  });
}

/**
 * Which of a push's ref updates the policy refuses, each with a reason the pusher can act on. Pure
 * apart from `isAncestor`, so the rules can be tested without a repository.
 */
export async function checkPush(
  updates: readonly RefUpdate[],
  policy: PushPolicy,
  isAncestor: IsAncestor,
): Promise<PushRefusal[]> {
  const refusals: PushRefusal[] = [];
  for (const update of updates) {
    if (update.oldSha === update.newSha) continue;
    const reason =
      policy.kind === "session"
        ? await checkSessionUpdate(update, policy, isAncestor)
        : await checkUserUpdate(update, policy, isAncestor);
    if (reason) refusals.push({ ref: update.ref, reason });
  }
  return refusals;
}

async function checkSessionUpdate(
  { ref, oldSha, newSha }: RefUpdate,
  policy: SessionPushPolicy,
  isAncestor: IsAncestor,
): Promise<string | null> {
  const own = `a session may push only its own branch ${policy.branch}`;
  if (ref.startsWith(TAGS)) return `${own}; tags are refused`;
  if (!ref.startsWith(HEADS)) return own;
  const branch = ref.slice(HEADS.length);
  // Protection comes first: for main, "open a merge" is the useful answer, not "wrong branch".
  if (isProtectedBranch(branch, policy.protectedBranches)) return protectedReason(branch);
  if (branch !== policy.branch) return own;
  if (isZero(newSha)) return "deleting branches is refused";
  return fastForwardReason(policy.branch, oldSha, newSha, isAncestor);
}

async function checkUserUpdate(
  { ref, oldSha, newSha }: RefUpdate,
  policy: UserPushPolicy,
  isAncestor: IsAncestor,
): Promise<string | null> {
  if (!policy.canPush) return "you have read-only access to this repository; pushing needs member access";
  if (ref.startsWith(TAGS)) {
    return isZero(oldSha) ? null : "tags cannot be moved or deleted once pushed; push a new tag instead";
  }
  if (!ref.startsWith(HEADS)) return "only branches (refs/heads/...) and tags (refs/tags/...) can be pushed";
  const branch = ref.slice(HEADS.length);
  if (!isProtectedBranch(branch, policy.protectedBranches)) return null;
  if (isZero(newSha)) return `${branch} is protected: deleting it is refused`;
  const notForward = await fastForwardReason(branch, oldSha, newSha, isAncestor);
  return notForward ? `${branch} is protected: ${notForward}` : null;
}

const protectedReason = (branch: string) => `${branch} is protected: open a merge from the Strand UI instead`;

async function fastForwardReason(
  branch: string,
  oldSha: string,
  newSha: string,
  isAncestor: IsAncestor,
): Promise<string | null> {
  if (isZero(oldSha)) return null;
  let forward: boolean;
  try {
    forward = await isAncestor(oldSha, newSha);
  } catch (err) {
    return `could not check that this is a fast-forward (${(err as Error).message}); push again`;
  }
  if (forward) return null;
  return (
    `force-push refused: ${branch} is at ${short(oldSha)}, which is not an ancestor of ${short(newSha)}; ` +
    `fetch ${branch}, merge it into your work and push again`
  );
}

// The git module's public API: hosting, import, push policy, smart HTTP, merge, review diffs.
export {
  type ChangeStatus,
  type Changes,
  diffChanges,
  type FileChange,
  PATCH_LIMIT,
  UnrelatedHistoriesError,
} from "./changes.js";
export { GitError } from "./errors.js";
export { type GitHttpGrant, type GitHttpPluginOptions, type GitHttpTarget, gitHttpPlugin } from "./fastify-plugin.js";
export { FILE_AT_LIMIT, linesOf, readFileAt } from "./file-at.js";
export {
  type GitService,
  gitServiceOf,
  HttpBackendError,
  type HttpBackendRequest,
  type HttpBackendResponse,
  runHttpBackend,
} from "./http-backend.js";
export {
  classifyGitFailure,
  type FetchUpstreamResult,
  fetchUpstream,
  ImportError,
  type ImportResult,
  importRepo,
  type PushedRef,
  pushUpstream,
  storedUpstream,
  type UpstreamRefChange,
} from "./import.js";
export {
  type BranchInfo,
  branchExists,
  type CommitInfo,
  defaultBranch,
  isAncestor,
  listBranches,
  mergeBase,
  RefNotFoundError,
  recentCommits,
  requireCommit,
  resolveRef,
} from "./inspect.js";
export {
  BaseMovedError,
  findConflicts,
  MergeConflictError,
  MergeError,
  type MergeOptions,
  type MergeStrategy,
  mergeBranch,
  NotFastForwardError,
  NothingToMergeError,
  type Person,
} from "./merge.js";
export { assertProjectSlug, assertRepoName, InvalidNameError, validateBranchName } from "./names.js";
export { PRE_RECEIVE_SCRIPT, prePushEnv } from "./push-env.js";
export {
  checkPush,
  type IsAncestor,
  isProtectedBranch,
  type PushPolicy,
  type PushRefusal,
  parsePushPolicy,
  type RefUpdate,
  type SessionPushPolicy,
  type UserPushPolicy,
} from "./push-policy.js";
export { configureHostedRepo, RepoExistsError, RepoStore } from "./repo-store.js";
export { GitCommandError, type GitResult, gitEnv, type RunGitOptions, runGit, streamGit } from "./run-git.js";
export {
  type CheckedUpstream,
  checkUpstreamUrl,
  redactUrl,
  type UpstreamCredentials,
  UpstreamError,
  type UpstreamFailure,
  type UpstreamSource,
} from "./upstream-url.js";

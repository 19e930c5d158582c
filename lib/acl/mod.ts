/**
 * ACL-style users the proxy enforces itself: rules in Redis's ACL syntax compiled into a
 * per-command check, key patterns, password digests and the failed-AUTH limiter.
 *
 * @module
 */
export { AclUser, type AclUserSpec, NOPERM_KEY, nopermCommand } from "./acl_user.ts";
export { aclCategories, AclRuleError, CommandRules } from "./command_rules.ts";
export { KeyPatterns } from "./key_patterns.ts";
export { DEFAULT_USER, UserDirectory } from "./user_directory.ts";
export {
  AuthLimiter,
  type AuthLimits,
  DEFAULT_AUTH_FAILURE_LIMIT,
  DEFAULT_AUTH_FAILURE_WINDOW_MS,
} from "./auth_limiter.ts";

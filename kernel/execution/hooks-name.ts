/**
 * The parameter through which compiled cell code reaches its runtime hooks. Compiled code refers
 * to it by this name, so it is chosen to be unlikely to collide with a user's own identifiers.
 */
export const HOOKS = "__tsamp_hooks";

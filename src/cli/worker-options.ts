/**
 * The flags of `shoal worker`, in `util.parseArgs` form. Kept apart from the command so the
 * deployment recipes' test (deploy/) can check that every flag they pass is a real one.
 * The cluster token is never a flag: it comes from the SHOAL_TOKEN environment variable.
 */
export const WORKER_OPTIONS = {
  nthreads: { type: 'string' },
  'memory-limit': { type: 'string' },
  name: { type: 'string' },
  listen: { type: 'string' },
  'local-directory': { type: 'string' },
  preload: { type: 'string', multiple: true },
  insecure: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

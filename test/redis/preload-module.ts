/** A module `shoal worker --preload` imports in every runtime thread before the first task. */
(globalThis as { __shoalPreloaded?: string }).__shoalPreloaded = 'preloaded by shoal worker --preload';

/**
 * apache-arrow, loaded at its first use (`lazyDependency`) instead of at `import 'shoal'`: its ~150
 * modules take ~0.3 s to load, which a program that never touches a DataFrame should not pay.
 * Arrow's value imports go through `arrow()`; its types are imported with `import type`.
 */
import type * as Arrow from 'apache-arrow';
import { lazyDependency } from '../schedulers/modules.ts';

/**
 * The apache-arrow module (loaded on the first call), the same instance as a user's
 * `import 'apache-arrow'`.
 * @example
 * const { tableFromArrays } = arrow();
 */
export const arrow = lazyDependency<typeof Arrow>('apache-arrow');

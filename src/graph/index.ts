export * from './types.ts';
export * from './keys.ts';
export * from './tokenize.ts';
export { toposort } from './toposort.ts';
export { cull } from './cull.ts';
export { fuse, fuseIndexed, FUSED_OP, isFused, stepsOf, type FusedStep } from './fuse.ts';
export { order, orderIndexed, type Ordering } from './order.ts';
export { validate, mergeChecked } from './validate.ts';

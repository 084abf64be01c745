/**
 * `array`: chunked n-dimensional arrays over SharedArrayBuffer (shoal's `dask.array`).
 * @example
 * import { array, compute } from 'shoal';
 * const x = array.random.normal({ shape: [1_000_000], chunks: [100_000], seed: 42 });
 * const [m, s] = await compute(x.mean(), x.std());
 */
export { ShoalArray as Array, type NdArray, type NestedNumbers } from './core.ts';
export { normalizeChunks, type Chunks, type ChunksSpec } from './chunks.ts';
export { promoteTypes, DTYPES, type DType, type TypedArray } from './dtype.ts';
export { zeros, ones, full, empty, arange, linspace, eye, fromArray, random, type CreateOptions, type LinspaceOptions, type EyeOptions, type FromArrayOptions, type RandomOptions, type NormalOptions, type UniformOptions, type ArraySource, type StridedLike } from './creation.ts';
export { rechunk } from './rechunk.ts';
export { slice, type AxisIndex } from './slicing.ts';
export { reshape } from './reshape.ts';
export { transpose, squeeze, expandDims, concatenate, stack } from './shape.ts';
export type { ReduceOptions, MomentsOptions, ArgReduceOptions } from './reductions.ts';
export type { CumulativeOptions } from './cumulative.ts';
export type { Operand } from './elemwise.ts';
export { dot, matmul, tensordot, type DotOptions } from './linalg.ts';
export { mapBlocks, blockwise, mapOverlap, type MapBlocksOptions, type MapBlocksAxisOptions, type BlockwiseOptions, type MapOverlapOptions, type Boundary } from './blockwise.ts';
export * from './functions.ts';

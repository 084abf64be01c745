export { expandPaths, naturalCompare } from './paths.ts';
export { splitBlocks, readBlock, readWhole, lineNumberAt, isGzip, type Block, type BlockBytes } from './blocks.ts';
export { parseBytes, formatBytes } from './bytes.ts';

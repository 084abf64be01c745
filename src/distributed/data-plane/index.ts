/**
 * The data plane (DESIGN.md §6): results too large to travel inline stay on the worker that made
 * them and move worker to worker, or to the client, over HTTP, each request and answer carrying
 * proof of the cluster key (never the key itself). See README.md.
 */
export { startDataServer, UNDEFINED_VALUE, type DataServer, type DataServerOptions } from './server.ts';
export { fetchValues, type FetchOptions, type FetchResult } from './fetch.ts';
export { encodeValue, decodeValue, type EncodedValue, type EncodeOptions } from './encode.ts';
export { Secret } from '../secret.ts';
export { PeerUnreachableError, DataPlaneError } from '../../errors.ts';

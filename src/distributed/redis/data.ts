/** The data plane this backend uses (the shim until src/distributed/data-plane lands). */
export { fetchValues, startDataServer, PeerUnreachableError, type DataServer } from './data-plane-shim.ts';

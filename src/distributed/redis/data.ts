/** The data plane this backend uses (src/distributed/data-plane), in one place. */
export { DataPlaneError, fetchValues, PeerUnreachableError, startDataServer, UNDEFINED_VALUE, type DataServer } from '../data-plane/index.ts';

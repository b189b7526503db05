// @elizaos/core's declarations name Node's Buffer; @types/node is not installed in this project,
// so the type check of tests/js/types/*.ts declares the one global it needs.
declare class Buffer extends Uint8Array {}

// The packed job results (CFR2, wire/packed-layout.ts) in one module: packing, reading and
// rendering, what the job-worker, the job store and the API import (and bench/packed-results.ts
// loads from a build to compare two of them).
export { deflatePacked, packResults, ResultsPacker } from './packed-pack.js';
export { isPacked, unpackResults, type PackedResults } from './packed-read.js';
export { writeResultsCsv, writeResultsJson } from './packed-render.js';

// tinypool starts `<main>/../entry/worker.js`; in the binary that is this file.
// (package exports hide this subpath, hence the relative path)
import "../../../node_modules/tinypool/dist/entry/worker.js";

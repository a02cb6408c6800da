/**
 * The RNN workbook library: everything a notebook needs, from one import.
 *
 *     import { tf, ready, sumOfThree, buildRecurrentModel, fit } from "rnn-workbook";
 *     const backend = await ready(); // native TensorFlow, else wasm, else cpu
 *
 * `tf` is TensorFlow.js itself (`@tensorflow/tfjs`), bound to the chosen backend.
 */
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "./backend";

export { tf };
export * from "./validate";
export * from "./random";
export * from "./backend";
export * from "./generators";
export * from "./windows";
export * from "./scalers";
export * from "./metrics";
export * from "./models";
export * from "./fused";
export * from "./optimizers";
export * from "./losses";
export * from "./training";
export * from "./interrupt";
export * from "./display";
export * from "./charts";
export * from "./checks";
export * from "./data";
export * from "./pipeline";
export * from "./cells";
export * from "./diagrams";
export * from "./experiments";
export * from "./tables";
export * from "./transforms";
export * from "./text";
export * from "./io";
export * from "./sweeps";
export * from "./importance";
export * from "./features";
export * from "./exercises";

// Start choosing the backend on import; `await ready()` waits for it. A failure
// (e.g. an unknown RNN_WORKBOOK_BACKEND) is reported by `ready()`, not here.
selectBackend().catch(() => undefined);
export * from "./grading";
export * from "./grader";

/** A graph the built-in engine cannot evaluate exactly; `auto` then falls back to onnxruntime. */
export class UnsupportedModelError extends Error {}
